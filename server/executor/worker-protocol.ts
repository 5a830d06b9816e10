/**
 * Messages between the executor's pool (main thread) and its script workers, declared once.
 *
 * A worker holds many runs at once: jobs arrive in batches, each run either finishes, waits for the
 * sources of scripts it has not compiled, or waits on a service call (`kv::`, `http::`…) answered by
 * message while the worker runs other jobs. Jobs name their script and modules by id and version; a
 * worker asks for the sources it lacks (`miss`) and the pool answers with those of that job only.
 *
 * Besides the messages, two pieces of shared memory (see `worker-pool.ts`):
 * - claim cells: a job is run only by whoever swaps its cell from the job's id to 0 first — the
 *   worker when it starts it, or the pool when it takes back a job still waiting behind a run that
 *   computes too long (so a job is never run twice nor lost);
 * - a state pair: the id of the run computing now (0: none) and a counter bumped at every start or
 *   resumption, from which the pool sees a worker stuck in one stretch of computation.
 * Service calls made where a run cannot suspend block the worker on a third channel (the service
 * port and flag of `service-bridge.ts`).
 */
import type { MessagePort } from 'node:worker_threads';
import type { ExecutionReport, ScriptNode } from '../contracts/executor.js';
import type { ServiceCall, ServiceOutcome } from '../contracts/script-services.js';
import type { RunnableJob } from './run-script.js';

/** A job as a worker receives it. */
export interface WireJob extends RunnableJob {
  /** The pool's task id (never 0). */
  id: number;
  /** Index of the job's claim cell. */
  cell: number;
  /** Epoch milliseconds: the run's deadline (its service calls wait at most until then). */
  deadline: number;
}

/** Main thread → worker. */
export type ToWorker =
  /** Jobs to run, in order. */
  | { type: 'jobs'; jobs: WireJob[] }
  /** The sources a run asked for (`miss`), by `id@version`. */
  | { type: 'sources'; id: number; sources: Record<string, string> }
  /** Answers to service calls of suspended runs. */
  | { type: 'answers'; answers: ServiceAnswer[] }
  /** Runs the pool gave up on (deadline passed): drop them. */
  | { type: 'cancel'; ids: number[] };

/** A finished run. */
export interface RunDone {
  id: number;
  report: ExecutionReport;
  /** Milliseconds the run spent computing (its waits on services left out): what the pool learns. */
  activeMs: number;
}

/** Worker → main thread: everything that happened since the last message, in one message. */
export type FromWorker =
  | { type: 'ready' }
  | {
      type: 'batch';
      done: RunDone[];
      /** Runs that cannot start before the sources of these `id@version`s arrive. */
      misses: { id: number; keys: string[] }[];
      /** Service calls of runs now suspended until their answer. */
      calls: ServiceRequest[];
    };

/** What a script worker receives as `workerData`. */
export interface ScriptWorkerData {
  /** Int32Array[1] over this: 1 once an answer has been posted on `servicePort` (blocking calls). */
  serviceFlag: SharedArrayBuffer;
  /** Carries blocking `ServiceRequest`s out and `ServiceAnswer`s back. */
  servicePort: MessagePort;
  /** Int32Array of claim cells (see above). */
  claims: SharedArrayBuffer;
  /** Int32Array[2]: the run computing now, and the progress counter. */
  state: SharedArrayBuffer;
  /** Compiled modules the worker keeps for `import`. */
  moduleCacheSize?: number;
  /** The node this worker runs on (`ctx.node`). */
  node?: ScriptNode;
}

/** Index of the computing run's id in the state pair. */
export const STATE_CURRENT = 0;
/** Index of the progress counter in the state pair. */
export const STATE_PROGRESS = 1;

/** One service call of the run `run` (the pool's task id). */
export interface ServiceRequest {
  /** Unique per worker; the answer carries it back. */
  id: number;
  /** The task id of the run making the call: the pool derives the app from it, never from the call. */
  run: number;
  call: ServiceCall;
}

/** The answer to a `ServiceRequest`. */
export interface ServiceAnswer {
  id: number;
  /** The run that made the call. */
  run: number;
  outcome: ServiceOutcome;
}
