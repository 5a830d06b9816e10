/**
 * Messages between `picloud rhai repl` (main thread: the prompt, Ctrl+C, the local services) and the
 * worker thread that evaluates its inputs, declared once.
 */
import type { ExecutionLimits } from '../../contracts/executor.js';
import type { BridgeWorkerData } from '../../executor/service-bridge.js';

/** Main thread → worker. */
export type ToReplWorker =
  /** Evaluate one input; `deadline` (epoch ms) null when time is not limited. */
  | { type: 'evaluate'; id: number; text: string; deadline: number | null }
  | { type: 'reset'; id: number }
  | { type: 'functions'; id: number };

/** Worker → main thread. */
export type FromReplWorker =
  /** A line to show (a result, printed output, an error). */
  { type: 'output'; text: string } | { type: 'done'; id: number; functions?: string[] };

/** The worker's `workerData`: its service bridge, the interrupt flag and the limits of each input. */
export interface ReplWorkerData extends BridgeWorkerData {
  /** Int32Array[1]: 1 asks the input in progress to stop (Ctrl+C). */
  interruptFlag: SharedArrayBuffer;
  limits: ExecutionLimits;
}
