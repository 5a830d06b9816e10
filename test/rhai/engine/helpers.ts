/** Shared helpers for the engine tests. */
import { Engine, type EngineOptions, RhaiError } from '../../../server/rhai/index.js';

/** Evaluate a script with a fresh engine (JS result). */
export function run(src: string, options: EngineOptions = {}): unknown {
  return new Engine(options).eval(src);
}

/** Evaluate and capture printed lines. */
export function runPrint(src: string, options: EngineOptions = {}): { value: unknown; out: string[] } {
  const out: string[] = [];
  const value = new Engine({ ...options, onPrint: (s) => out.push(s) }).eval(src);
  return { value, out };
}

/** The RhaiError a script fails with (fails the test when it succeeds or throws anything else). */
export function fail(src: string, options: EngineOptions = {}): RhaiError {
  try {
    new Engine(options).eval(src);
  } catch (e) {
    if (e instanceof RhaiError) return e;
    throw new Error(`expected a RhaiError, got ${String(e)}`);
  }
  throw new Error(`expected ${JSON.stringify(src)} to fail`);
}
