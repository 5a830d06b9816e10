/**
 * Shared runner for the table-driven Rhai conformance suite.
 *
 * Every chapter file under `cases/` exports an array of {@link ConformanceCase}; the `*.test.ts`
 * wrappers hand that array to {@link defineCases}, which turns each row into one vitest test.
 * A case states what the book promises (value, type, printed output, error kind, position) and
 * the runner checks exactly those facts — nothing else — so a failure names one broken promise.
 */
import { describe, expect, it } from 'vitest';
import type { ErrorKind, ParseErrorKind } from '../../../server/rhai/errors.js';
import { Engine, RhaiError, Scope, toJs, typeOf } from '../../../server/rhai/index.js';

/** Options accepted by `new Engine(...)`, whatever the core names them. */
export type EngineOptions = NonNullable<ConstructorParameters<typeof Engine>[0]>;

/** One self-checking script. Only the fields that are present are checked. */
export interface ConformanceCase {
  /** Unique (per chapter) test name; says what the book promises. */
  readonly name: string;
  /** The Rhai source. */
  readonly script: string;
  /** Expected result after JS conversion (`toJs`): INT -> number|bigint, map -> object, () -> null. */
  readonly value?: unknown;
  /** Expected `type_of` of the raw result ("i64", "f64", "map", "()", "range=", ...). */
  readonly type?: string;
  /** Expected runtime error kind; `'any'` accepts any RhaiError (where Rhai versions disagree). */
  readonly error?: ErrorKind | 'any';
  /** For ErrorInFunctionCall / ErrorInModule: the kind of the error they wrap (innermost). */
  readonly cause?: ErrorKind;
  /** Expected parse error kind (the script must fail in `compile`). */
  readonly parseError?: ParseErrorKind;
  /** Expected `[line, column]` of the error (1-based). */
  readonly at?: readonly [number, number];
  /** For `throw`: the thrown value after JS conversion. */
  readonly thrown?: unknown;
  /** Expected `print`/`debug` output lines, in order (debug lines in debug format). */
  readonly output?: readonly string[];
  /** Engine options (limits, flags) for this case only. */
  readonly options?: EngineOptions;
  /** Host set-up: register functions or modules before compiling. */
  readonly setup?: (engine: Engine) => void;
  /** Script modules served by an in-memory module resolver, keyed by import path. */
  readonly modules?: Readonly<Record<string, string>>;
  /** Variables pushed into the scope (JS values, converted on push). */
  readonly scope?: Readonly<Record<string, unknown>>;
  /** Constants pushed into the scope. */
  readonly constants?: Readonly<Record<string, unknown>>;
  /** Instead of evaluating the script, call one of its functions through `Engine.callFn`. */
  readonly call?: { readonly fn: string; readonly args: readonly unknown[] };
}

/** Output captured from `print` and `debug` while a case runs. */
export interface CaseRun {
  readonly engine: Engine;
  readonly output: string[];
}

/** An in-memory module resolver over `sources` (path -> Rhai source). */
export function memoryResolver(sources: Readonly<Record<string, string>>): {
  resolve(path: string): string | undefined;
} {
  return {
    resolve(path: string): string | undefined {
      return Object.hasOwn(sources, path) ? sources[path] : undefined;
    },
  };
}

/** Build the engine a case runs on, with output capture and the case's host set-up applied. */
export function createCaseEngine(c: ConformanceCase): CaseRun {
  const output: string[] = [];
  const engine = new Engine(c.options);
  engine.onPrint((s) => output.push(s));
  engine.onDebug((s) => output.push(s));
  if (c.modules) engine.setModuleResolver(memoryResolver(c.modules));
  c.setup?.(engine);
  return { engine, output };
}

/** Run `fn` and return what it threw (fails the test when nothing was thrown). */
export function catchError(fn: () => unknown): unknown {
  try {
    const v = fn();
    expect.fail(`expected an error, got a result: ${describeValue(v)}`);
  } catch (e) {
    if (e instanceof Error && e.name === 'AssertionError') throw e;
    return e;
  }
  return undefined;
}

/** Render a value for assertion messages (bigints and typed arrays included). */
export function describeValue(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Render an error for assertion messages: kind, parse kind, position and message. */
export function describeError(e: unknown): string {
  if (e instanceof RhaiError) {
    const pos = e.position ? ` @${e.position.line}:${e.position.column}` : '';
    const pk = e.parseKind ? `/${e.parseKind}` : '';
    return `RhaiError ${e.kind}${pk}${pos}: ${e.message}`;
  }
  if (e instanceof Error) return `${e.name}: ${e.message}\n${e.stack ?? ''}`;
  return `non-error thrown: ${describeValue(e)}`;
}

function buildScope(c: ConformanceCase): Scope | undefined {
  if (!c.scope && !c.constants) return undefined;
  const scope = new Scope();
  for (const [k, v] of Object.entries(c.scope ?? {})) scope.push(k, v);
  for (const [k, v] of Object.entries(c.constants ?? {})) scope.pushConstant(k, v);
  return scope;
}

function checkError(c: ConformanceCase, e: unknown): void {
  expect(e instanceof RhaiError, describeError(e)).toBe(true);
  const err = e as RhaiError;
  if (c.parseError) {
    expect(err.kind, describeError(err)).toBe('ErrorParsing');
    expect(err.parseKind, describeError(err)).toBe(c.parseError);
  } else if (c.error && c.error !== 'any') {
    expect(err.kind, describeError(err)).toBe(c.error);
  }
  if (c.cause) expect(err.rootCause.kind, describeError(err)).toBe(c.cause);
  if (c.at) {
    expect(err.position, describeError(err)).not.toBeNull();
    expect([err.position?.line, err.position?.column], describeError(err)).toEqual([...c.at]);
  }
  if ('thrown' in c) expect(toJs(err.rootCause.value as never), describeError(err)).toEqual(c.thrown);
}

/** Run one case and check every promise it states. */
export function runCase(c: ConformanceCase): void {
  const { engine, output } = createCaseEngine(c);
  if (c.parseError) {
    checkError(
      c,
      catchError(() => engine.compile(c.script)),
    );
    return;
  }
  let ast: ReturnType<Engine['compile']>;
  try {
    ast = engine.compile(c.script);
  } catch (e) {
    if (c.error === 'ErrorParsing' || c.error === 'any') {
      checkError(c, e);
      if (c.output) expect(output).toEqual([...c.output]);
      return;
    }
    throw new Error(`unexpected compile failure: ${describeError(e)}`);
  }
  if (c.error || 'thrown' in c) {
    const e = catchError(() => {
      const scope = buildScope(c);
      return c.call ? engine.callFn(ast, c.call.fn, [...c.call.args], scope) : engine.evalRaw(ast, scope);
    });
    checkError(c, e);
    if (c.output) expect(output).toEqual([...c.output]);
    return;
  }
  let result: unknown;
  let raw: unknown;
  try {
    const scope = buildScope(c);
    if (c.call) {
      result = engine.callFn(ast, c.call.fn, [...c.call.args], scope);
    } else {
      raw = engine.evalRaw(ast, scope);
      result = toJs(raw as never);
    }
  } catch (e) {
    throw new Error(`unexpected failure: ${describeError(e)}`);
  }
  if (c.type !== undefined && !c.call) expect(typeOf(raw as never)).toBe(c.type);
  if ('value' in c) expect(result).toEqual(c.value);
  if (c.output) expect(output).toEqual([...c.output]);
}

/** Register one vitest test per case under `title`; case names must be unique. */
export function defineCases(title: string, cases: readonly ConformanceCase[]): void {
  describe(title, () => {
    const seen = new Set<string>();
    for (const c of cases) {
      if (seen.has(c.name)) throw new Error(`duplicate case name in ${title}: ${c.name}`);
      seen.add(c.name);
      it(c.name, () => runCase(c));
    }
  });
}
