// biome-ignore-all lint/suspicious/noTemplateCurlyInString: scripts are Rhai source, where ${...} is Rhai interpolation
/**
 * Deadlines are exact: a run ends within its deadline + 100 ms however expensive its operations
 * are. The deadline is checked every few thousand operations, so natives whose cost grows with
 * their input (string building, interpolation of large values, JSON, sort, pad, curry chains,
 * copies and comparisons of deep structures) count their work as operations as they go.
 *
 * The sizes are PiCloud's default limits (4 Mi characters, 1,000,000 array elements, 100,000
 * properties); the operation budget is unlimited so that only the deadline can stop the run.
 */
import { describe, expect, it } from 'vitest';
import { Engine, RhaiError } from '../../server/rhai/index.js';

const DEADLINE_MS = 1_000;
const SLACK_MS = 100;

const engine = new Engine({
  limits: { maxStringSize: 4 * 1024 * 1024, maxArraySize: 1_000_000, maxMapSize: 100_000 },
});

/** Runs `script` with a deadline of DEADLINE_MS from now: how long it took and how it ended. */
function timed(script: string): { ms: number; error: unknown } {
  const ast = engine.compile(script);
  const started = performance.now();
  try {
    engine.evalRaw(ast, undefined, { deadline: Date.now() + DEADLINE_MS });
    return { ms: performance.now() - started, error: undefined };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

const MILLION = 'let a = [0]; a.pad(999999, 0);';
const BIG_STRING = 'let s = ""; s.pad(4000000, "x");';
const BIG_MAP = 'let m = #{}; for i in 0..99999 { m[`k${i}`] = [i]; }';
const NESTED = 'let a = []; for i in 0..1000 { let b = []; b.pad(999, i); a.push(b); }';

describe('deadlines are exact (each run ends by its deadline + 100 ms)', () => {
  it.each([
    // The two reproducers, as reported (they ran 27.6 s against 20 s and 10 s against 5 s).
    [
      'interpolating a 1,000,000-element array 60 times',
      'let a=[0]; a.pad(1000000,0); let n=0; while n<60 { let t=`${a}`; n+=1; }',
    ],
    ['a chain of a million curries', 'let f = |x| x; for i in 0..1000000 { f=f.curry(i); }'],
    // One per kind of native whose work grows with its input.
    ['interpolating a big map', `${BIG_MAP} loop { let t = \`\${m}\`; }`],
    ['printing a big array', `${MILLION} loop { print(a); }`],
    ['string + array', `${MILLION} loop { let t = "" + a; }`],
    ['throwing a big array', `${MILLION} loop { try { throw a; } catch (e) { } }`],
    ['to_string', `${MILLION} loop { let t = a.to_string(); }`],
    ['to_json', `${BIG_MAP} loop { let t = m.to_json(); }`],
    ['parse_json', `${MILLION} let t = a.to_json(); loop { let b = parse_json(t); }`],
    [
      'sort',
      'let a = []; for i in 0..999999 { a.push((i * 7919) % 1000003); } loop { let b = a; b.sort(); }',
    ],
    ['array pad', 'loop { let a = []; a.pad(999999, 0); }'],
    ['string pad', 'loop { let s = ""; s.pad(4000000, "x"); }'],
    ['string replace', `${BIG_STRING} loop { let t = s; t.replace("x", "y"); }`],
    ['copying a big array (let b = a)', `${MILLION} loop { let b = a; b[0] = 1; }`],
    ['copying a big map', 'let m = #{}; for i in 0..99999 { m[`k${i}`] = i; } loop { let n = m; n.k1 = 2; }'],
    ['passing a big array to a function', `fn f(x) { x } ${MILLION} loop { let b = f(a); b[0] = 2; }`],
    ['comparing big arrays', `${MILLION} let b = a; b[999998] = 1; loop { let c = a == b; }`],
    ['comparing deep structures', `${NESTED} let d = a; d[999][998] = -1; loop { let c = a == d; }`],
    ['copying deep structures', `${NESTED} loop { let c = a; c[0][0] = 1; }`],
    ['concatenating arrays', 'let a = [0]; a.pad(499999, 0); loop { let b = a + a; }'],
    ['`in` over a big array', `${MILLION} loop { let c = 5 in a; }`],
    ['`+` of big maps', 'let m = #{}; for i in 0..49999 { m[`k${i}`] = i; } loop { let n = m + m; }'],
    [
      'building a map of arrays (the whole map is measured at each assignment)',
      'let m = #{}; for i in 0..99999 { m[`k${i}`] = [i]; }',
    ],
    // A retry absorbs a test machine starved of CPU at the wrong moment; an engine that misses the
    // deadline misses it by seconds, every time.
  ])('%s', { retry: 2 }, (_name, script) => {
    const { ms, error } = timed(script);
    expect(error, 'the run must be stopped').toBeInstanceOf(RhaiError);
    expect((error as RhaiError).rootCause.kind).toBe('ErrorTerminated');
    expect(ms).toBeLessThanOrEqual(DEADLINE_MS + SLACK_MS);
  });

  it('the work of those natives counts against the operation budget too', () => {
    const budgeted = new Engine({ limits: { maxOperations: 100_000, maxArraySize: 1_000_000 } });
    const run = (script: string) => {
      try {
        budgeted.evalRaw(script);
        return 'finished';
      } catch (e) {
        return (e as RhaiError).rootCause.kind;
      }
    };
    // A handful of statements, each doing a million elements' worth of work.
    expect(run(`${MILLION} for n in 0..20 { let t = \`\${a}\`; }`)).toBe('ErrorTooManyOperations');
    expect(run(`${MILLION} for n in 0..20 { let b = a; }`)).toBe('ErrorTooManyOperations');
    expect(run('let f = |x| x; for i in 0..100000 { f = f.curry(i); }')).toBe('ErrorTooManyOperations');
    // Small values cost what they did.
    expect(run('let a = [1, 2, 3]; for n in 0..1000 { let t = `${a}`; let b = a; let c = a == b; }')).toBe(
      'finished',
    );
  });
});
