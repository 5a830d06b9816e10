/**
 * Messages between the executor's pool (main thread) and its script workers, declared once. Two
 * channels per worker: the worker's own port carries jobs and reports; a dedicated port plus a shared
 * flag (see `service-bridge.ts`) carries the blocking service calls a script makes while it runs.
 */
import type { MessagePort } from 'node:worker_threads';
import type { ExecutionJob, ExecutionReport } from '../contracts/executor.js';
import type { ServiceCall, ServiceOutcome } from '../contracts/script-services.js';

/** Main thread → worker. */
export type ToWorker = {
  type: 'run';
  id: number;
  job: ExecutionJob;
  /** Epoch milliseconds: the run's deadline as the pool counts it (service calls wait at most until then). */
  deadline: number;
};

/** Worker → main thread. */
export type FromWorker = { type: 'ready' } | { type: 'done'; id: number; report: ExecutionReport };

/** What a script worker receives as `workerData`: its end of the service bridge. */
export interface ScriptWorkerData {
  /** Int32Array[1] over this: 1 once an answer has been posted on `servicePort`. */
  serviceFlag: SharedArrayBuffer;
  /** Carries `ServiceRequest`s out and `ServiceAnswer`s back. */
  servicePort: MessagePort;
}

/** Worker → main thread, on the service port: one call of the run `run` (the pool's task id). */
export interface ServiceRequest {
  /** Unique per worker; the answer carries it back. */
  id: number;
  /** The task id of the run making the call: the pool derives the app from it, never from the call. */
  run: number;
  call: ServiceCall;
}

/** Main thread → worker, on the service port. */
export interface ServiceAnswer {
  id: number;
  outcome: ServiceOutcome;
}
