/**
 * The executor against hostile scripts, on real worker threads: each gets a clear error within its
 * limits, only its own worker suffers, and the pool keeps serving other scripts meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionJob, ExecutionLimits } from '../../server/contracts/executor.js';
import { LocalExecutorClient } from '../../server/executor/local-executor.js';

const LIMITS: ExecutionLimits = {
  maxOperations: 200_000,
  timeoutMs: 2_000,
  maxResponseBytes: 64 * 1024,
  maxOutputBytes: 1024,
  maxCallLevels: 64,
  maxStringSize: 1024 * 1024,
  maxArraySize: 1_000_000,
  maxMapSize: 10_000,
};

let executor: LocalExecutorClient;
const replaced: string[] = [];
beforeAll(() => {
  executor = new LocalExecutorClient({
    workers: 2,
    memoryLimitMb: 48,
    onWorkerExit: (reason) => replaced.push(reason),
  });
});
afterAll(async () => {
  await executor.close();
});

let nextId = 0;
function job(source: string, limits: Partial<ExecutionLimits> = {}): ExecutionJob {
  nextId += 1;
  return {
    script: { id: `script-${nextId}`, version: 1, name: `hostile-${nextId}`, source },
    request: {
      method: 'GET',
      path: '/x',
      params: {},
      query: {},
      headers: {},
      body: null,
      app: { id: 'app', slug: 'app' },
      request_id: `req-${nextId}`,
    },
    limits: { ...LIMITS, ...limits },
  };
}

describe('hostile scripts get clear errors', () => {
  it.each([
    ['an infinite loop', 'loop { }', {}, 'PICLOUD_ERR_SCRIPT_LIMIT', 'ErrorTooManyOperations', 500],
    [
      'a busy loop past its deadline',
      'let x = 0; loop { x += 1; }',
      { maxOperations: 1e15, timeoutMs: 200 },
      'PICLOUD_ERR_SCRIPT_TIMEOUT',
      'ErrorTerminated',
      504,
    ],
    [
      'runaway recursion',
      'fn down(n) { down(n + 1) } down(0)',
      {},
      'PICLOUD_ERR_SCRIPT_LIMIT',
      'ErrorStackOverflow',
      500,
    ],
    [
      'a string that doubles forever',
      'let s = "x"; loop { s += s; }',
      {},
      'PICLOUD_ERR_SCRIPT_LIMIT',
      'ErrorDataTooLarge',
      500,
    ],
    [
      'an array that grows forever',
      'let a = []; loop { a.push(1); }',
      { maxOperations: 10_000_000, maxArraySize: 10_000 },
      'PICLOUD_ERR_SCRIPT_LIMIT',
      'ErrorDataTooLarge',
      500,
    ],
    ['a throw', 'throw "no way"', {}, 'PICLOUD_ERR_SCRIPT_THROWN', 'ErrorRuntime', 500],
    ['a runtime error', 'let x = 1 / 0;', {}, 'PICLOUD_ERR_SCRIPT_RUNTIME', 'ErrorArithmetic', 500],
    // Errors leaving a script function arrive wrapped in ErrorInFunctionCall (as Rhai reports
    // them) and are classified by the error they wrap.
    [
      'a throw in a function',
      'fn f() { throw "no" } f()',
      {},
      'PICLOUD_ERR_SCRIPT_THROWN',
      'ErrorRuntime',
      500,
    ],
    [
      'a runtime error in a closure',
      'let f = || 1 / 0; f.call()',
      {},
      'PICLOUD_ERR_SCRIPT_RUNTIME',
      'ErrorArithmetic',
      500,
    ],
    ['a limit hit in eval', 'eval("loop {}")', {}, 'PICLOUD_ERR_SCRIPT_LIMIT', 'ErrorTooManyOperations', 500],
  ] as const)('%s', async (_label, source, limits, code, kind, status) => {
    const report = await executor.execute(job(source, limits));
    expect(report.result.ok).toBe(false);
    if (report.result.ok) return;
    expect(report.result.error).toMatchObject({ code, kind, status });
    expect(report.result.error.line).toBeGreaterThanOrEqual(1);
  });

  it('a thrown map chooses status and message', async () => {
    const report = await executor.execute(
      job('throw #{ status: 418, message: "short and stout", hint: "tea" };'),
    );
    expect(report.result).toEqual({
      ok: false,
      error: expect.objectContaining({
        code: 'PICLOUD_ERR_SCRIPT_THROWN',
        status: 418,
        message: 'short and stout',
        details: { hint: 'tea' },
        line: 1,
      }),
    });
  });

  it('a response over the size limit', async () => {
    const report = await executor.execute(job('let s = "x"; s.pad(70000, "y"); s'));
    expect(report.result.ok).toBe(false);
    if (!report.result.ok) expect(report.result.error.code).toBe('PICLOUD_ERR_SCRIPT_RESPONSE_TOO_LARGE');
  });

  it('memory exhaustion the size limits do not catch costs only its own worker', async () => {
    // One array per call frame, each within the size limits (which count per value), together far
    // over the worker's heap.
    const before = replaced.length;
    const report = await executor.execute(
      job('fn hog(n) { let a = []; a.pad(900000, n); if n < 60 { hog(n + 1) } else { a.len() } } hog(0)', {
        maxOperations: 1e15,
        timeoutMs: 20_000,
      }),
    );
    expect(report.result.ok).toBe(false);
    if (!report.result.ok) expect(report.result.error.code).toBe('PICLOUD_ERR_EXECUTOR_CRASHED');
    expect(replaced.length).toBe(before + 1);
    const after = await executor.execute(job('40 + 2'));
    expect(after.result).toEqual({
      ok: true,
      response: { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '42' },
    });
  }, 30_000);

  it('print output is captured and capped', async () => {
    const report = await executor.execute(job('for i in 0..1000 { print(`line ${i}`); } "done"'));
    expect(report.result.ok).toBe(true);
    expect(report.output.startsWith('line 0\nline 1\n')).toBe(true);
    expect(report.output).toMatch(/output truncated at 1024 bytes$/);
  });
});

describe('isolation', () => {
  it('other scripts keep running while a runaway script burns a worker', async () => {
    const runaway = executor.execute(
      job('let x = 0; loop { x += 1; }', { maxOperations: 1e15, timeoutMs: 3_000 }),
    );
    const started = performance.now();
    const quick = await Promise.all(Array.from({ length: 20 }, (_, i) => executor.execute(job(`${i} * 2`))));
    const quickDone = performance.now() - started;
    expect(quick.every((r) => r.result.ok)).toBe(true);
    // The quick jobs did not wait for the runaway one to hit its deadline.
    expect(quickDone).toBeLessThan(2_000);
    expect((await runaway).result).toMatchObject({
      ok: false,
      error: { code: 'PICLOUD_ERR_SCRIPT_TIMEOUT' },
    });
  });

  it('one script cannot occupy every worker', async () => {
    const hog = job('let x = 0; loop { x += 1; }', { maxOperations: 1e15, timeoutMs: 3_000 });
    const hogs = Array.from({ length: 3 }, () => executor.execute(hog));
    const started = performance.now();
    const other = await executor.execute(job('"still served"'));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(other.result.ok).toBe(true);
    await Promise.all(hogs);
  });

  it('several different runaway scripts share all workers but one once they are known to be heavy', async () => {
    const runaways = Array.from({ length: 3 }, () =>
      job('let x = 0; loop { x += 1; }', { maxOperations: 1e15, timeoutMs: 2_500 }),
    );
    const learn = runaways.map((runaway) => ({ ...runaway, limits: { ...runaway.limits, timeoutMs: 100 } }));
    // 1. Each runs once and is learnt to be heavy (it hit its deadline).
    for (const runaway of learn) await executor.execute(runaway);
    // 2. All at once now: a quick script still finds a free worker.
    const busy = runaways.map((runaway) => executor.execute(runaway));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = performance.now();
    const quick = await executor.execute(job('"quick"'));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(quick.result.ok).toBe(true);
    await Promise.all(busy);
  });
});

describe('values that cannot be handed to a worker (issue 13, item 1)', () => {
  /** Arrays nested `depth` deep: far past what the structured clone's recursion can copy. */
  function nested(depth: number): unknown {
    let value: unknown = [];
    for (let i = 1; i < depth; i++) value = [value];
    return value;
  }

  it('fail alone with 400 PICLOUD_ERR_EXECUTOR_UNSENDABLE, hold no worker, and the jobs behind them run at once', async () => {
    const before = replaced.length;
    const deep = () => {
      const unsendable = job('"never runs"');
      return { ...unsendable, request: { ...unsendable.request, body: nested(200_000) } };
    };
    const started = performance.now();
    // More than there are workers, mixed with ordinary jobs, so some wait in the queue and are handed
    // over later from the pool's own callbacks (a worker's answer), not from this call.
    const reports = await Promise.all([
      executor.execute(deep()),
      executor.execute(deep()),
      executor.execute(job('"first"')),
      executor.execute(deep()),
      executor.execute(deep()),
      executor.execute(job('"second"')),
    ]);
    // Nothing waited for a deadline (2 s plus a second of grace).
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(
      reports.map((report) => (report.result.ok ? report.result.response.body : report.result.error)),
    ).toEqual([
      expect.objectContaining({ code: 'PICLOUD_ERR_EXECUTOR_UNSENDABLE', status: 400 }),
      expect.objectContaining({ code: 'PICLOUD_ERR_EXECUTOR_UNSENDABLE', status: 400 }),
      'first',
      expect.objectContaining({ code: 'PICLOUD_ERR_EXECUTOR_UNSENDABLE', status: 400 }),
      expect.objectContaining({ code: 'PICLOUD_ERR_EXECUTOR_UNSENDABLE', status: 400 }),
      'second',
    ]);
    // No worker was replaced: none ever received the job.
    expect(replaced.length).toBe(before);
  });

  it('a thrown map holding a 4 MiB string is a thrown error with a short message, from a worker that stays in service', async () => {
    const before = replaced.length;
    const report = await executor.execute(
      job('let s = "x"; s.pad(4194304, "y"); throw #{ status: 422, big: s }', {
        maxStringSize: 8 * 1024 * 1024,
        maxOperations: 1e9,
        timeoutMs: 10_000,
      }),
    );
    expect(report.result.ok).toBe(false);
    if (report.result.ok) return;
    expect(report.result.error).toMatchObject({ code: 'PICLOUD_ERR_SCRIPT_THROWN', status: 422 });
    expect(Buffer.byteLength(report.result.error.message)).toBeLessThanOrEqual(64 * 1024);
    expect(replaced.length).toBe(before);
  }, 15_000);

  it('a thrown map nested past 64 levels comes back cut at 64, from a worker that stays in service', async () => {
    const before = replaced.length;
    const report = await executor.execute(
      job('let a = []; for i in 0..5000 { a = [a]; } throw #{ status: 422, deep: a }', {
        maxOperations: 1e9,
        timeoutMs: 10_000,
      }),
    );
    expect(report.result.ok).toBe(false);
    if (report.result.ok) return;
    expect(report.result.error).toMatchObject({ code: 'PICLOUD_ERR_SCRIPT_THROWN', status: 422 });
    const text = JSON.stringify(report.result.error.details?.deep);
    expect(text).toBe(`${'['.repeat(64)}"(nested too deeply)"${']'.repeat(64)}`);
    expect(replaced.length).toBe(before);
  }, 15_000);
});
