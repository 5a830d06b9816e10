#!/usr/bin/env node
/**
 * Rhai engine benchmarks: each `.rhai` script here against the same algorithm in plain JavaScript
 * (`baseline.js`), plus a parse-throughput measurement.
 *
 * Usage (after `npx tsc -p tsconfig.build.json`):
 *   node bench/rhai/run.js [--check] [--runs=N] [--warmup=N] [name ...]
 *
 * For each benchmark the script is compiled once, warmed up, then run several times on each side;
 * the table shows medians, the Rhai/JS ratio and PASS/FAIL against the 10x target (a wrong result
 * is always a FAIL). The exit code is non-zero only with `--check` and a missed target.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { baselines } from './baseline.js';

const here = dirname(fileURLToPath(import.meta.url));
const RATIO_TARGET = 10;
const PARSE_TARGET_MBPS = 5;

const argv = process.argv.slice(2);
const check = argv.includes('--check');
const option = (name, fallback) => {
  const hit = argv.find((a) => a.startsWith(`--${name}=`));
  const n = hit ? Number.parseInt(hit.slice(name.length + 3), 10) : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n : fallback;
};
const runs = option('runs', 7);
// V8 needs several runs to reach steady state on both sides (the generated code is JIT-compiled like the baseline).
const warmup = option('warmup', 10);
const only = argv.filter((a) => !a.startsWith('--'));

/** Load the compiled engine, explaining how to build it when it is missing. */
async function loadEngine() {
  const entry = join(here, '..', '..', 'dist', 'server', 'rhai', 'index.js');
  try {
    return await import(pathToFileURL(entry).href);
  } catch (e) {
    console.error(`Cannot load the compiled engine (${entry}): ${e instanceof Error ? e.message : e}`);
    console.error('Build it first: npx tsc -p tsconfig.build.json');
    process.exit(1);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Minimum duration of one timed sample; fast bodies are repeated within a sample to reach it. */
const MIN_SAMPLE_MS = 25;

/**
 * Time `fn`: `warmup` untimed runs, then `runs` samples. A sample repeats `fn` enough times to last at
 * least MIN_SAMPLE_MS (sub-millisecond JS baselines are otherwise pure timer noise) and counts as the
 * sample time divided by the repetitions. Returns the median per-run time and the last result.
 */
function measure(fn) {
  let result;
  let reps = 1;
  for (let i = 0; i < warmup; i++) {
    const t0 = performance.now();
    result = fn();
    const ms = performance.now() - t0;
    reps = Math.max(reps, Math.min(1000, Math.ceil(MIN_SAMPLE_MS / Math.max(ms, 0.01))));
  }
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) result = fn();
    times.push((performance.now() - t0) / reps);
  }
  return { ms: median(times), result };
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

/** A large, varied, valid source: functions, literals of every kind, control flow and comments. */
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
    x
}
let value_${k} = calc_${k}(${k}, 2, 3) + 0x${(k & 0xfff).toString(16)} + 0b101 + 1_000;
`;
    parts.push(chunk);
    bytes += Buffer.byteLength(chunk);
  }
  return parts.join('');
}

function pad(s, n, right = false) {
  const str = String(s);
  return right ? str.padStart(n) : str.padEnd(n);
}

async function main() {
  const rhai = await loadEngine();
  const engine = new rhai.Engine();
  const names = Object.keys(baselines).filter((n) => only.length === 0 || only.includes(n));
  const rows = [];
  let failed = false;

  console.log(
    `Rhai benchmarks: median of ${runs} runs after ${warmup} warm-up runs (node ${process.version})\n`,
  );
  for (const name of names) {
    const source = readFileSync(join(here, `${name}.rhai`), 'utf8');
    const ast = engine.compile(source, { sourceName: `${name}.rhai` });
    const r = measure(() => engine.evalRaw(ast));
    const js = measure(baselines[name]);
    const rhaiResult = rhai.toJs(r.result);
    const correct = sameResult(rhaiResult, js.result);
    const ratio = r.ms / js.ms;
    const pass = correct && ratio <= RATIO_TARGET;
    if (!pass) failed = true;
    rows.push({ name, rhaiMs: r.ms, jsMs: js.ms, ratio, pass, correct, rhaiResult, jsResult: js.result });
  }

  const header = `${pad('benchmark', 14)}${pad('rhai ms', 11, true)}${pad('js ms', 10, true)}${pad('ratio', 10, true)}  ${pad('target', 8)}status`;
  console.log(header);
  console.log('-'.repeat(header.length + 6));
  for (const row of rows) {
    const status = row.pass ? 'PASS' : row.correct ? 'FAIL' : 'FAIL (wrong result)';
    console.log(
      `${pad(row.name, 14)}${pad(row.rhaiMs.toFixed(1), 11, true)}${pad(row.jsMs.toFixed(1), 10, true)}${pad(`${row.ratio.toFixed(1)}x`, 10, true)}  ${pad(`<=${RATIO_TARGET}x`, 8)}${status}`,
    );
    if (!row.correct)
      console.log(`    rhai result ${String(row.rhaiResult)} != js result ${String(row.jsResult)}`);
  }

  if (only.length === 0 || only.includes('parse')) {
    const source = generateSource(2_000_000);
    const mb = Buffer.byteLength(source) / 1e6;
    const p = measure(() => engine.compile(source));
    const mbps = mb / (p.ms / 1000);
    const ok = mbps >= PARSE_TARGET_MBPS;
    if (!ok) failed = true;
    console.log(
      `\nparse throughput: ${mb.toFixed(2)} MB in ${p.ms.toFixed(1)} ms = ${mbps.toFixed(1)} MB/s (target >= ${PARSE_TARGET_MBPS} MB/s) ${ok ? 'PASS' : 'FAIL'}`,
    );
  }

  if (check && failed) {
    console.error('\nbenchmark targets missed');
    process.exitCode = 1;
  }
}

await main();
