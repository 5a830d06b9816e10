/**
 * Runs that wait for the host. A host function that needs an answer from outside the engine (a
 * database, the network) returns a `Suspension`: the request to make, and how to turn the answer into
 * its result. Where the run can suspend, the engine hands the request to the host and returns; the
 * host resumes the run with the answer later (meanwhile it may run other scripts). Where it cannot
 * (inside a callback a native function is running, in `eval`, behind a function pointer), the engine
 * asks the host to wait for the answer in place (`RunOptions.block`). See docs/rhai-engine.md.
 */
import type { Value } from './runtime/value.js';

/** A host function's request to wait for an answer from outside the engine. */
export class Suspension {
  /**
   * @param request what the host must do (opaque to the engine)
   * @param resume turns the host's answer into the function's result (or throws its error)
   */
  constructor(
    readonly request: unknown,
    readonly resume: (answer: unknown) => Value,
  ) {}
}

/** One step of a run that may suspend: its value, or the request it waits on. */
export type RunStep = { done: true; value: Value } | { done: false; request: unknown };

/** A run started with `Engine.start`. */
export interface SuspendableRun {
  /** Runs until the run ends or suspends; `answer` answers the request of the previous step. */
  next(answer?: unknown): RunStep;
  /** Abandons a suspended run (its resources are released; it never resumes). */
  cancel(): void;
}
