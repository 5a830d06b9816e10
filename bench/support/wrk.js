// Shared by the HTTP benchmarks: load from `wrk` (Debian package `wrk`), pinned to its own core, and a
// bare server spawned on the server's core as the baseline of the same run.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pinned } from './appliance.js';

/** True when wrk is installed. */
export const hasWrk = (() => {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // wrk --version exits 1 after printing its version.
    return error.status === 1;
  }
})();

/** Milliseconds from a wrk duration ("812.00us", "1.23ms", "2.01s"). */
function ms(text) {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  return { us: value / 1000, ms: value, s: value * 1000, m: value * 60_000 }[match[2]];
}

/** Parses wrk's report (run with --latency). */
export function parseWrk(output) {
  const percentile = (p) => ms(new RegExp(`^\\s*${p}%\\s+(\\S+)`, 'm').exec(output)?.[1] ?? '');
  const requests = Number(/^\s*(\d+) requests in/m.exec(output)?.[1] ?? Number.NaN);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? Number.NaN),
    p50: percentile(50),
    p99: percentile(99),
    requests,
    errors: non2xx + socketErrors,
  };
}

/**
 * Runs wrk against `url` on `core` for `seconds` with `connections` (one thread) and resolves with
 * req/s, p50/p99 (ms) and errors (non-2xx answers and socket errors). `method`, `body` and `headers`
 * shape every request.
 */
export async function wrk({
  url,
  connections,
  seconds,
  core = 0,
  method = 'GET',
  body = null,
  headers = {},
}) {
  const scratch = mkdtempSync(join(tmpdir(), 'picloud-wrk-'));
  try {
    const script = join(scratch, 'request.lua');
    const lines = [`wrk.method = ${JSON.stringify(method)}`];
    if (body !== null) lines.push(`wrk.body = ${JSON.stringify(body)}`);
    for (const [name, value] of Object.entries(headers))
      lines.push(`wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}`);
    writeFileSync(script, `${lines.join('\n')}\n`);
    const [command, args] = pinned(core, 'wrk', [
      '-t1',
      `-c${connections}`,
      `-d${seconds}s`,
      '--latency',
      '--timeout',
      '10s',
      '-s',
      script,
      url,
    ]);
    const output = await new Promise((resolve, reject) =>
      execFile(command, args, { maxBuffer: 1 << 20 }, (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      ),
    );
    if (process.env.BENCH_WRK_DEBUG) console.error(output);
    return parseWrk(output);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Spawns a bare Node server on `core` from ES module `source`, which must listen on port 0 and print
 * its port on the first line of stdout. Resolves with the port and stop().
 */
export async function spawnBareServer(source, core, env = {}) {
  const [command, args] = pinned(core, process.execPath, ['--input-type=module', '-e', source]);
  const child = spawn(command, args, {
    cwd: process.cwd(),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (chunk) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`the bare server exited with ${code}`)));
  });
  return {
    port,
    stop: () => {
      child.kill('SIGTERM');
    },
  };
}

/** Best of several runs: highest req/s, and the p99 of that run. */
export function best(runs) {
  return runs.reduce((a, b) => (b.rps > a.rps ? b : a));
}

/** Command-line options shared by the wrk benchmarks. */
export const WRK_BENCH_OPTIONS = {
  seconds: { type: 'string', default: '5' },
  runs: { type: 'string', default: '2' },
  check: { type: 'boolean' },
};

/**
 * One case measured `runs` times on each side, baseline and subject alternating (A B A B …), so that
 * a noisy neighbour slows both alike; resolves with each side's best run.
 */
export async function alternate({
  baselinePort,
  subjectPort,
  request,
  connections,
  runs,
  seconds,
  core = 0,
}) {
  const measure = (port) =>
    wrk({
      url: `http://127.0.0.1:${port}${request.url}`,
      connections,
      seconds,
      core,
      method: request.method ?? 'GET',
      body: request.body ?? null,
      headers: request.headers ?? {},
    });
  const baseline = [];
  const subject = [];
  for (let run = 0; run < runs; run++) {
    baseline.push(await measure(baselinePort));
    subject.push(await measure(subjectPort));
  }
  return { baseline: best(baseline), subject: best(subject) };
}
