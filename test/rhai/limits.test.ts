// biome-ignore-all lint/suspicious/noTemplateCurlyInString: scripts are Rhai source, where ${...} is Rhai interpolation
/**
 * Sandbox limits and escape attempts (book: safety/*.md).
 *
 * Every runaway script must stop with the documented Rhai error kind — never a JS `RangeError`,
 * never a hang — and no script may reach the host: `process`, `require`, prototypes and globals
 * stay out of reach and unchanged.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineOptions, ErrorKind, ParseErrorKind } from '../../server/rhai/index.js';
import { Engine, RhaiError, Scope, toJs, typeOf } from '../../server/rhai/index.js';
import { describeError } from './conformance/harness.js';

/** Run a script on a fresh engine and return what it threw (undefined when it succeeded). */
function failure(script: string, options?: EngineOptions, setup?: (e: Engine) => void): unknown {
  const engine = new Engine(options);
  setup?.(engine);
  try {
    engine.evalRaw(script);
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Expect the script to fail with exactly `kind` (a RhaiError, nothing else). */
function expectKind(
  script: string,
  kind: ErrorKind,
  options?: EngineOptions,
  setup?: (e: Engine) => void,
): RhaiError {
  const e = failure(script, options, setup);
  expect(e, 'expected an error').toBeDefined();
  expect(e instanceof RhaiError, describeError(e)).toBe(true);
  // A limit hit inside `eval` is reported as an error in the call to eval (as in Rhai): judge it
  // by the error it wraps.
  expect((e as RhaiError).rootCause.kind, describeError(e)).toBe(kind);
  return e as RhaiError;
}

/** Expect the script to fail with one of `kinds`. */
function expectOneOf(
  script: string,
  kinds: readonly ErrorKind[],
  options?: EngineOptions,
  setup?: (e: Engine) => void,
): void {
  const e = failure(script, options, setup);
  expect(e instanceof RhaiError, describeError(e)).toBe(true);
  expect(kinds, describeError(e)).toContain((e as RhaiError).kind);
}

/** Expect compilation to fail with the parse error `kind`. */
function expectParse(script: string, kind: ParseErrorKind, options?: EngineOptions): void {
  let e: unknown;
  try {
    new Engine(options).compile(script);
  } catch (err) {
    e = err;
  }
  expect(e instanceof RhaiError, describeError(e)).toBe(true);
  expect((e as RhaiError).kind, describeError(e)).toBe('ErrorParsing');
  expect((e as RhaiError).parseKind, describeError(e)).toBe(kind);
}

/** Expect any RhaiError (compile or run) — used where only "contained" matters. */
function expectRhaiFailure(script: string, options?: EngineOptions, setup?: (e: Engine) => void): RhaiError {
  const e = failure(script, options, setup);
  expect(e, `expected ${JSON.stringify(script)} to fail`).toBeDefined();
  expect(e instanceof RhaiError, describeError(e)).toBe(true);
  return e as RhaiError;
}

const OPS = { limits: { maxOperations: 20_000 } } satisfies EngineOptions;

describe('operations limit', () => {
  it.each([
    ['loop {}', 'loop { }'],
    ['while true', 'while true { }'],
    ['do-while true', 'do { } while true;'],
    ['huge range', 'let s = 0; for i in 0..1000000000 { s += 1; }'],
    ['infinite loop with work', 'let a = 0; loop { a += 1; a -= 1; }'],
    ['loop in a function', 'fn spin() { loop { } } spin();'],
    ['loop in a closure', 'let f = || { loop { } }; f.call();'],
    ['loop in a map callback', '[1, 2, 3].map(|x| { loop { } });'],
    ['callbacks are counted', 'let a = []; a.pad(100000, 1); a.map(|x| x + 1);'],
    [
      'sort comparator is counted',
      'let a = []; for i in 0..200 { a.push(200 - i); } loop { a.sort(|x, y| x - y); }',
    ],
    ['loop inside eval', 'eval("loop { }");'],
    ['loop inside string interpolation', '`${loop { }}`;'],
    ['recursion within the call limit, repeated', 'fn f(n) { if n > 0 { f(n - 1) } } loop { f(30); }'],
  ])('%s -> ErrorTooManyOperations', (_name, script) => {
    expectKind(script, 'ErrorTooManyOperations', OPS);
  });

  it('cannot be caught by try/catch', () => {
    expectKind('try { loop { } } catch { 1 }', 'ErrorTooManyOperations', OPS);
  });

  it('lets a script under the limit finish', () => {
    const engine = new Engine(OPS);
    expect(engine.eval('let s = 0; for i in 0..100 { s += i; } s')).toBe(4950);
  });

  it('resets between runs of the same engine and AST', () => {
    const engine = new Engine(OPS);
    expect(() => engine.evalRaw('loop { }')).toThrow(RhaiError);
    for (let i = 0; i < 3; i++) expect(engine.eval('1 + 1')).toBe(2);
    const ok = engine.compile('let s = 0; for i in 0..1000 { s += 1; } s');
    for (let i = 0; i < 5; i++) expect(engine.eval(ok)).toBe(1000);
  });
});

describe('call stack limit', () => {
  it('runaway recursion -> ErrorStackOverflow', () => {
    expectKind('fn f(n) { f(n + 1) } f(0)', 'ErrorStackOverflow');
  });

  it('book: recurse_forever -> ErrorStackOverflow', () => {
    expectKind('fn recurse_forever() { recurse_forever(); } recurse_forever();', 'ErrorStackOverflow');
  });

  it('mutual recursion -> ErrorStackOverflow', () => {
    expectKind('fn a(n) { b(n) } fn b(n) { a(n) } a(1)', 'ErrorStackOverflow');
  });

  it('recursion through function pointers -> ErrorStackOverflow', () => {
    expectKind('fn g(n) { Fn("g").call(n + 1) } g(0)', 'ErrorStackOverflow');
  });

  it('recursion through method calls -> ErrorStackOverflow', () => {
    expectKind('fn down() { this.down() } 1.down()', 'ErrorStackOverflow');
  });

  it('recursion through array callbacks -> ErrorStackOverflow', () => {
    expectKind('fn f(n) { [n].map(|x| f(x + 1)) } f(0)', 'ErrorStackOverflow');
  });

  it('recursion through eval -> a Rhai error', () => {
    expectOneOf('fn f() { eval("f()") } f()', ['ErrorStackOverflow', 'ErrorInFunctionCall']);
  });

  it('cannot be caught by try/catch', () => {
    expectKind('fn f() { f() } try { f() } catch { 0 }', 'ErrorStackOverflow');
  });

  it('respects a configured maxCallLevels', () => {
    const opts = { limits: { maxCallLevels: 10 } } satisfies EngineOptions;
    const engine = new Engine(opts);
    expect(engine.eval('fn d(n) { if n == 0 { 0 } else { 1 + d(n - 1) } } d(5)')).toBe(5);
    expectKind('fn d(n) { if n == 0 { 0 } else { 1 + d(n - 1) } } d(50)', 'ErrorStackOverflow', opts);
  });

  it('unlimited call levels still end in ErrorStackOverflow, never a JS RangeError', () => {
    expectKind('fn f(n) { f(n + 1) } f(0)', 'ErrorStackOverflow', { limits: { maxCallLevels: 0 } });
  });

  it('unlimited call levels with a deep expression per frame still end in a Rhai error', () => {
    expectRhaiFailure('fn f(n) { 1 + (1 + (1 + (1 + f(n + 1)))) } f(0)', { limits: { maxCallLevels: 0 } });
  });

  it('a deep but legal recursion works with default limits', () => {
    expect(new Engine().eval('fn d(n) { if n == 0 { 0 } else { 1 + d(n - 1) } } d(40)')).toBe(40);
  });
});

describe('data size limits', () => {
  const STR = { limits: { maxStringSize: 1000, maxOperations: 1_000_000 } } satisfies EngineOptions;
  const ARR = { limits: { maxArraySize: 1000, maxOperations: 1_000_000 } } satisfies EngineOptions;
  const MAP = { limits: { maxMapSize: 100, maxOperations: 1_000_000 } } satisfies EngineOptions;

  it.each([
    ['doubling a string', 'let s = "x"; loop { s += s; }'],
    ['appending to a string', 'let s = ""; loop { s += "abc"; }'],
    ['concatenation result', 'let s = "x"; for i in 0..11 { s = s + s; }'],
    ['padding a string', 'let s = "x"; s.pad(5000, \'y\');'],
    ['interpolation result', 'let s = "x"; for i in 0..11 { s = `${s}${s}`; }'],
    ['string in a map property', 'let m = #{s: "x"}; loop { m.s += m.s; }'],
    ['to_string of a big array', 'let a = []; a.pad(900, 123456); a.to_string();'],
  ])('string: %s -> ErrorDataTooLarge', (_name, script) => {
    expectKind(script, 'ErrorDataTooLarge', STR);
  });

  it.each([
    ['push in a loop', 'let a = []; loop { a.push(1); }'],
    ['padding an array', 'let a = []; a.pad(5000, 0);'],
    ['array concatenation result', 'let a = [1]; for i in 0..11 { a = a + a; }'],
    ['blob creation', 'blob(5000);'],
    ['blob growth', 'let b = blob(); loop { b.push(1); }'],
    ['nested array growth', 'let a = [[]]; loop { a[0].push(1); }'],
    ['map values from split', 'let s = ""; for i in 0..1200 { s += "a,"; } s.split(",");'],
  ])('array: %s -> ErrorDataTooLarge', (_name, script) => {
    expectKind(script, 'ErrorDataTooLarge', { limits: { ...ARR.limits, maxStringSize: 0 } });
  });

  it.each([
    ['adding properties', 'let m = #{}; for i in 0..1000 { m["k" + i] = i; }'],
    ['merging maps', 'let m = #{}; for i in 0..200 { let n = #{}; n["x" + i] = i; m = m + n; }'],
  ])('map: %s -> ErrorDataTooLarge', (_name, script) => {
    expectKind(script, 'ErrorDataTooLarge', MAP);
  });

  it('cannot be caught by try/catch', () => {
    expectKind('try { let s = "x"; loop { s += s; } } catch { 0 }', 'ErrorDataTooLarge', STR);
  });

  it('an over-long string literal is a parse error', () => {
    expectParse(`"${'x'.repeat(2000)}"`, 'LiteralTooLarge', STR);
  });

  it('values under the limits are fine', () => {
    const engine = new Engine({ limits: { maxStringSize: 1000, maxArraySize: 1000, maxMapSize: 100 } });
    expect(engine.eval('let s = ""; s.pad(1000, \'a\'); s.len()')).toBe(1000);
    expect(engine.eval('let a = []; a.pad(1000, 0); a.len()')).toBe(1000);
    expect(engine.eval('let m = #{}; for i in 0..100 { m["k" + i] = i; } m.len()')).toBe(100);
  });

  it('host-pushed values are not a way around the limits', () => {
    const engine = new Engine({ limits: { maxStringSize: 10 } });
    const scope = new Scope();
    scope.push('x', 'y'.repeat(8));
    let e: unknown;
    try {
      engine.evalRaw('x + x', scope);
    } catch (err) {
      e = err;
    }
    expect(e instanceof RhaiError, describeError(e)).toBe(true);
    expect((e as RhaiError).kind, describeError(e)).toBe('ErrorDataTooLarge');
  });
});

describe('termination: deadline and onProgress', () => {
  it('deadline stops an infinite loop with ErrorTerminated within a bound', () => {
    const start = Date.now();
    expectKind('loop { }', 'ErrorTerminated', { deadline: start + 100 });
    expect(Date.now() - start).toBeLessThan(2000);
  });

  it('deadline stops deep recursion loops', () => {
    const start = Date.now();
    expectKind('fn f(n) { if n > 0 { f(n - 1) } } loop { f(40); }', 'ErrorTerminated', {
      deadline: start + 100,
    });
    expect(Date.now() - start).toBeLessThan(2000);
  });

  it('deadline stops a callback-heavy script', () => {
    const start = Date.now();
    expectKind('let a = []; a.pad(1000, 1); loop { a.map(|x| x * 2); }', 'ErrorTerminated', {
      deadline: start + 100,
    });
    expect(Date.now() - start).toBeLessThan(2000);
  });

  it('a deadline in the past terminates at once', () => {
    const start = Date.now();
    expectKind('loop { }', 'ErrorTerminated', { deadline: start - 1 });
    expect(Date.now() - start).toBeLessThan(1000);
  });

  it('termination cannot be caught', () => {
    expectKind('try { loop { } } catch { 0 }', 'ErrorTerminated', { deadline: Date.now() + 50 });
  });

  it('onProgress returning true cancels with ErrorTerminated', () => {
    const seen: number[] = [];
    expectKind('loop { }', 'ErrorTerminated', {
      onProgress: (ops) => {
        seen.push(ops);
        return seen.length >= 3;
      },
    });
    expect(seen.length).toBe(3);
    expect(seen[1]).toBeGreaterThan(seen[0]);
    expect(seen[2]).toBeGreaterThan(seen[1]);
  });

  it('onProgress returning nothing lets the script finish', () => {
    let calls = 0;
    const engine = new Engine({
      onProgress: () => {
        calls++;
        return undefined;
      },
    });
    expect(engine.eval('let s = 0; for i in 0..100000 { s += 1; } s')).toBe(100000);
    expect(calls).toBeGreaterThan(0);
  });

  it('a long-running native call is bounded by the deadline', () => {
    const start = Date.now();
    const e = failure('let s = ""; s.pad(20000000, "a"); s.len()', { deadline: start + 200 });
    if (e !== undefined) expect((e as RhaiError).kind, describeError(e)).toBe('ErrorTerminated');
    expect(Date.now() - start).toBeLessThan(3000);
  });

  it('a script that finishes before the deadline is unaffected', () => {
    expect(new Engine({ deadline: Date.now() + 10_000 }).eval('40 + 2')).toBe(42);
  });
});

describe('parse depth limits', () => {
  const nest = (open: string, inner: string, close: string, n: number): string =>
    open.repeat(n) + inner + close.repeat(n);

  it.each([
    ['parentheses', nest('(', '1', ')', 200)],
    ['arrays', nest('[', '1', ']', 200)],
    ['maps', nest('#{a: ', '1', '}', 200)],
    ['blocks', nest('{ ', '1', ' }', 200)],
    ['unary minus', `${'-('.repeat(200)}1${')'.repeat(200)}`],
    ['not', `${'!('.repeat(200)}true${')'.repeat(200)}`],
    ['if-else', nest('if true { ', '1', ' } else { 0 }', 200)],
    ['function calls', nest('abs(', '1', ')', 200)],
    ['arrays after a statement', `let a = 1; ${nest('[', 'a', ']', 200)}`],
  ])('deep %s -> ExprTooDeep', (_name, script) => {
    expectParse(script, 'ExprTooDeep');
  });

  it('function bodies have a stricter limit', () => {
    expect(new Engine().eval(nest('(', '1', ')', 20))).toBe(1);
    expect(() => new Engine().compile(nest('(', '1', ')', 30))).not.toThrow();
    expectParse(`fn f() { ${nest('(', '1', ')', 40)} }`, 'ExprTooDeep');
  });

  it('configured maxExprDepth is honoured', () => {
    expectParse(nest('(', '1', ')', 40), 'ExprTooDeep', { limits: { maxExprDepth: 20 } });
    expect(new Engine({ limits: { maxExprDepth: 20 } }).eval(nest('(', '1', ')', 2))).toBe(1);
  });

  it('extreme nesting never escapes as a JS RangeError, even when unlimited', () => {
    const bombs = [
      nest('(', '1', ')', 100_000),
      nest('[', '1', ']', 100_000),
      nest('{ ', '1', ' }', 100_000),
      `${'|| '.repeat(100_000)}1`,
      `fn f() { ${nest('if true { ', '1', ' }', 50_000)} }`,
    ];
    for (const script of bombs) {
      for (const options of [undefined, { limits: { maxExprDepth: 0, maxFunctionExprDepth: 0 } }] as const) {
        const e = failure(script, options);
        expect(e instanceof RhaiError, `${script.slice(0, 30)}...: ${describeError(e)}`).toBe(true);
      }
    }
  });

  it('a very long flat operator chain evaluates or fails cleanly', () => {
    const chain = Array.from({ length: 50_000 }, () => '1').join(' + ');
    const e = failure(chain);
    if (e !== undefined) expect(e instanceof RhaiError, describeError(e)).toBe(true);
    else expect(new Engine().eval(chain)).toBe(50_000);
  });

  it('a very long statement list is fine', () => {
    const script = `let x = 0;\n${'x += 1;\n'.repeat(20_000)}x`;
    expect(new Engine().eval(script)).toBe(20_000);
  });
});

describe('variables, functions and modules limits', () => {
  const lets = (n: number): string => Array.from({ length: n }, (_, i) => `let v${i} = ${i};`).join(' ');

  it('too many variables -> ErrorTooManyVariables', () => {
    expectKind(lets(30), 'ErrorTooManyVariables', { limits: { maxVariables: 10 } });
  });

  it('variables in a block are released at the end of the block', () => {
    const script = `for i in 0..100 { ${lets(5)} } 1`;
    expect(new Engine({ limits: { maxVariables: 10 } }).eval(script)).toBe(1);
  });

  it('under the variable limit is fine', () => {
    expect(new Engine({ limits: { maxVariables: 10 } }).eval(`${lets(5)} v4`)).toBe(4);
  });

  it('too many functions is a parse error', () => {
    const fns = Array.from({ length: 8 }, (_, i) => `fn f${i}() { ${i} }`).join('\n');
    const e = failure(fns, { limits: { maxFunctions: 5 } });
    expect(e instanceof RhaiError, describeError(e)).toBe(true);
    expect((e as RhaiError).kind, describeError(e)).toBe('ErrorParsing');
  });

  it('too many modules -> ErrorTooManyModules', () => {
    const modules: Record<string, string> = {
      a: 'export const x = 1;',
      b: 'export const x = 2;',
      c: 'export const x = 3;',
    };
    expectKind(
      'import "a" as a; import "b" as b; import "c" as c; a::x + b::x + c::x',
      'ErrorTooManyModules',
      { limits: { maxModules: 2 } },
      (e) => e.setModuleResolver({ resolve: (p) => modules[p] ?? null }),
    );
  });

  it('self-import with a module limit stops with a Rhai error', () => {
    expectOneOf(
      'import "self" as me; 1',
      ['ErrorTooManyModules', 'ErrorInModule'],
      { limits: { maxModules: 5 } },
      (e) => e.setModuleResolver({ resolve: () => 'import "self" as again; 1' }),
    );
  });

  it('book: import cycles without a module limit end in a Rhai error, not a crash', () => {
    const sources: Record<string, string> = {
      hello: 'import "world" as w; 1',
      world: 'import "hello" as h; 2',
    };
    expectRhaiFailure('import "hello" as h; 0', { limits: { maxModules: 0 } }, (e) =>
      e.setModuleResolver({ resolve: (p) => sources[p] ?? null }),
    );
  });
});

describe('sandbox escape attempts', () => {
  const PROTO_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();
  const ARRAY_PROTO_KEYS = Object.getOwnPropertyNames(Array.prototype).sort();
  const FN_PROTO_KEYS = Object.getOwnPropertyNames(Function.prototype).sort();
  const STRING_PROTO_KEYS = Object.getOwnPropertyNames(String.prototype).sort();
  let globalKeys: string[] = [];
  let exitCode: typeof process.exitCode;
  const sentinel = Symbol.for('picloud.rhai.sandbox.sentinel');

  beforeEach(() => {
    globalKeys = Object.getOwnPropertyNames(globalThis).sort();
    exitCode = process.exitCode;
    Object.defineProperty(globalThis, sentinel, {
      value: Object.freeze({ untouched: true }),
      configurable: true,
    });
  });

  afterEach(() => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTO_KEYS);
    expect(Object.getOwnPropertyNames(Array.prototype).sort()).toEqual(ARRAY_PROTO_KEYS);
    expect(Object.getOwnPropertyNames(Function.prototype).sort()).toEqual(FN_PROTO_KEYS);
    expect(Object.getOwnPropertyNames(String.prototype).sort()).toEqual(STRING_PROTO_KEYS);
    expect(Object.getOwnPropertyNames(globalThis).sort()).toEqual(globalKeys);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((globalThis as Record<symbol, unknown>)[sentinel]).toEqual({ untouched: true });
    expect(process.exitCode).toBe(exitCode);
    delete (globalThis as Record<symbol, unknown>)[sentinel];
  });

  it.each([
    ['this.constructor at global level', 'this.constructor'],
    ['constructor of a number', 'let x = 1; x.constructor'],
    ['constructor call on a string', '"abc".constructor("return process")'],
    ['__proto__ of a number', 'let x = 1; x.__proto__'],
    ['__proto__ of an array', '[].__proto__'],
    ['toString method', '1.toString()'],
    ['valueOf method', '"x".valueOf()'],
    ['Fn("constructor")', 'Fn("constructor").call()'],
    ['Fn("toString")', 'Fn("toString").call()'],
    ['Fn("__proto__")', 'Fn("__proto__").call()'],
    ['Fn("eval") with code', 'Fn("eval").call("process")'],
    ['process', 'process'],
    ['process.exit', 'process.exit(1)'],
    ['require', 'require("fs")'],
    ['require as a variable', 'require'],
    ['globalThis', 'globalThis'],
    ['globalThis.process', 'globalThis.process'],
    ['window', 'window'],
    ['module', 'module'],
    ['Function constructor', 'Function("return process")()'],
    ['setTimeout', 'setTimeout(|| 1, 0)'],
    ['import of a node module without a resolver', 'import "fs" as fs; fs::readFileSync("/etc/passwd")'],
    ['import of node:child_process', 'import "node:child_process" as cp; cp::execSync("id")'],
    ['Object namespace', 'Object::keys(#{})'],
    ['interpolating process', '`${process}`'],
    ['process via a map property chain', 'let m = #{}; m.constructor.constructor("return process")()'],
  ])('%s is contained', (_name, script) => {
    const engine = new Engine();
    let result: unknown;
    try {
      result = engine.evalRaw(script);
    } catch (e) {
      expect(e instanceof RhaiError, describeError(e)).toBe(true);
      return;
    }
    // A probe that "succeeds" may only yield plain Rhai data (unit for a missing property).
    expect(typeof result).not.toBe('function');
    expect(typeOf(result as never)).toBe('()');
  });

  it('eval("...") is refused when the host disables it', () => {
    const out: string[] = [];
    const engine = new Engine({ disableEval: true });
    engine.onPrint((s) => out.push(s));
    expect(() => engine.evalRaw('eval("print(1)")')).toThrow(RhaiError);
    expect(out).toEqual([]);
  });

  it('#{"__proto__": 1} stays a plain key', () => {
    const engine = new Engine();
    expect(engine.eval('let m = #{"__proto__": 1}; [m.keys(), type_of(m.__proto__), m.len()]')).toEqual([
      ['__proto__'],
      'i64',
      1,
    ]);
    const obj = engine.eval('#{"__proto__": #{polluted: true}, a: 1}') as Record<string, unknown>;
    expect(Object.hasOwn(obj, '__proto__')).toBe(true);
    expect((obj as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(obj)).toBeNull();
  });

  it('assigning through __proto__ keys does not pollute prototypes', () => {
    const engine = new Engine();
    const r = engine.eval(
      'let m = #{}; m["__proto__"] = #{polluted: true}; m.__proto__.polluted = true; m.keys()',
    );
    expect(r).toEqual(['__proto__']);
  });

  it('constructor/prototype keys on maps are plain data', () => {
    const engine = new Engine();
    expect(
      engine.eval(
        'let m = #{}; m.constructor = 1; m.prototype = 2; m.hasOwnProperty = 3; [m.constructor, m.prototype, m.len()]',
      ),
    ).toEqual([1, 2, 3]);
  });

  it('host objects returned into the script cannot be inspected', () => {
    let touched = false;
    const engine = new Engine();
    engine.registerFn('host_obj', [], () => ({ secret: () => (touched = true) }) as never);
    let r: unknown;
    try {
      r = engine.evalRaw('let o = host_obj(); o.secret()');
    } catch (e) {
      expect(e instanceof RhaiError, describeError(e)).toBe(true);
    }
    expect(typeof r).not.toBe('function');
    expect(touched).toBe(false);
  });

  it('converted results carry no functions or prototypes', () => {
    const engine = new Engine();
    const r = engine.eval('#{f: |x| x, a: [#{}]}') as Record<string, unknown>;
    expect(typeof r.f).toBe('string');
    expect(Object.getPrototypeOf(r)).toBeNull();
    expect(toJs(engine.evalRaw('()'))).toBeNull();
  });
});

/**
 * Growth through nesting and self-reference: Rhai counts nested elements and properties towards
 * the size limits, so a script cannot blow memory up exponentially by copying containers into
 * themselves. Iterations are bounded (a correct engine stops after about ten) so that an engine
 * missing the check fails these tests instead of exhausting the heap and killing the worker.
 */
describe('data size limits: nested and self-referential growth', () => {
  const LIMITS = {
    limits: { maxArraySize: 1000, maxMapSize: 1000, maxOperations: 1_000_000 },
  } satisfies EngineOptions;

  it.each([
    ['map += map holding itself', 'let m = #{a: 1}; for i in 0..20 { let n = #{}; n["k" + i] = m; m += n; }'],
    ['map property set to itself', 'let m = #{}; for i in 0..2000 { m.x = m; }'],
    ['map tree doubling', 'let m = #{a: 1}; for i in 0..20 { m = #{l: m, r: m}; }'],
    ['array tree doubling', 'let a = [1]; for i in 0..20 { a = [a, a]; }'],
    ['array pushed into itself', 'let a = [1]; for i in 0..20 { a.push(a); }'],
    ['array inserted into itself', 'let a = [1]; for i in 0..20 { a.insert(0, a); }'],
  ])('%s -> ErrorDataTooLarge', (_name, script) => {
    expectKind(script, 'ErrorDataTooLarge', LIMITS);
  });
});

/**
 * Scripts that used to abort the whole process (V8 fatal errors cannot be caught). Kept last: while
 * one of these fails it kills the test worker, and tests after it would not be reported.
 */
describe('host-crash regressions', () => {
  it('a += a doubles the array once, even without limits', () => {
    expect(new Engine().eval('let a = [1, 2]; a += a; a')).toEqual([1, 2, 1, 2]);
  });

  it('array += itself in a loop -> ErrorDataTooLarge', () => {
    expectKind('let a = [1]; for i in 0..22 { a += a; }', 'ErrorDataTooLarge', {
      limits: { maxArraySize: 1000 },
    });
  });

  it('a huge array pad fails with a Rhai error even when array size is unlimited', () => {
    expectKind('[].pad(10000000000, 0)', 'ErrorDataTooLarge');
  });

  it('a huge string pad fails with a Rhai error even when string size is unlimited', () => {
    expectKind('let s = "x"; s.pad(10000000000, "a");', 'ErrorDataTooLarge');
  });
});
