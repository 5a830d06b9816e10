/**
 * Runs suspend at a service call instead of blocking their worker: one worker holds many runs,
 * interleaved while they wait, each with its own state and limits. On a real worker thread, with
 * an in-memory stand-in for the manager's services whose calls answer after a delay chosen per call.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExecutionJob, ExecutionLimits } from '../../server/contracts/executor.js';
import type { ScriptServices, ServiceCall, ServiceOutcome } from '../../server/contracts/script-services.js';
import { scriptWorkerFile } from '../../server/executor/local-executor.js';
import { WorkerPool } from '../../server/executor/worker-pool.js';
import { Engine, RhaiError, Suspension, toJs, type Value } from '../../server/rhai/index.js';

const LIMITS: ExecutionLimits = {
  maxOperations: 200_000,
  timeoutMs: 3_000,
  maxResponseBytes: 64 * 1024,
  maxOutputBytes: 1024,
  maxCallLevels: 64,
  maxStringSize: 1024 * 1024,
  maxArraySize: 100_000,
  maxMapSize: 10_000,
};

/**
 * KV per app in memory; a call answers after the number of milliseconds after a `~` in the
 * collection's name (`"c~300"` is collection `c`, answered after 300 ms), or at once.
 */
class DelayedServices implements ScriptServices {
  readonly kv = new Map<string, unknown>();
  inFlight = 0;
  maxInFlight = 0;

  async call(appId: string, { service, op, args }: ServiceCall): Promise<ServiceOutcome> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const [, collection, wait] = /^(.*?)(?:~(\d+))?$/.exec(String(args[0])) ?? [];
      if (wait !== undefined) await sleep(Number(wait));
      const id = `${appId}/${collection}/${args[1]}`;
      if (service === 'kv' && op === 'get') return { ok: true, value: this.kv.get(id) ?? null };
      if (service === 'kv' && op === 'set') {
        this.kv.set(id, args[2]);
        return { ok: true, value: null };
      }
      return { ok: false, reason: 'UNSUPPORTED', message: `${service}.${op}` };
    } finally {
      this.inFlight -= 1;
    }
  }
}

let nextId = 0;
const ids = new Map<string, string>();
/** One script id per source (workers keep compiled scripts by id and version). */
function scriptId(source: string): string {
  let id = ids.get(source);
  if (id === undefined) {
    id = `script-${ids.size}`;
    ids.set(source, id);
  }
  return id;
}
function job(source: string, query: Record<string, string> = {}, appId = 'app'): ExecutionJob {
  nextId += 1;
  return {
    script: { id: scriptId(source), version: 1, name: 'suspends', source },
    request: {
      method: 'GET',
      path: '/x',
      params: {},
      query,
      headers: {},
      body: null,
      app: { id: appId, slug: appId },
      request_id: `req-${nextId}`,
    },
    limits: LIMITS,
  };
}

let pool: WorkerPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

function onePool(services: ScriptServices): WorkerPool {
  pool = new WorkerPool({ size: 1, workerFile: scriptWorkerFile(), memoryLimitMb: 64, services });
  return pool;
}

function body(report: Awaited<ReturnType<WorkerPool['run']>>): unknown {
  if (!report.result.ok) throw new Error(`run failed: ${JSON.stringify(report.result.error)}`);
  return JSON.parse(String(report.result.response.body));
}

describe('runs suspend at service calls', () => {
  it('one worker serves 40 runs waiting 400 ms each at the same time, and answers others meanwhile', async () => {
    const services = new DelayedServices();
    const workers = onePool(services);
    const started = performance.now();
    let firstWaitingDone = Number.POSITIVE_INFINITY;
    const waiting = Array.from({ length: 40 }, (_, i) =>
      workers.run(job(`kv::get("c~400", "k"); ${i}`)).then((report) => {
        firstWaitingDone = Math.min(firstWaitingDone, performance.now());
        return report;
      }),
    );
    await sleep(50);
    const quick = await workers.run(job('40 + 2'));
    const quickDone = performance.now();
    const reports = await Promise.all(waiting);
    const allMs = performance.now() - started;
    expect(body(quick)).toBe(42);
    // Answered while all 40 were still waiting on the worker.
    expect(quickDone).toBeLessThan(firstWaitingDone);
    expect(reports.map(body)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // Blocking, one at a time, would take 16 s.
    expect(allMs).toBeLessThan(4_000);
    expect(services.maxInFlight).toBe(40);
  });

  it("interleaved runs on one worker never see each other's state", async () => {
    // Each run keeps its identity in a variable, a top-level constant, a script function's result
    // and its printed output across two waits whose lengths differ per run, so runs resume in
    // another order than they started.
    const source = `
      const ID = ctx.query.id;
      fn who() { global::ID }
      let mine = ctx.query.id;
      let list = [mine];
      print("start " + mine);
      kv::set("c~" + ctx.query.first, "k-" + mine, mine);
      list.push(who());
      let got = kv::get("c~" + ctx.query.second, "k-" + mine);
      print("end " + mine);
      #{ id: mine, constant: ID, list: list, got: got, again: who() }`;
    const services = new DelayedServices();
    const workers = onePool(services);
    const runs = Array.from({ length: 30 }, (_, i) =>
      workers.run(
        job(source, { id: `run-${i}`, first: String((i * 37) % 200), second: String((i * 53) % 170) }),
      ),
    );
    const reports = await Promise.all(runs);
    reports.forEach((report, i) => {
      const id = `run-${i}`;
      expect(body(report)).toEqual({ id, constant: id, list: [id, id], got: id, again: id });
      expect(report.output).toBe(`start ${id}\nend ${id}`);
    });
    expect(services.maxInFlight).toBeGreaterThan(1);
  });

  it("a suspended run's service calls act for its own app only", async () => {
    const services = new DelayedServices();
    const workers = onePool(services);
    const source = 'kv::set("c~100", "k", ctx.query.v); [kv::get("c~100", "k")]';
    const [a, b] = await Promise.all([
      workers.run(job(source, { v: 'a' }, 'app-a')),
      workers.run(job(source, { v: 'b' }, 'app-b')),
    ]);
    expect(body(a)).toEqual(['a']);
    expect(body(b)).toEqual(['b']);
    expect(services.kv.get('app-a/c/k')).toBe('a');
    expect(services.kv.get('app-b/c/k')).toBe('b');
  });

  it('limits apply to a run across its suspensions: operations add up, the deadline counts waiting', async () => {
    const services = new DelayedServices();
    const workers = onePool(services);
    // 150,000 operations before the call and as many after: over the 200,000 budget only together.
    const loop = 'let n = 0; while n < 50000 { n += 1; }';
    const counted = await workers.run(job(`${loop} kv::get("c~20", "k"); ${loop} n`));
    expect(counted.result.ok).toBe(false);
    if (!counted.result.ok) expect(counted.result.error.code).toBe('PICLOUD_ERR_SCRIPT_LIMIT');
    const started = performance.now();
    const late = await workers.run(job('kv::get("c~10000", "k")'));
    const ms = performance.now() - started;
    expect(late.result.ok).toBe(false);
    if (!late.result.ok) expect(late.result.error.code).toBe('PICLOUD_ERR_SCRIPT_TIMEOUT');
    expect(ms).toBeGreaterThanOrEqual(LIMITS.timeoutMs - 50);
    expect(ms).toBeLessThan(LIMITS.timeoutMs + 1_000);
    // The worker is not stuck: it serves the next run at once.
    expect(body(await workers.run(job('1 + 1')))).toBe(2);
  });

  it('inside a callback a call cannot suspend: it waits in place and still answers', async () => {
    const services = new DelayedServices();
    const workers = onePool(services);
    const report = await workers.run(
      job('kv::set("c", "k", 5); [1, 2].map(|x| kv::get("c~20", "missing") ?? x + kv::get("c", "k"))'),
    );
    expect(body(report)).toEqual([6, 7]);
  });
});

describe('what the engine compiles to suspend', () => {
  /** An engine with a host module `svc` whose `ask(x)` suspends with request `x`. */
  function engine(): Engine {
    const e = new Engine();
    e.registerModule('svc', {
      suspends: true,
      functions: [
        { name: 'ask', params: ['any'], fn: (_ctx, [x]) => new Suspension(x, (a) => a as Value) as never },
      ],
    });
    return e;
  }

  /** The requests a run suspended on (answered with request + 1), then its value. */
  function steps(e: Engine, source: string): unknown[] {
    const seen: unknown[] = [];
    // Where the run cannot suspend, the host answers 7 in place.
    const run = e.start(e.compile(source), undefined, { block: () => 7 });
    let step = run.next();
    while (!step.done) {
      seen.push(step.request);
      step = run.next((step.request as number) + 1);
    }
    seen.push(toJs(step.value));
    return seen;
  }

  it('suspends in the top level and in script functions that reach a call; blocks in closures and behind pointers', () => {
    const source = `
      fn inner(x) { svc::ask(x) + 1 }
      fn outer(x) { inner(x) * 10 }
      let a = outer(1);
      let b = [1].map(|x| svc::ask(100));
      let f = Fn("outer");
      let d = f.call(4);
      let e = svc::ask(50);
      [a, b, d, e]`;
    expect(steps(engine(), source)).toEqual([1, 50, [30, [7], 80, 51]]);
  });

  it('a function of an imported script module suspends too', () => {
    const e = engine();
    e.setModuleResolver({
      resolve: (path) => (path === 'lib' ? 'fn twice(x) { svc::ask(x) * 2 } fn plain(x) { x + 1 }' : null),
    });
    const source = 'import "lib" as lib; let a = lib::twice(5); let b = lib::plain(1); [a, b]';
    expect(steps(e, source)).toEqual([5, [12, 2]]);
  });

  it('a script without such calls runs straight through, and eval/evalRaw wait in place', () => {
    const e = engine();
    expect(steps(e, 'let x = 40; x + 2')).toEqual([42]);
    expect(
      e.eval('fn g() { svc::ask(1) } g() + svc::ask(2)', undefined, { block: (r) => (r as number) * 10 }),
    ).toBe(30);
    expect(() => e.eval('svc::ask(1)')).toThrow(/cannot wait/);
  });

  it('a try/catch around a suspended call catches the error its answer raises', () => {
    const e = new Engine();
    e.registerModule('svc', {
      suspends: true,
      functions: [
        {
          name: 'fail',
          params: [],
          fn: () =>
            new Suspension('x', () => {
              throw new RhaiError('ErrorRuntime', 'no', null, 'no');
            }) as never,
        },
      ],
    });
    const run = e.start(e.compile('try { svc::fail() } catch (err) { `caught ${err}` }'));
    const first = run.next();
    expect(first.done).toBe(false);
    const last = run.next('answer');
    expect(last.done && last.value).toBe('caught no');
  });
});
