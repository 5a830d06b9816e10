// biome-ignore-all lint/suspicious/noTemplateCurlyInString: generated scripts are Rhai source, where ${...} is Rhai interpolation
/**
 * Deterministic fuzzing of the Rhai engine.
 *
 * Three seeded generators — random token soups, grammar-based random programs, and mutations of the
 * conformance scripts — feed thousands of scripts to engines under tight limits. Whatever a script
 * does, the engine must (1) only ever throw `RhaiError`, (2) return control quickly, and (3) leave
 * JS globals and prototypes untouched. Failures print the seed and the script so they can be
 * replayed: `RHAI_FUZZ_SEED=<seed> npx vitest run test/rhai/fuzz.test.ts`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, RhaiError } from '../../server/rhai/index.js';
import { allConformanceCases } from './conformance/cases/index.js';
import { describeError } from './conformance/harness.js';

/** Base seed; override with RHAI_FUZZ_SEED to replay or explore. */
const SEED = Number.parseInt(process.env.RHAI_FUZZ_SEED ?? '20240611', 10) >>> 0;
/** Scripts per generator. */
const COUNT = Number.parseInt(process.env.RHAI_FUZZ_COUNT ?? '1500', 10);
/** Wall-clock budget per script, enforced through onProgress; the check below allows slack. */
const RUN_BUDGET_MS = 200;
const RUN_MAX_MS = 2_000;

/** Small, fast, seedable PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random choices drawn from one PRNG stream. */
class Dice {
  constructor(readonly next: () => number) {}
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

// biome-ignore format: a compact table reads better than one entry per line
const SOUP_TOKENS: readonly string[] = [
  'let', 'const', 'fn', 'private', 'if', 'else', 'while', 'loop', 'for', 'in', '!in', 'do', 'until', 'break',
  'continue', 'return', 'throw', 'try', 'catch', 'switch', 'import', 'export', 'as', 'this', 'true', 'false',
  'Fn', 'call', 'curry', 'eval', 'print', 'debug', 'type_of', 'global', 'is_def_var', 'is_shared', '(', ')',
  '{', '}', '[', ']', '#{', ',', ';', ':', '::', '.', '?.', '?[', '??', '=>', '_', '|', '||', '&&', '&', '^',
  '!', '!=', '==', '=', '+=', '-=', '*=', '/=', '%=', '**', '**=', '<<', '>>', '<<=', '<', '>', '<=', '>=',
  '..', '..=', '+', '-', '*', '/', '%', '@', '$', '#', '\\', '++', '--', '->', '0', '1', '-1', '42',
  '9223372036854775807', '-9223372036854775808', '9223372036854775808', '0x7f', '0xFFFF_FFFF_FFFF_FFFF',
  '0b1', '0o7', '1.5', '1e308', '-0.0', '1_000', '"str"', '"esc\\n\\u0041\\x7f"', "'c'", "'\\u{1}'",
  '`tpl ${1 + 1}`', '`', '`${', '"unterminated', "'", '/* c */', '/* open', '// c\n', 'x', 'y', 'a', 'b',
  's', 'm', 'arr', '__proto__', 'constructor', 'prototype', 'process', 'require', 'globalThis', 'len',
  'push', 'map', 'filter', 'reduce', 'to_string', 'blob', 'timestamp', 'range', '\n', ' ', '\t', '😀', 'é',
  '\u0000', '\u2028', '|x|', '|a, b|', '||', 'x.len()', 'm.a', 'arr[0]',
];

const IDENTS = ['a', 'b', 'c', 'x', 'y', 'n', 's', 'm', 'arr', 'f'];
// biome-ignore format: a compact table reads better than one entry per line
const FUNCS: readonly [string, number][] = [
  ['len', 1], ['to_string', 1], ['to_upper', 1], ['type_of', 1], ['abs', 1], ['sqrt', 1], ['floor', 1],
  ['to_int', 1], ['to_float', 1], ['parse_int', 1], ['keys', 1], ['values', 1], ['reverse', 1], ['pop', 1],
  ['sort', 1], ['trim', 1], ['sub_string', 3], ['split', 2], ['contains', 2], ['push', 2], ['index_of', 2],
  ['pad', 3], ['extract', 3], ['replace', 3], ['get_bit', 2], ['blob', 2], ['range', 2], ['min', 2],
  ['max', 2], ['sign', 1], ['is_def_var', 1], ['to_json', 1], ['split', 1], ['chars', 1], ['bits', 1],
  ['remove', 2],
];
const BIN_OPS = [
  '+',
  '-',
  '*',
  '/',
  '%',
  '**',
  '<<',
  '>>',
  '&',
  '|',
  '^',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '&&',
  '||',
  '??',
  'in',
  '..',
  '..=',
];
const ASSIGN_OPS = ['=', '+=', '-=', '*=', '/=', '%=', '**=', '<<=', '>>=', '&=', '|=', '^='];

/** Grammar-based random Rhai programs: mostly well-formed, deliberately edgy values. */
class ProgramGen {
  /** Names visible where code is being generated (functions only see their parameters). */
  private names: readonly string[] = IDENTS;

  constructor(private readonly d: Dice) {}

  private name(): string {
    if (this.names.length === 0) return '0';
    // Now and then refer to something undefined on purpose.
    return this.d.chance(0.002) ? 'undefined_name' : this.d.pick(this.names);
  }

  private literal(depth: number): string {
    const d = this.d;
    switch (d.int(12)) {
      case 0:
        return d.pick([
          '0',
          '1',
          '-1',
          '7',
          '255',
          '9223372036854775807',
          '-9223372036854775808',
          '4611686018427387904',
          '9007199254740993',
        ]);
      case 1:
        return d.pick(['0.5', '-2.25', '1e300', '1.0', '0.1', '3.0e-7']);
      case 2:
        return d.pick(['"hello"', '""', '"a,b,,c"', '"😀é"', '"__proto__"', '"constructor"', '"\\t\\n"']);
      case 3:
        return d.pick(["'a'", "'😀'", "'\\n'"]);
      case 4:
        return d.pick(['true', 'false', '()']);
      case 5:
        return depth > 0 ? `[${this.list(depth - 1, 4)}]` : '[]';
      case 6:
        return depth > 0 ? `#{${this.props(depth - 1)}}` : '#{}';
      case 7:
        return depth > 0 ? `\`t\${${this.expr(depth - 1)}}t\`` : '`t`';
      case 8:
        return d.pick(['blob(3, 0x41)', 'timestamp()', '1..5', '0..=3', 'Fn("len")']);
      case 9:
        return `${d.int(20)}..${d.int(20)}`;
      default:
        return String(d.int(1000) - 500);
    }
  }

  private list(depth: number, max: number): string {
    return Array.from({ length: this.d.int(max + 1) }, () => this.expr(depth)).join(', ');
  }

  private props(depth: number): string {
    const keys = ['a', 'b', 'len', '"__proto__"', '"x y"', 'constructor'];
    const used = new Set<string>();
    const out: string[] = [];
    for (let i = this.d.int(4); i > 0; i--) {
      const k = this.d.pick(keys);
      if (used.has(k)) continue;
      used.add(k);
      out.push(`${k}: ${this.expr(depth)}`);
    }
    return out.join(', ');
  }

  expr(depth: number): string {
    const d = this.d;
    if (depth <= 0) return d.chance(0.5) ? this.literal(0) : this.name();
    switch (d.int(16)) {
      case 0:
      case 1:
        return `${this.expr(depth - 1)} ${d.pick(BIN_OPS)} ${this.expr(depth - 1)}`;
      case 2:
        return `${d.pick(['-', '!', '+'])}${this.expr(depth - 1)}`;
      case 3: {
        const [name, arity] = d.pick(FUNCS);
        return `${name}(${Array.from({ length: arity }, () => this.expr(depth - 1)).join(', ')})`;
      }
      case 4: {
        const [name, arity] = d.pick(FUNCS);
        const args = Array.from({ length: Math.max(0, arity - 1) }, () => this.expr(depth - 1)).join(', ');
        return `${this.expr(depth - 1)}.${name}(${args})`;
      }
      case 5:
        return `${this.name()}[${this.expr(depth - 1)}]`;
      case 6:
        return `${this.name()}${d.pick(['.', '?.'])}${d.pick(['a', 'b', 'len', '__proto__', 'constructor'])}`;
      case 7:
        return `if ${this.expr(depth - 1)} { ${this.expr(depth - 1)} } else { ${this.expr(depth - 1)} }`;
      case 8:
        return `switch ${this.expr(depth - 1)} { 0 => ${this.expr(depth - 1)}, 1 | 2 => ${this.expr(depth - 1)}, 3..9 => 9, _ => ${this.expr(depth - 1)} }`;
      case 9:
        return `|${d.pick(['', 'v', 'v, i'])}| ${this.expr(depth - 1)}`;
      case 10:
        return `(${this.expr(depth - 1)})`;
      case 11:
        return `${d.chance(0.8) ? 'f' : this.name()}.call(${this.list(depth - 1, 2)})`;
      case 12:
        return `[${this.list(depth - 1, 3)}].${d.pick(['map', 'filter', 'reduce', 'some', 'all'])}(|v| ${this.expr(depth - 1)})`;
      case 13:
        return `f${d.int(3)}(${this.list(depth - 1, 2)})`;
      default:
        return this.literal(depth);
    }
  }

  stmt(depth: number, inFn: boolean): string {
    const d = this.d;
    const v = this.name();
    const e = (): string => this.expr(Math.max(0, depth - 1));
    const block = (): string => `{ ${this.stmts(depth - 1, inFn, 3)} }`;
    if (depth <= 0) return `let ${v} = ${e()};`;
    switch (d.int(14)) {
      case 0:
      case 1:
        return `let ${v} = ${e()};`;
      case 2:
        return `${v} ${d.pick(ASSIGN_OPS)} ${e()};`;
      case 3:
        return `${v}[${e()}] = ${e()};`;
      case 4:
        return `${v}.${d.pick(['a', 'b', '__proto__'])} = ${e()};`;
      case 5:
        return `if ${e()} ${block()} else ${block()}`;
      case 6:
        return `for ${d.pick(['i', '(x, i)'])} in ${d.pick(['0..3', '[1, 2]', '"ab"', e()])} ${block()}`;
      case 7:
        return `let k${depth} = 0; while k${depth} < ${d.int(5)} { k${depth} += 1; ${this.stmts(depth - 1, inFn, 2)} }`;
      case 8:
        return `loop { ${this.stmts(depth - 1, inFn, 2)} break; }`;
      case 9:
        return `try ${block()} catch (err) ${block()}`;
      case 10:
        return d.chance(0.5) ? `print(${e()});` : `debug(${e()});`;
      case 11:
        return inFn && d.chance(0.5) ? `return ${e()};` : `throw ${e()};`;
      case 12:
        return `${e()};`;
      default:
        return block();
    }
  }

  private stmts(depth: number, inFn: boolean, max: number): string {
    return Array.from({ length: 1 + this.d.int(max) }, () => this.stmt(depth, inFn)).join(' ');
  }

  program(): string {
    const fns = Array.from({ length: this.d.int(3) }, (_, i) => {
      const params = ['', 'a', 'a, b'][this.d.int(3)];
      this.names = params === '' ? ['loc'] : [...params.split(', '), 'loc'];
      const body = `let loc = ${this.literal(1)}; ${this.stmts(2, true, 3)} ${this.expr(2)}`;
      this.names = IDENTS;
      return `fn f${i}(${params}) { ${body} }`;
    });
    this.names = [];
    const pre = IDENTS.filter((n) => n !== 'f').map((n) => `let ${n} = ${this.literal(1)};`);
    pre.push(`let f = |v| ${this.expr(1)};`);
    this.names = IDENTS;
    return [...fns, ...pre, this.stmts(3, false, 6), this.expr(3)].join('\n');
  }
}

/** Random edits of a valid script: deletions, duplications, insertions, swaps, number swaps. */
function mutate(src: string, d: Dice): string {
  let s = src;
  for (let n = 1 + d.int(3); n > 0; n--) {
    const i = d.int(s.length + 1);
    const j = Math.min(s.length, i + 1 + d.int(8));
    switch (d.int(7)) {
      case 0:
        s = s.slice(0, i) + s.slice(j);
        break;
      case 1:
        s = s.slice(0, j) + s.slice(i, j) + s.slice(j);
        break;
      case 2:
        s = `${s.slice(0, i)} ${d.pick(SOUP_TOKENS)} ${s.slice(i)}`;
        break;
      case 3:
        if (s.length > 1) {
          const a = d.int(s.length);
          const b = d.int(s.length);
          const chars = [...s];
          [chars[a], chars[b]] = [chars[b], chars[a]];
          s = chars.join('');
        }
        break;
      case 4:
        s = s.replace(/\d+/, d.pick(['9223372036854775807', '0', '-1', '99999999999999999999', '1e400']));
        break;
      case 5:
        s = s.replace(/[+\-*/<>=]/, d.pick(['**', '<<', '/', '%', '..', '??', '!=']));
        break;
      default:
        s = s.slice(0, i) + d.pick(['{', '}', '(', ')', '[', ']', '"', '`', "'", ';', '${']) + s.slice(i);
    }
  }
  return s;
}

/** One fuzz outcome worth reporting. */
interface FuzzFailure {
  readonly generator: string;
  readonly seed: number;
  readonly index: number;
  readonly script: string;
  readonly problem: string;
}

const MODULES: Record<string, string> = {
  m: 'export const X = 1; fn inc(x) { x + 1 }',
  loop: 'import "loop" as again; 1',
};

/** Outcome counts of the current campaign (printed with RHAI_FUZZ_STATS=1 to judge generator quality). */
const outcomes = new Map<string, number>();

/** An engine with tight limits whose per-run deadline is moved forward before every script. */
function fuzzEngine(): { engine: Engine; run(script: string): unknown } {
  let runDeadline = 0;
  const engine = new Engine({
    limits: {
      maxOperations: 20_000,
      maxCallLevels: 24,
      maxExprDepth: 48,
      maxFunctionExprDepth: 24,
      maxStringSize: 20_000,
      maxArraySize: 2_000,
      maxMapSize: 500,
      maxVariables: 200,
      maxModules: 8,
    },
    onProgress: () => Date.now() > runDeadline,
  });
  // Output is discarded: only termination and error types matter here.
  engine.onPrint(() => undefined);
  engine.onDebug(() => undefined);
  engine.setModuleResolver({ resolve: (p) => MODULES[p] ?? null });
  return {
    engine,
    run(script: string): unknown {
      runDeadline = Date.now() + RUN_BUDGET_MS;
      const start = Date.now();
      let problem: unknown;
      try {
        engine.evalRaw(script);
        outcomes.set('ok', (outcomes.get('ok') ?? 0) + 1);
      } catch (e) {
        if (!(e instanceof RhaiError)) problem = e;
        else {
          const key = e.parseKind ? `parse:${e.parseKind}` : e.kind;
          if (process.env.RHAI_FUZZ_STATS === 'verbose' && !outcomes.has(key))
            console.log(key, e.message, script);
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        }
      }
      const ms = Date.now() - start;
      if (problem === undefined && ms > RUN_MAX_MS) problem = new Error(`took ${ms} ms`);
      return problem;
    },
  };
}

/** Run `count` scripts from `make`, collecting problems (never stopping at the first one). */
function campaign(
  generator: string,
  seed: number,
  count: number,
  make: (d: Dice, i: number) => string,
): FuzzFailure[] {
  const failures: FuzzFailure[] = [];
  outcomes.clear();
  const { engine, run } = fuzzEngine();
  const d = new Dice(rng(seed));
  for (let i = 0; i < count; i++) {
    const script = make(d, i);
    let problem: unknown;
    try {
      problem = run(script);
    } catch (e) {
      problem = e;
    }
    if (problem !== undefined) {
      failures.push({ generator, seed, index: i, script, problem: describeError(problem) });
      if (failures.length >= 20) break;
    }
  }
  if (process.env.RHAI_FUZZ_STATS) {
    const stats = [...outcomes].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}=${n}`);
    console.log(`[${generator}] ${stats.join(' ')}`);
  }
  // The engine must still work after everything it has been through.
  try {
    if (engine.eval('let a = [1, 2]; a.push(3); a.len()') !== 3) {
      failures.push({
        generator,
        seed,
        index: -1,
        script: '(health check)',
        problem: 'engine unhealthy after campaign',
      });
    }
  } catch (e) {
    failures.push({ generator, seed, index: -1, script: '(health check)', problem: describeError(e) });
  }
  return failures;
}

function report(failures: readonly FuzzFailure[]): string {
  return failures
    .map(
      (f) =>
        `[${f.generator}] seed=${f.seed} index=${f.index} (replay: RHAI_FUZZ_SEED=${SEED})\n  script: ${JSON.stringify(f.script)}\n  problem: ${f.problem.split('\n').slice(0, 4).join('\n    ')}`,
    )
    .join('\n');
}

function check(failures: readonly FuzzFailure[]): void {
  if (failures.length > 0) console.error(`fuzz failures (seed ${SEED}):\n${report(failures)}`);
  expect(failures.length, report(failures)).toBe(0);
}

describe(`fuzz (seed ${SEED})`, () => {
  const sentinel = Symbol.for('picloud.rhai.fuzz.sentinel');
  let objectProto: string[] = [];
  let arrayProto: string[] = [];
  let functionProto: string[] = [];
  let globals: string[] = [];

  beforeAll(() => {
    objectProto = Object.getOwnPropertyNames(Object.prototype).sort();
    arrayProto = Object.getOwnPropertyNames(Array.prototype).sort();
    functionProto = Object.getOwnPropertyNames(Function.prototype).sort();
    globals = Object.getOwnPropertyNames(globalThis).sort();
    Object.defineProperty(globalThis, sentinel, {
      value: Object.freeze({ intact: true }),
      configurable: true,
    });
  });

  afterAll(() => {
    delete (globalThis as Record<symbol, unknown>)[sentinel];
  });

  function globalsUntouched(): void {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(objectProto);
    expect(Object.getOwnPropertyNames(Array.prototype).sort()).toEqual(arrayProto);
    expect(Object.getOwnPropertyNames(Function.prototype).sort()).toEqual(functionProto);
    expect(Object.getOwnPropertyNames(globalThis).sort()).toEqual(globals);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((globalThis as Record<symbol, unknown>)[sentinel]).toEqual({ intact: true });
  }

  it('token soups only ever raise RhaiError', () => {
    const failures = campaign('soup', SEED, COUNT, (d) => {
      const n = 1 + d.int(30);
      const parts: string[] = [];
      for (let i = 0; i < n; i++) parts.push(d.pick(SOUP_TOKENS), d.pick([' ', '', ' ', '\n']));
      return parts.join('');
    });
    check(failures);
    globalsUntouched();
  });

  it('grammar-based programs only ever raise RhaiError', () => {
    const failures = campaign('grammar', SEED + 1, COUNT, (d) => new ProgramGen(d).program());
    check(failures);
    globalsUntouched();
  });

  it('mutated conformance scripts only ever raise RhaiError', () => {
    const scripts = Object.values(allConformanceCases)
      .flat()
      .filter((c) => !c.setup)
      .map((c) => c.script);
    expect(scripts.length).toBeGreaterThan(100);
    const failures = campaign('mutation', SEED + 2, COUNT, (d) => mutate(d.pick(scripts), d));
    check(failures);
    globalsUntouched();
  });

  it('conformance scripts run clean under tight limits', () => {
    const scripts = Object.values(allConformanceCases)
      .flat()
      .filter((c) => !c.setup)
      .map((c) => c.script);
    const failures = campaign('conformance', SEED + 3, scripts.length, (_d, i) => scripts[i]);
    check(failures);
    globalsUntouched();
  });

  it('is deterministic for a given seed', () => {
    const a = Array.from({ length: 20 }, (_, i) => new ProgramGen(new Dice(rng(SEED + i))).program());
    const b = Array.from({ length: 20 }, (_, i) => new ProgramGen(new Dice(rng(SEED + i))).program());
    expect(a).toEqual(b);
  });
});
