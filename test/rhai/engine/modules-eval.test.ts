import { describe, expect, it } from 'vitest';
import { Engine, RhaiError } from '../../../server/rhai/index.js';
import { fail, run } from './helpers.js';

const MODULES: Record<string, string> = {
  util: `
    export const PI2 = 6.28;
    let hidden = 1;
    export let counter = 10;
    let x = 5;
    export x as answer, x as other;
    fn double(x) { x * 2 }
    fn calls_private() { secret() + 1 }
    private fn secret() { 41 }
    import "sub" as inner;
    { import "sub" as not_exported; }
  `,
  sub: 'fn hi() { "hi" } export const Z = 26;',
  bad: 'let x = ;',
  loop: 'import "loop" as l;',
  failing: 'throw "boom";',
};

function engine(): Engine {
  const e = new Engine();
  e.setModuleResolver({ resolve: (p) => MODULES[p] ?? null });
  e.registerModule('kv', {
    functions: [{ name: 'get', params: ['string'], fn: (_ctx, [k]) => `v:${String(k)}` }],
    constants: { VERSION: 3 },
    modules: { inner: { constants: { DEEP: true } } },
  });
  return e;
}

describe('modules', () => {
  it.each([
    ['kv::get("a") + kv::VERSION', 'v:a3'],
    ['kv::inner::DEEP', true],
    ['import "util" as u; u::double(21) + u::counter', 52],
    ['import "util" as u; [u::PI2, u::answer, u::other]', [6.28, 5, 5]],
    ['import "util" as u; u::calls_private()', 42],
    ['import "util" as u; u::inner::hi() + u::inner::Z', 'hi26'],
    ['import "util" as u; fn f() { u::double(2) } f()', 4],
    ['let p = "ut" + "il"; import p as u; u::counter', 10],
    ['import "util"; 1', 1],
    ['{ import "util" as u; } 1', 1],
  ])('%s', (src, expected) => {
    expect(engine().eval(src)).toEqual(expected);
  });

  it.each([
    ['import "util" as u; u::secret()', 'ErrorFunctionNotFound'],
    ['import "util" as u; u::hidden', 'ErrorVariableNotFound'],
    ['import "util" as u; u::not_exported::hi()', 'ErrorModuleNotFound'],
    ['import "nope" as n; 1', 'ErrorModuleNotFound'],
    ['{ import "util" as u; } u::counter', 'ErrorModuleNotFound'],
    ['import "bad" as b; 1', 'ErrorParsing'],
    ['import "loop" as l; 1', 'ErrorStackOverflow'],
    ['import "failing" as f; 1', 'ErrorInModule'],
    ['import 42 as x;', 'ErrorMismatchDataType'],
    ['nope::f()', 'ErrorModuleNotFound'],
  ])('%s fails with %s', (src, kind) => {
    let err: unknown;
    try {
      engine().eval(src);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RhaiError);
    expect((err as RhaiError).kind).toBe(kind);
  });

  it('module variables are read-only', () => {
    expect(() => engine().eval('import "util" as u; u::counter = 1;')).toThrow(RhaiError);
  });

  it('limits the number of modules', () => {
    const e = new Engine({ limits: { maxModules: 1 } });
    e.setModuleResolver({ resolve: (p) => MODULES[p] ?? null });
    expect(() => e.eval('import "util" as u; import "sub" as s;')).toThrow(/Too many modules/);
  });

  it('exports are rejected outside the global level', () => {
    expect(fail('{ let x = 1; export x; }').parseKind).toBe('WrongExport');
    expect(fail('fn f() { export let x = 1; }').parseKind).toBe('WrongExport');
  });
});

describe('eval', () => {
  it.each([
    ['eval("40 + 2")', 42],
    ['let x = 10; eval("x += 32"); x', 42],
    ['eval("let y = 7;"); y * 6', 42],
    ['eval("{ let zz = 1 }"); is_def_var("zz")', false],
    ['fn f() { let q = 5; eval("q * 2") } f()', 10],
    ['fn foo(x) { x + 12 } eval("foo(30)")', 42],
    ['let s = "let y = x;"; let x = 10; s += "y += 1;"; s += "x + y"; eval(s)', 21],
    ['fn eval(s) { "no: " + s } eval("1")', 'no: 1'],
  ])('%s', (src, expected) => {
    expect(run(src)).toEqual(expected);
  });

  it('cannot define functions or break constants', () => {
    expect(fail('eval("fn f() {}")').parseKind).toBe('WrongFnDefinition');
    expect(fail('const c = 1; eval("c = 2")').rootCause.kind).toBe('ErrorAssignmentToConstant');
  });

  it('can be disabled by the host', () => {
    expect(fail('eval("1")', { disableEval: true }).kind).toBe('ErrorFunctionNotFound');
  });

  it('recursive eval is stopped', () => {
    expect(fail('let s = "eval(s)"; eval(s)').rootCause.kind).toBe('ErrorStackOverflow');
  });
});
