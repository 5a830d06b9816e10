#!/usr/bin/env node
/**
 * Rhai engine benchmarks: the six workloads of Rhai's own benchmark scripts (`.rhai` files here,
 * same algorithms, sizes and value types) against the same algorithms in plain JavaScript
 * (`baseline.js`), then compile speed.
 *
 * Usage (after `npm run build`):
 *   node bench/rhai/run.js [--check] [--runs=N] [--warmup=N] [name ...]
 *
 * Each benchmark runs in a fresh process (so one workload's heap does not slow the next): each
 * side runs `warmup` times on a warm engine, then `runs` times; the table shows the best time of
 * each side, by the wall clock and in CPU time of the process, both ratios, and PASS/FAIL against
 * the 5x target on the CPU-time ratio (a wrong result is a FAIL). On a shared machine a run is
 * often descheduled for a while, which the wall clock counts and CPU time does not; CPU time
 * includes the JavaScript engine's background compiler threads, which work far more for our side
 * than for plain JS, so on an idle machine it is the stricter of the two.
 * The process pins itself to one CPU with `taskset` when it can. The compile lines report
 * compile + code generation throughput of a ~1 MB generated script (target >= 7 MB/s) and check
 * that a huge array literal and a huge interpolated string compile in linear time.
 * The exit code is non-zero only with `--check` and a missed target.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { baselines } from './baseline.js';

const here = dirname(fileURLToPath(import.meta.url));
const RATIO_TARGET = 5;
const COMPILE_TARGET_MBPS = 7;
/** Doubling the input may at most multiply the time by this much to count as linear. */
const LINEAR_TOLERANCE = 3;

// Pin to one CPU (the benchmark is single-threaded; pinning keeps it from hopping cores).
if (process.env.RHAI_BENCH_PINNED === undefined) {
  const pinned = spawnSync('taskset', ['-c', '1', process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, RHAI_BENCH_PINNED: '1' },
  });
  if (pinned.error === undefined) process.exit(pinned.status ?? 1);
  console.log('(taskset is not available: running unpinned)');
}

const argv = process.argv.slice(2);
const check = argv.includes('--check');
const option = (name, fallback) => {
  const hit = argv.find((a) => a.startsWith(`--${name}=`));
  const n = hit ? Number.parseInt(hit.slice(name.length + 3), 10) : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n : fallback;
};
const runs = option('runs', 3);
const warmup = option('warmup', 10);
const childIndex = argv.indexOf('--child');
const child = childIndex >= 0 ? argv[childIndex + 1] : undefined;
const only = argv.filter((a, i) => !a.startsWith('--') && !(childIndex >= 0 && i === childIndex + 1));

/** Load the compiled engine, explaining how to build it when it is missing. */
async function loadEngine() {
  const entry = join(here, '..', '..', 'dist', 'server', 'rhai', 'index.js');
  try {
    return await import(pathToFileURL(entry).href);
  } catch (e) {
    console.error(`Cannot load the compiled engine (${entry}): ${e instanceof Error ? e.message : e}`);
    console.error('Build it first: npm run build');
    process.exit(1);
  }
}

/** CPU time of this process (all threads) in ms. */
function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** `warmup` untimed runs, then the best of `runs` timed runs (wall clock and CPU time). */
function best(fn) {
  let result;
  for (let i = 0; i < warmup; i++) result = fn();
  let ms = Number.POSITIVE_INFINITY;
  let cpu = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const c0 = cpuMs();
    const t0 = performance.now();
    result = fn();
    ms = Math.min(ms, performance.now() - t0);
    cpu = Math.min(cpu, cpuMs() - c0);
  }
  return { ms, cpu, result };
}

/** Results match when equal, or (floats) equal to 12 significant digits. */
function sameResult(a, b) {
  if (typeof a === 'bigint' || typeof b === 'bigint') return BigInt(a) === BigInt(b);
  if (typeof a === 'number' && typeof b === 'number') {
    if (Object.is(a, b) || a === b) return true;
    return Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * A large, valid script exercising every construct of the parser and the code generator. Only
 * function definitions and constants: running it (which generates its code) does almost nothing.
 */
function generateSource(targetBytes) {
  const parts = [];
  let bytes = 0;
  for (let k = 0; bytes < targetBytes; k++) {
    const chunk = `// block ${k}: a little of everything the parser has to handle
fn calc_${k}(a, b, c) {
    let x = a * ${k} + b / 2 - c % 3;
    let list = [${k}, ${k}.5, "str ${k}", 'c', true, (), #{ key: x, "quoted key": [1, 2, 3] }];
    if x > 10 && b != 0 || !(c == 1) {
        x -= 1;
    } else if x < -10 {
        x += list.len();
    } else {
        x = switch c { 0 => 1, 1 | 2 => 2, 3..10 => 3, _ => 4 };
    }
    /* block comment with /* nested */ text */
    for (item, i) in list {
        if i > 3 { break; }
    }
    let f = |y| y * x + ${k};
    let s = \`interpolated \${x} and \${f.call(1)} text\`;
    while x > 0 { x -= 7; }
    try { throw x; } catch (e) { x = e; }
    x.to_string().len() + list[1] + s.sub_string(2, 3).len()
}
const VALUE_${k} = 0x${(k & 0xfff).toString(16)} + 0b101 + 1_000;
`;
    parts.push(chunk);
    bytes += Buffer.byteLength(chunk);
  }
  parts.push('0\n');
  return parts.join('');
}

/** CPU time of compile + code generation (+ a trivial run) of `source` on a fresh engine. */
function compileMs(rhai, source) {
  const engine = new rhai.Engine({ limits: { maxExprDepth: 0, maxFunctionExprDepth: 0 } });
  const t0 = cpuMs();
  engine.evalRaw(engine.compile(source));
  return cpuMs() - t0;
}

function pad(s, n, right = false) {
  const str = String(s);
  return right ? str.padStart(n) : str.padEnd(n);
}

/** In a child process: measure one benchmark and print its figures as JSON. */
async function measureOne(name) {
  const rhai = await loadEngine();
  const engine = new rhai.Engine();
  const source = readFileSync(join(here, `${name}.rhai`), 'utf8');
  const ast = engine.compile(source, { sourceName: `${name}.rhai` });
  const ours = best(() => engine.evalRaw(ast));
  const js = best(baselines[name]);
  const result = rhai.toJs(ours.result);
  const show = (v) => (typeof v === 'bigint' ? `${v}n` : v);
  console.log(
    JSON.stringify({
      ours: ours.ms,
      js: js.ms,
      oursCpu: ours.cpu,
      jsCpu: js.cpu,
      correct: sameResult(result, js.result),
      rhai: String(show(result)),
      expected: String(show(js.result)),
    }),
  );
}

/** Run one benchmark in a fresh process. */
function measureInChild(name) {
  const out = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', name, ...argv], {
    env: { ...process.env, RHAI_BENCH_PINNED: '1' },
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const line = out.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`benchmark ${name} failed: ${out.stderr || out.stdout}`);
  }
}

async function main() {
  if (child !== undefined) {
    await measureOne(child);
    return;
  }
  const rhai = await loadEngine();
  const names = Object.keys(baselines).filter((n) => only.length === 0 || only.includes(n));
  let failed = false;

  console.log(
    `Rhai benchmarks: best of ${runs} runs after ${warmup} warm-up runs (node ${process.version})\n`,
  );
  const header = `${pad('script', 14)}${pad('ours ms', 10, true)}${pad('js ms', 10, true)}${pad('ratio', 8, true)}${pad('ours cpu', 10, true)}${pad('js cpu', 9, true)}${pad('cpu ratio', 11, true)}  ${pad('target', 7)}status`;
  console.log(header);
  console.log('-'.repeat(header.length + 6));
  for (const name of names) {
    const m = measureInChild(name);
    const ratio = m.ours / m.js;
    const cpuRatio = m.oursCpu / m.jsCpu;
    const pass = m.correct && cpuRatio <= RATIO_TARGET;
    if (!pass) failed = true;
    const status = pass ? 'PASS' : m.correct ? 'FAIL' : 'FAIL (wrong result)';
    console.log(
      `${pad(name, 14)}${pad(m.ours.toFixed(1), 10, true)}${pad(m.js.toFixed(1), 10, true)}${pad(`${ratio.toFixed(1)}x`, 8, true)}${pad(m.oursCpu.toFixed(1), 10, true)}${pad(m.jsCpu.toFixed(1), 9, true)}${pad(`${cpuRatio.toFixed(1)}x`, 11, true)}  ${pad(`<=${RATIO_TARGET}x`, 7)}${status}`,
    );
    if (!m.correct) console.log(`    rhai result ${m.rhai} != js result ${m.expected}`);
  }

  if (only.length === 0 || only.includes('compile')) {
    const source = generateSource(1_000_000);
    const mb = Buffer.byteLength(source) / 1e6;
    let ms = Number.POSITIVE_INFINITY;
    for (let i = 0; i < Math.max(runs, 5); i++) ms = Math.min(ms, compileMs(rhai, source));
    const mbps = mb / (ms / 1000);
    const ok = mbps >= COMPILE_TARGET_MBPS;
    if (!ok) failed = true;
    console.log(
      `\ncompile + code generation: ${mb.toFixed(2)} MB in ${ms.toFixed(0)} ms of CPU = ${mbps.toFixed(1)} MB/s (target >= ${COMPILE_TARGET_MBPS} MB/s) ${ok ? 'PASS' : 'FAIL'}`,
    );
    const linear = [
      [
        'array literal',
        (n) => `let a = [${Array.from({ length: n }, (_, i) => i).join(', ')}]; a.len()`,
        500_000,
      ],
      ['${1} segments', (n) => `\`${'${1}'.repeat(n)}\`.len()`, 50_000],
    ];
    for (const [label, make, n] of linear) {
      const small = compileMs(rhai, make(n));
      const large = compileMs(rhai, make(2 * n));
      const growth = large / small;
      const ok = growth <= LINEAR_TOLERANCE;
      if (!ok) failed = true;
      console.log(
        `${pad(label, 15)} ${n} -> ${small.toFixed(0)} ms, ${2 * n} -> ${large.toFixed(0)} ms (x${growth.toFixed(1)} for twice the input, linear if <= ${LINEAR_TOLERANCE}) ${ok ? 'PASS' : 'FAIL'}`,
      );
    }
  }

  if (check && failed) {
    console.error('\nbenchmark targets missed');
    process.exitCode = 1;
  }
}

await main();
