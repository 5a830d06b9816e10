/**
 * The worker thread of `picloud rhai repl`: one engine with the SDK's modules (services reached
 * through the same bridge as the executor's workers) and one REPL session. Running here, a runaway
 * input never blocks the prompt: Ctrl+C sets the shared interrupt flag, which the engine's progress
 * check reads every few thousand operations and answers by stopping the input (ErrorTerminated).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ServiceCall } from '../../contracts/script-services.js';
import { engineLimits } from '../../executor/run-script.js';
import { registerSdkModules, ServiceBinding } from '../../executor/sdk/index.js';
import { BridgeClient } from '../../executor/service-bridge.js';
import { Engine } from '../../rhai/index.js';
import { ReplSession } from '../../rhai/tools/repl.js';
import type { FromReplWorker, ReplWorkerData, ToReplWorker } from './repl-protocol.js';

if (!parentPort) throw new Error('repl-worker.js must run in a worker thread');
const port = parentPort;
const data = workerData as ReplWorkerData;
const interrupt = new Int32Array(data.interruptFlag);
const { limits } = data;

const post = (message: FromReplWorker) => port.postMessage(message);
const write = (text: string) => post({ type: 'output', text });

const engine = new Engine({
  limits: engineLimits(limits),
  onProgress: () => Atomics.load(interrupt, 0) === 1,
  onPrint: write,
  onDebug: (text) => write(`[debug] ${text}`),
});
const services = new ServiceBinding();
registerSdkModules(engine, services);
const bridge = new BridgeClient(data);

let deadline: number | null = null;
// The REPL runs one input at a time: a service call waits in place on the bridge.
const block = (request: unknown) => bridge.call(request as ServiceCall);
const session = new ReplSession(engine, write, () => (deadline === null ? { block } : { deadline, block }));

port.on('message', (message: ToReplWorker) => {
  switch (message.type) {
    case 'evaluate':
      // A Ctrl+C that came after the previous input had finished is not meant for this one.
      Atomics.store(interrupt, 0, 0);
      deadline = message.deadline;
      bridge.beginRun(message.id, deadline ?? Number.POSITIVE_INFINITY);
      services.begin(bridge, deadline ?? Number.POSITIVE_INFINITY);
      try {
        session.evaluate(message.text);
      } finally {
        services.end();
        bridge.endRun();
      }
      post({ type: 'done', id: message.id });
      return;
    case 'reset':
      session.reset();
      post({ type: 'done', id: message.id });
      return;
    case 'functions':
      post({ type: 'done', id: message.id, functions: session.functions() });
      return;
  }
});
