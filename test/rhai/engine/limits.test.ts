import { describe, expect, it } from 'vitest';
import { Engine } from '../../../server/rhai/index.js';
import { fail, run } from './helpers.js';

describe('sandbox limits', () => {
  it('max operations stops loops and recursion', () => {
    expect(fail('loop {}', { limits: { maxOperations: 10_000 } }).kind).toBe('ErrorTooManyOperations');
    expect(fail('let i = 0; while true { i += 1 }', { limits: { maxOperations: 500 } }).kind).toBe(
      'ErrorTooManyOperations',
    );
    expect(fail('for i in 0..1000 { }', { limits: { maxOperations: 100 } }).kind).toBe(
      'ErrorTooManyOperations',
    );
    expect(
      fail('fn f(n) { if n > 0 { f(n - 1) + f(n - 1) } else { 0 } } f(20)', {
        limits: { maxOperations: 1000 },
      }).kind,
    ).toBe('ErrorTooManyOperations');
    expect(run('let s = 0; for i in 0..10 { s += i } s', { limits: { maxOperations: 1000 } })).toBe(45);
    expect(fail('[1, 2, 3].map(|x| { loop {} })', { limits: { maxOperations: 1000 } }).kind).toBe(
      'ErrorTooManyOperations',
    );
  });

  it('max call levels', () => {
    const src = 'fn f(n) { if n == 0 { 0 } else { 1 + f(n - 1) } } f(N)';
    expect(run(src.replace('N', '9'), { limits: { maxCallLevels: 10 } })).toBe(9);
    expect(fail(src.replace('N', '20'), { limits: { maxCallLevels: 10 } }).kind).toBe('ErrorStackOverflow');
    expect(fail('fn r() { r() } r()').kind).toBe('ErrorStackOverflow');
    expect(fail('let f = || 1; fn g(f) { f.call() + g(f) } g(f)').kind).toBe('ErrorStackOverflow');
  });

  it('deep recursion with unlimited levels is still a Rhai error', () => {
    expect(fail('fn r(n) { r(n + 1) + 1 } r(0)', { limits: { maxCallLevels: 0 } }).kind).toBe(
      'ErrorStackOverflow',
    );
  });

  it('expression depth is checked when parsing', () => {
    const nested = (n: number) => `${'('.repeat(n)}1${')'.repeat(n)}`;
    expect(run(nested(20))).toBe(1);
    const e = fail(nested(200));
    expect(e.kind).toBe('ErrorParsing');
    expect(e.parseKind).toBe('ExprTooDeep');
    expect(fail(`fn f() { ${nested(40)} }`).parseKind).toBe('ExprTooDeep');
    expect(run(`fn f() { ${nested(10)} } f()`)).toBe(1);
    expect(fail('let x = 1; '.concat('-'.repeat(500), 'x')).parseKind).toBe('ExprTooDeep');
  });

  it('pathological nesting never escapes as a JS RangeError', () => {
    const opts = { limits: { maxExprDepth: 0, maxFunctionExprDepth: 0 } };
    for (const src of [
      `${'('.repeat(200_000)}1${')'.repeat(200_000)}`,
      `${'['.repeat(200_000)}${']'.repeat(200_000)}`,
      `${'{'.repeat(100_000)}${'}'.repeat(100_000)}`,
      `${'-'.repeat(200_000)}1`,
      `let x = 0; ${'if true { '.repeat(50_000)}${'}'.repeat(50_000)}`,
    ]) {
      const e = fail(src, opts);
      expect(e.kind).toBe('ErrorParsing');
    }
  });

  it('data size limits', () => {
    expect(fail('let s = "x"; loop { s += s }', { limits: { maxStringSize: 1000 } }).kind).toBe(
      'ErrorDataTooLarge',
    );
    expect(fail('let s = "x"; loop { s = s + s }', { limits: { maxStringSize: 1000 } }).kind).toBe(
      'ErrorDataTooLarge',
    );
    expect(fail('let s = "ab"; `${s}${s}${s}`', { limits: { maxStringSize: 5 } }).kind).toBe(
      'ErrorDataTooLarge',
    );
    expect(fail('let a = []; loop { a += [1] }', { limits: { maxArraySize: 100 } }).kind).toBe(
      'ErrorDataTooLarge',
    );
    expect(fail('let a = []; loop { a += 1 }', { limits: { maxArraySize: 100 } }).kind).toBe(
      'ErrorDataTooLarge',
    );
    // A literal over the limit is refused when parsing (LiteralTooLarge), as in Rhai.
    expect(fail('[1, 2, 3]', { limits: { maxArraySize: 2 } }).parseKind).toBe('LiteralTooLarge');
    expect(fail('let a = [1, 2]; a + [3]', { limits: { maxArraySize: 2 } }).kind).toBe('ErrorDataTooLarge');
    expect(fail('let m = #{}; for i in 0..100 { m["k" + i] = i }', { limits: { maxMapSize: 10 } }).kind).toBe(
      'ErrorDataTooLarge',
    );
    expect(
      fail('let m = #{}; for i in 0..100 { m += #{ [`k${i}`]: 1 } }', { limits: { maxMapSize: 10 } }).kind,
    ).toBe('ErrorParsing');
    expect(run('let m = #{a: 1}; m.a = 2; m.a', { limits: { maxMapSize: 1 } })).toBe(2);
  });

  it('max variables and functions', () => {
    expect(fail('let a = 1; let b = 2; let c = 3;', { limits: { maxVariables: 2 } }).kind).toBe(
      'ErrorTooManyVariables',
    );
    expect(run('let a = 1; { let b = 2; } { let c = 3; } a', { limits: { maxVariables: 2 } })).toBe(1);
    expect(fail('fn a() {} fn b() {} fn c() {}', { limits: { maxFunctions: 2 } }).kind).toBe('ErrorParsing');
  });

  it('deadline and progress callbacks terminate runs', () => {
    const e = fail('loop {}', { deadline: Date.now() + 30 });
    expect(e.kind).toBe('ErrorTerminated');
    let seen = 0;
    const p = fail('loop {}', {
      onProgress: (ops) => {
        seen = ops;
        return ops > 50_000;
      },
    });
    expect(p.kind).toBe('ErrorTerminated');
    expect(seen).toBeGreaterThan(50_000);
    const engine = new Engine();
    expect(() => engine.eval('loop {}', undefined, { deadline: Date.now() + 20 })).toThrow(/terminated/);
  });

  it('limit errors cannot be caught by scripts', () => {
    expect(fail('try { loop {} } catch { 0 }', { limits: { maxOperations: 100 } }).kind).toBe(
      'ErrorTooManyOperations',
    );
    expect(
      fail('try { let s = "x"; loop { s += s } } catch { 0 }', { limits: { maxStringSize: 100 } }).kind,
    ).toBe('ErrorDataTooLarge');
  });
});

describe('hard ceilings when limits are unlimited', () => {
  it('an array doubling forever is ErrorDataTooLarge, not a V8 abort of the process', () => {
    expect(fail('let a = [1]; loop { a += a; }').kind).toBe('ErrorDataTooLarge');
  });

  it('appending one element with += stays linear (no scan of the whole array per append)', () => {
    expect(run('let a = []; for i in 0..200000 { a += 1; } a.len()')).toBe(200000);
  });

  it('size limits still apply to += of elements and of arrays', () => {
    const limits = { limits: { maxArraySize: 1000 } };
    expect(fail('let a = []; for i in 0..2000 { a += i; }', limits).kind).toBe('ErrorDataTooLarge');
    expect(fail('let a = []; for i in 0..2000 { a += [i]; }', limits).kind).toBe('ErrorDataTooLarge');
  });
});
