import { describe, expect, it } from 'vitest';
import { generate } from '../../../server/rhai/compiler/codegen.js';
import { Engine, RhaiError } from '../../../server/rhai/index.js';
import { parseScript } from '../../../server/rhai/parser/parser.js';
import { DEFAULT_LIMITS } from '../../../server/rhai/runtime/limits.js';
import { fail, run } from './helpers.js';

function generated(src: string): string {
  return generate(parseScript(src), { limits: DEFAULT_LIMITS, mode: 'script' }).source;
}

describe('no script text reaches the generated JavaScript', () => {
  const hostile = [
    '"); globalThis.pwned = 1; ("',
    "'); globalThis.pwned = 1; ('",
    '`; globalThis.pwned = 1; `',
    '*/ globalThis.pwned = 1; /*',
    '${globalThis.pwned = 1}',
    '\u2028globalThis.pwned = 1;\u2029',
    '</script><script>globalThis.pwned = 1</script>',
    '\\"); globalThis.pwned = 1; //',
  ];

  it.each(hostile)('string %j stays data', (payload) => {
    const lit = JSON.stringify(payload);
    const src = `let m = #{${lit}: ${lit}}; let s = ${lit}; m[${lit}] + s + \`${payload.replace(/`/g, '``').replace(/\$\{/g, '$ {')}\``;
    const js = generated(src);
    expect(js).not.toContain('pwned');
    const value = run(src) as string;
    expect(typeof value).toBe('string');
    expect((globalThis as Record<string, unknown>).pwned).toBeUndefined();
  });

  it('identifiers, property and function names are renamed or pooled', () => {
    const src = `
      fn zzq_function(zzq_param) { zzq_param.zzq_prop + zzq_local_fn_call_missing_ok() }
      fn zzq_local_fn_call_missing_ok() { 1 }
      let zzq_var = #{zzq_prop: 1, "zzq key": 2};
      const ZZQ_CONST = 3;
      let zzq_closure = |zzq_x| zzq_x + zzq_var.zzq_prop;
      import "zzq_module" as zzq_alias;
      zzq_function(zzq_var) + zzq_closure.call(1) + zzq_var["zzq key"] + global::ZZQ_CONST
    `;
    expect(generated(src).toLowerCase()).not.toContain('zzq');
  });

  it('a switch on strings uses pooled keys', () => {
    expect(generated('switch x { "a\\"b" => 1, "zzq" => 2 }')).not.toContain('zzq');
  });
});

describe('scripts cannot reach the host', () => {
  it.each([
    'constructor',
    '__proto__',
    'prototype',
    'globalThis',
    'process',
    'require',
    'Function',
    'eval_',
    'module',
  ])('variable %s is not defined', (name) => {
    if (name === 'module') {
      expect(fail(`${name}`).kind).toBe('ErrorParsing');
      return;
    }
    expect(fail(name).kind).toBe('ErrorVariableNotFound');
  });

  it.each([
    ['constructor()', 'ErrorFunctionNotFound'],
    ['process()', 'ErrorFunctionNotFound'],
    ['"abc".constructor', 'ErrorDotExpr'],
    ['[].constructor', 'ErrorDotExpr'],
    ['(1).constructor', 'ErrorDotExpr'],
    ['"abc".constructor("return process")', 'ErrorFunctionNotFound'],
    ['let f = Fn("constructor"); f.call()', 'ErrorFunctionNotFound'],
    ['let f = Fn("toString"); f.call()', 'ErrorFunctionNotFound'],
    ['"abc".__proto__', 'ErrorDotExpr'],
    ['"abc".valueOf()', 'ErrorFunctionNotFound'],
    ['let x = []; x.hasOwnProperty("length")', 'ErrorFunctionNotFound'],
    ['kv::get("x")', 'ErrorModuleNotFound'],
    ['constructor::call()', 'ErrorModuleNotFound'],
  ])('%s fails with %s', (src, kind) => {
    expect(fail(src).kind).toBe(kind);
  });

  it('map keys like __proto__ are ordinary keys', () => {
    expect(
      run('let m = #{}; m["__proto__"] = 1; m.constructor = 2; [m.__proto__, m["constructor"], m.len()]'),
    ).toEqual([1, 2, 2]);
    expect(run('let m = #{}; m.toString')).toBe(null);
    const obj = run('#{"__proto__": #{polluted: true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(obj)).toBe(null);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('nothing but RhaiError escapes eval', () => {
    const e = new Engine();
    e.registerFn('boom', [], () => {
      throw new TypeError('host bug');
    });
    e.registerFn('deep', [], () => {
      const f = (n: number): number => f(n + 1) + 1;
      return f(0);
    });
    for (const src of ['boom()', 'deep()', 'try { boom() } catch (e) { throw e }']) {
      expect(() => e.eval(src)).toThrow(RhaiError);
    }
    try {
      e.eval('deep()');
    } catch (err) {
      expect((err as RhaiError).kind).toBe('ErrorStackOverflow');
    }
  });
});
