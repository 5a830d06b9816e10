/**
 * The service bridge on real worker threads: a script's `kv::`, `http::`… calls block its worker
 * while the main thread performs them with an injected `ScriptServices` (here an in-memory fake with
 * artificial delays), for the job's app only, within the job's deadline.
 */
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionJob, ExecutionLimits, ScriptTrigger } from '../../server/contracts/executor.js';
import type { ScriptServices, ServiceCall, ServiceOutcome } from '../../server/contracts/script-services.js';
import { LocalExecutorClient, scriptWorkerFile } from '../../server/executor/local-executor.js';
import { BridgeHost } from '../../server/executor/service-bridge.js';
import { WorkerPool } from '../../server/executor/worker-pool.js';
import type { ExecutionRecord } from '../../server/manager/logs/execution-record.js';
import { dispatchToScript } from '../../server/orchestrator/dispatch.js';
import { PACKAGE_ROOT } from '../../server/paths.js';

const LIMITS: ExecutionLimits = {
  maxOperations: 200_000,
  timeoutMs: 2_000,
  maxResponseBytes: 64 * 1024,
  maxOutputBytes: 1024,
  maxCallLevels: 64,
  maxStringSize: 1024 * 1024,
  maxArraySize: 100_000,
  maxMapSize: 10_000,
};

/** Largest value the fake KV keeps (JSON characters). */
const MAX_VALUE = 100;

/**
 * An in-memory stand-in for the manager's services. Every call waits `delayMs` (a collection named
 * `slow` waits `slowMs`), so calls really are asynchronous; each call is recorded with its app.
 */
class FakeServices implements ScriptServices {
  readonly kv = new Map<string, unknown>();
  readonly calls: { appId: string; call: ServiceCall }[] = [];
  readonly late: string[] = [];
  delayMs = 1;
  slowMs = 5_000;
  private messages = 0;

  async call(appId: string, call: ServiceCall, deadline: number): Promise<ServiceOutcome> {
    this.calls.push({ appId, call });
    expect(deadline).toBeGreaterThan(Date.now() - 5_000);
    const slow = call.service === 'kv' && call.args[0] === 'slow';
    await sleep(slow ? this.slowMs : this.delayMs);
    if (slow) this.late.push(String(call.args[1]));
    return this.perform(appId, call);
  }

  private perform(appId: string, { service, op, args }: ServiceCall): ServiceOutcome {
    const id = (collection: unknown, key: unknown) => `${appId}/${collection}/${key}`;
    switch (`${service}.${op}`) {
      case 'kv.get':
        return { ok: true, value: this.kv.get(id(args[0], args[1])) ?? null };
      case 'kv.set': {
        const size = JSON.stringify(args[2]).length;
        if (size > MAX_VALUE) {
          return {
            ok: false,
            reason: 'KV_VALUE_TOO_LARGE',
            message: `the value is ${size} bytes, over the limit of ${MAX_VALUE}`,
          };
        }
        this.kv.set(id(args[0], args[1]), args[2]);
        return { ok: true, value: null };
      }
      case 'kv.incr': {
        const next = Number(this.kv.get(id(args[0], args[1])) ?? 0) + Number(args[2]);
        this.kv.set(id(args[0], args[1]), next);
        return { ok: true, value: next };
      }
      case 'http.request':
        return {
          ok: true,
          value: { status: 200, headers: { 'content-type': 'application/json' }, body: args[0] },
        };
      case 'queue.send':
        this.messages += 1;
        return { ok: true, value: `msg-${this.messages}` };
      case 'secret.get':
        return { ok: true, value: args[0] === 'token' ? `secret-of-${appId}` : null };
      default:
        return { ok: false, reason: 'UNKNOWN_OP', message: `${service}.${op}` };
    }
  }
}

let nextId = 0;
function job(
  source: string,
  app = 'app-a',
  limits: Partial<ExecutionLimits> = {},
  trigger?: ScriptTrigger,
): ExecutionJob {
  nextId += 1;
  return {
    script: { id: `script-${nextId}`, version: 1, name: `bridge-${nextId}`, source },
    request: {
      method: 'GET',
      path: '/x',
      params: {},
      query: {},
      headers: {},
      body: null,
      app: { id: app, slug: app },
      request_id: `req-${nextId}`,
      ...(trigger ? { trigger } : {}),
    },
    limits: { ...LIMITS, ...limits },
  };
}

/** The body of a successful report: parsed JSON, or the text of a string result. */
function body(report: Awaited<ReturnType<LocalExecutorClient['execute']>>): unknown {
  expect(report.result.ok, JSON.stringify(report.result)).toBe(true);
  if (!report.result.ok) return undefined;
  const { headers, body: text } = report.result.response;
  return headers['content-type']?.startsWith('application/json') ? JSON.parse(String(text)) : text;
}

const services = new FakeServices();
const replaced: string[] = [];
let executor: LocalExecutorClient;
beforeAll(() => {
  executor = new LocalExecutorClient({
    workers: 2,
    memoryLimitMb: 64,
    services,
    onWorkerExit: (reason) => replaced.push(reason),
  });
});
afterAll(async () => {
  await executor.close();
});

describe('calls inside one run', () => {
  it('round-trips a value through kv within one run', async () => {
    const report = await executor.execute(
      job(`kv::set("rooms", "kitchen", #{ temp: 21.5, lights: [true, false] });
           let back = kv::get("rooms", "kitchen");
           #{ back: back, missing: kv::get("rooms", "attic") }`),
    );
    expect(body(report)).toEqual({ back: { temp: 21.5, lights: [true, false] }, missing: null });
  });

  it('acts for the job’s app, whatever app names the script passes', async () => {
    services.calls.length = 0;
    const report = await executor.execute(
      job(
        `kv::set("app-b", "app-b", #{ app: "app-b", app_id: "app-b" });
         kv::incr("app-b", "counter", 5);
         queue::send("app-b", #{ app: "app-b" });
         http::get("http://app-b.lan/app-b", #{ headers: #{ "x-app": "app-b" } });
         secret::get("token")`,
        'app-a',
      ),
    );
    expect(body(report)).toBe('secret-of-app-a');
    expect(services.calls.map((c) => c.appId)).toEqual(['app-a', 'app-a', 'app-a', 'app-a', 'app-a']);
    // app-b's own data is untouched, and app-b reads nothing app-a wrote under the same names.
    expect(services.kv.has('app-b/app-b/app-b')).toBe(false);
    const other = await executor.execute(job('kv::get("app-b", "app-b")', 'app-b'));
    expect(body(other)).toBe(null);
  });

  it('serves many calls in a loop', async () => {
    const report = await executor.execute(
      job(`for i in 0..100 { kv::incr("loop", "n"); } kv::get("loop", "n")`, 'app-loop'),
    );
    expect(body(report)).toBe(100);
  });

  it('bounds a loop of calls by the operation budget', async () => {
    services.calls.length = 0;
    const report = await executor.execute(job('loop { kv::get("c", "k"); }', 'app-budget'));
    expect(report.result.ok).toBe(false);
    if (!report.result.ok) expect(report.result.error.kind).toBe('ErrorTooManyOperations');
    // 1,000 operations per call: at most 200 calls in a budget of 200,000.
    expect(services.calls.length).toBeGreaterThan(50);
    expect(services.calls.length).toBeLessThanOrEqual(200);
  });
});

describe('failures', () => {
  it('turns a failed call into a catchable error with its reason', async () => {
    const caught = await executor.execute(
      job(`let big = "x"; big.pad(500, "x");
           try { kv::set("c", "big", big); "stored" } catch (err) { err }`),
    );
    expect(body(caught)).toEqual({
      reason: 'KV_VALUE_TOO_LARGE',
      message: 'kv::set failed (KV_VALUE_TOO_LARGE): the value is 502 bytes, over the limit of 100',
    });

    const uncaught = await executor.execute(
      job(`let big = "x"; big.pad(500, "x");\nkv::set("c", "big", big);`),
    );
    expect(uncaught.result.ok).toBe(false);
    if (uncaught.result.ok) return;
    expect(uncaught.result.error).toMatchObject({
      code: 'PICLOUD_ERR_SCRIPT_RUNTIME',
      status: 500,
      message: expect.stringContaining('kv::set failed (KV_VALUE_TOO_LARGE)'),
      details: { reason: 'KV_VALUE_TOO_LARGE' },
      line: 2,
    });
  });

  it('refuses a value that is not JSON before calling', async () => {
    services.calls.length = 0;
    const report = await executor.execute(job('kv::set("c", "k", #{ items: [1, blob(2)] })'));
    expect(report.result.ok).toBe(false);
    if (!report.result.ok) {
      expect(report.result.error.message).toBe(
        'kv::set failed (BAD_ARGUMENTS): value, 2 levels deep, holds a BLOB, which is not JSON',
      );
    }
    expect(services.calls).toEqual([]);
  });

  it('answers SERVICE_UNAVAILABLE when the executor has no services', async () => {
    const bare = new LocalExecutorClient({ workers: 1, memoryLimitMb: 64 });
    try {
      const report = await bare.execute(job('try { kv::get("c", "k") } catch (err) { err.reason }'));
      expect(body(report)).toBe('SERVICE_UNAVAILABLE');
    } finally {
      await bare.close();
    }
  });
});

describe('deadlines', () => {
  it('times out a call to a slow service, drops its late answer, and keeps the worker serving', async () => {
    // 1. One worker, so the next job runs on the same thread as the one that timed out.
    const pool = new LocalExecutorClient({ workers: 1, memoryLimitMb: 64, services });
    services.slowMs = 1_500;
    try {
      body(await pool.execute(job('"warm"')));
      const started = performance.now();
      const slow = await pool.execute(job('kv::get("slow", "first")', 'app-slow', { timeoutMs: 200 }));
      expect(slow.result.ok).toBe(false);
      if (!slow.result.ok) {
        expect(slow.result.error.code).toBe('PICLOUD_ERR_SCRIPT_TIMEOUT');
        expect(slow.result.error.status).toBe(504);
      }
      // It did not wait for the answer (due at 1,500 ms).
      expect(performance.now() - started).toBeLessThan(1_000);
      // 2. The next job's calls take 800 ms each, so its kv::get is waiting when the first call's
      //    answer arrives: it must get its own answer, not the late one.
      services.delayMs = 800;
      const next = await pool.execute(
        job('kv::set("c", "k", "mine"); kv::get("c", "k")', 'app-next', { timeoutMs: 3_000 }),
      );
      expect(services.late).toContain('first');
      expect(body(next)).toBe('mine');
    } finally {
      services.delayMs = 1;
      services.slowMs = 5_000;
      await pool.close();
    }
  });

  it('terminates and replaces a worker blocked in Atomics.wait past the hard deadline', async () => {
    // A hard deadline before the engine's own: the pool kills the worker while its call still waits.
    const exits: string[] = [];
    const pool = new WorkerPool({
      size: 1,
      workerFile: scriptWorkerFile(),
      memoryLimitMb: 64,
      graceMs: -1_700,
      services,
      onWorkerExit: (reason) => exits.push(reason),
    });
    services.slowMs = 1_000;
    try {
      // Inside a callback the call cannot suspend: it blocks the worker (the documented fallback).
      const stuck = await pool.run(
        job('[1].map(|x| kv::get("slow", "stuck"))', 'app-stuck', { timeoutMs: 2_000 }),
      );
      expect(stuck.result.ok).toBe(false);
      if (!stuck.result.ok) {
        expect(stuck.result.error.code).toBe('PICLOUD_ERR_SCRIPT_TIMEOUT');
        expect(stuck.result.error.message).toMatch(/worker was stopped/);
      }
      expect(exits).toEqual(['terminated after its deadline']);
      const next = await pool.run(job('kv::set("c", "k", 7); kv::get("c", "k") + 1', 'app-stuck'));
      expect(next.result.ok && next.result.response.body).toBe('8');
    } finally {
      services.slowMs = 5_000;
      await pool.close();
    }
  });
});

describe('the worker’s end of the bridge', () => {
  it('skips a late answer and waits for its own, matched by id', async () => {
    // A host that answers everything (as if every run were current), so the late answer of a call
    // the worker gave up on reaches the worker while it waits for the next call's answer.
    const host = new BridgeHost(
      {
        call: async (_appId, call) => {
          await sleep(call.op === 'slow' ? 300 : 250);
          return { ok: true, value: call.op };
        },
      },
      () => ({ appId: 'app', deadline: Date.now() + 10_000 }),
    );
    const bridge = pathToFileURL(join(PACKAGE_ROOT, 'dist', 'server', 'executor', 'service-bridge.js'));
    const worker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       import(${JSON.stringify(bridge.href)}).then(({ BridgeClient }) => {
         const client = new BridgeClient(workerData);
         client.beginRun(1, Date.now() + 150);
         const first = client.call({ service: 'kv', op: 'slow', args: [] });
         client.beginRun(2, Date.now() + 5000);
         const second = client.call({ service: 'kv', op: 'fast', args: [] });
         parentPort.postMessage([first, second]);
       });`,
      { eval: true, workerData: host.workerData, transferList: host.transferList },
    );
    try {
      const [[first, second]] = (await once(worker, 'message')) as [ServiceOutcome[]];
      expect(first).toMatchObject({ ok: false, reason: 'TIMEOUT' });
      expect(second).toEqual({ ok: true, value: 'fast' });
    } finally {
      host.close();
      await worker.terminate();
    }
  });
});

describe('concurrency', () => {
  it('never mixes answers between jobs running on several workers', async () => {
    const pool = new LocalExecutorClient({ workers: 3, memoryLimitMb: 64, services });
    services.delayMs = 3;
    try {
      const apps = Array.from({ length: 12 }, (_, i) => `app-${i}`);
      const reports = await Promise.all(
        apps.map((app, i) =>
          pool.execute(
            job(
              `for n in 0..10 { kv::set("mine", "v" + n, #{ app: ctx.app.id, n: n, i: ${i} }); }
               let out = [];
               for n in 0..10 { out.push(kv::get("mine", "v" + n)); }
               out`,
              app,
            ),
          ),
        ),
      );
      reports.forEach((report, i) => {
        expect(body(report)).toEqual(Array.from({ length: 10 }, (_, n) => ({ app: `app-${i}`, n, i })));
      });
    } finally {
      services.delayMs = 1;
      await pool.close();
    }
  });
});

describe('ctx.trigger', () => {
  it('is http for a routed call and execute for a call by id', async () => {
    const records: ExecutionRecord[] = [];
    const app = Fastify();
    const script = {
      id: 'trigger-script',
      appId: 'app-t',
      name: 'trigger',
      version: 1,
      source: '#{ kind: ctx.trigger.kind, keys: ctx.trigger.keys() }',
      kind: 'endpoint' as const,
    };
    for (const trigger of ['http', 'execute'] as const) {
      app.get(`/${trigger}`, (request, reply) =>
        dispatchToScript(
          { executor, logSink: { record: (r) => records.push(r) }, limits: LIMITS },
          request,
          reply,
          { app: { id: 'app-t', slug: 't', corsOrigins: null }, script, params: {}, trigger },
        ),
      );
    }
    try {
      expect((await app.inject('/http')).json()).toEqual({ kind: 'http', keys: ['kind'] });
      expect((await app.inject('/execute')).json()).toEqual({ kind: 'execute', keys: ['kind'] });
      expect(records.map((r) => r.trigger)).toEqual(['http', 'execute']);
    } finally {
      await app.close();
    }
  });

  it('carries the cron and queue fields the job sets', async () => {
    const cron = await executor.execute(
      job(
        'ctx.trigger',
        'app-a',
        {},
        {
          kind: 'cron',
          schedule: '*/5 * * * *',
          timezone: 'Europe/Paris',
          scheduled_at: '2025-01-01T00:05:00.000Z',
        },
      ),
    );
    expect(body(cron)).toEqual({
      kind: 'cron',
      schedule: '*/5 * * * *',
      timezone: 'Europe/Paris',
      scheduled_at: '2025-01-01T00:05:00.000Z',
    });
    const queue = await executor.execute(
      job('ctx.trigger', 'app-a', {}, { kind: 'queue', queue: 'emails', message_id: 'm1', attempt: 2 }),
    );
    expect(body(queue)).toEqual({ kind: 'queue', queue: 'emails', message_id: 'm1', attempt: 2 });
  });
});

it('replaced no worker of the shared pool', () => {
  expect(replaced).toEqual([]);
});
