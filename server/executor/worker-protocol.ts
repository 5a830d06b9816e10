/**
 * Messages between the executor's pool (main thread) and its script workers, declared once.
 */
import type { ExecutionJob, ExecutionReport } from '../contracts/executor.js';

/** Main thread → worker. */
export type ToWorker = { type: 'run'; id: number; job: ExecutionJob };

/** Worker → main thread. */
export type FromWorker = { type: 'ready' } | { type: 'done'; id: number; report: ExecutionReport };
