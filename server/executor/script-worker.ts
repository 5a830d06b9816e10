/**
 * A script worker thread: runs jobs one at a time with its own Rhai engines and compiled-script
 * cache. A runaway or crashing script can only take this thread down; the pool replaces it. Service
 * calls (`kv::`, `http::`…) go to the main thread through the bridge the pool handed over as
 * `workerData`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ExecutionReport } from '../contracts/executor.js';
import { ScriptRunner } from './run-script.js';
import { BridgeClient } from './service-bridge.js';
import type { FromWorker, ScriptWorkerData, ToWorker } from './worker-protocol.js';

if (!parentPort) throw new Error('script-worker.js must run in a worker thread');
const port = parentPort;
const runner = new ScriptRunner(
  undefined,
  (workerData as ScriptWorkerData & { moduleCacheSize?: number }).moduleCacheSize,
);
const services = new BridgeClient(workerData as ScriptWorkerData);

port.on('message', (message: ToWorker) => {
  services.beginRun(message.id, message.deadline);
  const report = runner.run(message.job, services);
  services.endRun();
  const body = report.result.ok ? report.result.response.body : null;
  const transfer = body instanceof Uint8Array ? [body.buffer as ArrayBuffer] : [];
  try {
    port.postMessage({ type: 'done', id: message.id, report } satisfies FromWorker, transfer);
  } catch {
    // A report the structured clone refuses (a thrown map's details nested too deeply for it): the run
    // still ends with an answer, and this worker stays in service.
    const unsent: ExecutionReport = {
      ...report,
      result: {
        ok: false,
        error: {
          code: 'PICLOUD_ERR_SCRIPT_RUNTIME',
          status: 500,
          message: "The script's result is nested too deeply to send",
        },
      },
    };
    port.postMessage({ type: 'done', id: message.id, report: unsent } satisfies FromWorker);
  }
});
port.postMessage({ type: 'ready' } satisfies FromWorker);
