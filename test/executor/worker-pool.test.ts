/**
 * The pool's protocol with its workers, on real worker threads: scripts travel by id and version
 * (sources only when a worker asks, and then only its own job's), jobs travel in batches, and a job
 * waiting behind a run that turned out slow is taken back and given to another worker — never run
 * twice, never lost, and the slow worker is served again once its run is over.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ExecutionJob, ExecutionLimits, ExecutionReport } from '../../server/contracts/executor.js';
import { scriptWorkerFile } from '../../server/executor/local-executor.js';
import { WorkerPool } from '../../server/executor/worker-pool.js';
import type { ToWorker } from '../../server/executor/worker-protocol.js';

const LIMITS: ExecutionLimits = {
  maxOperations: 1e12,
  timeoutMs: 5_000,
  maxResponseBytes: 64 * 1024,
  maxOutputBytes: 1024,
  maxCallLevels: 64,
  maxStringSize: 1024 * 1024,
  maxArraySize: 100_000,
  maxMapSize: 10_000,
};

function job(
  id: string,
  source: string,
  options: { version?: number; query?: Record<string, string>; modules?: ExecutionJob['modules'] } = {},
): ExecutionJob {
  return {
    script: { id, version: options.version ?? 1, name: id, source },
    ...(options.modules ? { modules: options.modules } : {}),
    request: {
      method: 'GET',
      path: '/x',
      params: {},
      query: options.query ?? {},
      headers: {},
      body: null,
      app: { id: 'app', slug: 'app' },
      request_id: 'r',
    },
    limits: LIMITS,
  };
}

function body(report: ExecutionReport): unknown {
  expect(report.result.ok, JSON.stringify(report.result)).toBe(true);
  return report.result.ok ? report.result.response.body : undefined;
}

const pools: WorkerPool[] = [];
function pool(size: number, workerFile: URL | string = scriptWorkerFile()): WorkerPool {
  const created = new WorkerPool({ size, workerFile, memoryLimitMb: 64 });
  pools.push(created);
  return created;
}
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

/** What the pool posts to its workers. */
function spyOnPosts(): ToWorker[] {
  const posted: ToWorker[] = [];
  const original = Worker.prototype.postMessage;
  vi.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (this: Worker, message, transfer) {
    posted.push(structuredClone(message) as ToWorker);
    return original.call(this, message, transfer as never);
  });
  return posted;
}

describe('scripts by id and version', () => {
  it('sends no source with a job; a worker asks once per version and keeps the compiled script', async () => {
    const posted = spyOnPosts();
    const one = pool(1);
    expect(body(await one.run(job('s', '"first"')))).toBe('first');
    // Same id and version: the worker runs what it compiled (the pool sends no source to compare).
    expect(body(await one.run(job('s', '"changed without a new version"')))).toBe('first');
    expect(body(await one.run(job('s', '"second"', { version: 2 })))).toBe('second');

    const jobs = posted.flatMap((m) => (m.type === 'jobs' ? m.jobs : []));
    expect(jobs).toHaveLength(3);
    for (const sent of jobs) expect(sent.script.source).toBeUndefined();
    const sources = posted.filter((m) => m.type === 'sources');
    expect(sources.map((m) => m.type === 'sources' && Object.keys(m.sources))).toEqual([['s@1'], ['s@2']]);
  });

  it('modules travel by id and version too, and their sources come on a miss', async () => {
    const posted = spyOnPosts();
    const one = pool(1);
    const modules = { util: { id: 'u', version: 3, source: 'fn twice(x) { x * 2 }' } };
    const source = 'import "util" as u; u::twice(21)';
    expect(body(await one.run(job('m', source, { modules })))).toBe('42');
    expect(body(await one.run(job('m', source, { modules })))).toBe('42');
    const jobs = posted.flatMap((m) => (m.type === 'jobs' ? m.jobs : []));
    expect(jobs.map((j) => j.modules)).toEqual([
      { util: { id: 'u', version: 3 } },
      { util: { id: 'u', version: 3 } },
    ]);
    const sources = posted.filter((m) => m.type === 'sources');
    expect(sources).toHaveLength(1);
    expect(sources[0].type === 'sources' && Object.keys(sources[0].sources).sort()).toEqual(['m@1', 'u@3']);
  });

  it("answers a worker's miss with its own job's sources only, whatever keys it names", async () => {
    // A forged worker: asks for its job's script and for another job's, and reports what it got.
    const file = join(tmpdir(), `picloud-forged-worker-${process.pid}.mjs`);
    writeFileSync(
      file,
      `import { parentPort, workerData } from 'node:worker_threads';
       const claims = new Int32Array(workerData.claims);
       parentPort.on('message', (m) => {
         if (m.type === 'jobs') {
           for (const job of m.jobs) {
             Atomics.compareExchange(claims, job.cell, job.id, 0);
             parentPort.postMessage({ type: 'batch', done: [], calls: [],
               misses: [{ id: job.id, keys: ['mine@1', 'theirs@1', 'toString', '__proto__'] }] });
           }
         } else if (m.type === 'sources') {
           const report = { result: { ok: true, response: { status: 200, headers: {},
             body: JSON.stringify(m.sources) } }, operations: 0, output: '', durationMs: 0 };
           parentPort.postMessage({ type: 'batch', done: [{ id: m.id, report, activeMs: 0 }], misses: [], calls: [] });
         }
       });
       parentPort.postMessage({ type: 'ready' });`,
    );
    const forged = pool(1, file);
    const theirs = forged.run(job('theirs', '"secret of another app"'));
    const mine = await forged.run(job('mine', '"mine"'));
    expect(JSON.parse(String(body(mine)))).toEqual({ 'mine@1': '"mine"' });
    expect(JSON.parse(String(body(await theirs)))).toEqual({ 'theirs@1': '"secret of another app"' });
  });
});

describe('batches and pipelines', () => {
  it('sends concurrent quick jobs to a worker in batches', async () => {
    const one = pool(1);
    for (let i = 0; i < 5; i++) body(await one.run(job('q', '40 + 2')));
    const posted = spyOnPosts();
    const reports = await Promise.all(Array.from({ length: 200 }, () => one.run(job('q', '40 + 2'))));
    for (const report of reports) expect(body(report)).toBe('42');
    const batches = posted.filter((m) => m.type === 'jobs');
    const sent = batches.reduce((n, m) => n + (m.type === 'jobs' ? m.jobs.length : 0), 0);
    expect(sent).toBe(200);
    // Far fewer messages than jobs.
    expect(batches.length).toBeLessThan(100);
  });
});

describe('a job stuck behind a run that turned out slow', () => {
  // Quick until asked to compute for `ms` milliseconds.
  const FLAKY = `if ctx.query.ms != () { let t = timestamp(); while t.elapsed * 1000.0 < parse_int(ctx.query.ms) {} } "flaky"`;

  async function teach(target: WorkerPool) {
    for (let i = 0; i < 10; i++) {
      body(await target.run(job('flaky', FLAKY)));
      body(await target.run(job('hello', '"hello"')));
    }
  }

  it('is taken back and run by another worker, once', async () => {
    const two = pool(2);
    await teach(two);
    const posted = spyOnPosts();
    const started = performance.now();
    const slow = two.run(job('flaky', FLAKY, { query: { ms: '1500' } }));
    const hellos = Array.from({ length: 40 }, () =>
      two.run(job('hello', '"hello"')).then((report) => ({ report, ms: performance.now() - started })),
    );
    const quick = await Promise.all(hellos);
    for (const { report } of quick) expect(body(report)).toBe('hello');
    // None waited for the slow run (1.5 s).
    expect(Math.max(...quick.map((q) => q.ms))).toBeLessThan(1_000);
    expect(body(await slow)).toBe('flaky');
    // Each job ran exactly once, wherever it was sent.
    const sent = posted.flatMap((m) => (m.type === 'jobs' ? m.jobs : []));
    expect(new Set(sent.map((j) => j.id)).size).toBe(41);
  });

  it('leaves a single worker serving again once the slow run is over', async () => {
    const one = pool(1);
    await teach(one);
    const slow = one.run(job('flaky', FLAKY, { query: { ms: '300' } }));
    const behind = Array.from({ length: 10 }, () => one.run(job('hello', '"hello"')));
    expect(body(await slow)).toBe('flaky');
    for (const report of await Promise.all(behind)) expect(body(report)).toBe('hello');
    // The worker found stuck earlier takes new jobs.
    for (const report of await Promise.all(
      Array.from({ length: 10 }, () => one.run(job('hello', '"hello"'))),
    ))
      expect(body(report)).toBe('hello');
  });
});
