/**
 * A script worker thread: runs jobs one at a time with its own Rhai engines and compiled-script
 * cache. A runaway or crashing script can only take this thread down; the pool replaces it.
 */
import { parentPort } from 'node:worker_threads';
import { ScriptRunner } from './run-script.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

if (!parentPort) throw new Error('script-worker.js must run in a worker thread');
const port = parentPort;
const runner = new ScriptRunner();

port.on('message', (message: ToWorker) => {
  const report = runner.run(message.job);
  const body = report.result.ok ? report.result.response.body : null;
  const transfer = body instanceof Uint8Array ? [body.buffer as ArrayBuffer] : [];
  port.postMessage({ type: 'done', id: message.id, report } satisfies FromWorker, transfer);
});
port.postMessage({ type: 'ready' } satisfies FromWorker);
