/**
 * Cron and queue triggers on the whole appliance (real executor, real database, pg-boss): a
 * per-second cron fires within a second of its schedule and tells the script why it runs; with two
 * appliances on one database each fire still runs once; a queue message runs its consumer; a failing
 * consumer is retried with growing delays, lands in dead letters, and replays once fixed; a removed
 * trigger runs no more; `queue::send` from a script.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';

let pc: TestAppliance;
let second: TestAppliance;

/** A run of the execution log, with what the script printed parsed (one JSON value per line). */
interface Run {
  id: string;
  trigger: string;
  status: string;
  started_at: string;
  error: { code: string; message: string } | null;
  request: { method: string; path: string } | null;
  printed: any[];
}

async function runsOf(app: string, script: string): Promise<Run[]> {
  const response = await pc.api('GET', `/api/v1/admin/logs?app=${app}&script=${script}&limit=200`);
  expect(response.status).toBe(200);
  return (response.body.items as any[])
    .map((item) => ({
      ...item,
      printed: (item.output as string)
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line)),
    }))
    .reverse();
}

/** Polls until `check` returns a value (not undefined), or fails after `ms`. */
async function eventually<T>(check: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function createScript(app: string, name: string, source: string): Promise<{ id: string }> {
  const response = await pc.api('POST', '/api/v1/admin/scripts', { app, name, source });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

async function createTrigger(app: string, body: Record<string, unknown>): Promise<{ id: string }> {
  const response = await pc.api('POST', `/api/v1/admin/apps/${app}/triggers`, body);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

beforeAll(async () => {
  pc = await startTestAppliance();
  second = await startTestAppliance({}, pc.database);
  for (const slug of ['clock', 'work', 'twice']) {
    expect((await pc.api('POST', '/api/v1/admin/apps', { slug, name: slug })).status).toBe(201);
  }
});
afterAll(async () => {
  await second?.stop();
  await pc?.stop();
});

describe('cron', () => {
  it('fires a per-second schedule within a second, tells the script why, and stops when removed', async () => {
    const script = await createScript('clock', 'tick', 'print(ctx.trigger.to_json()); #{ ok: true }');
    const trigger = await createTrigger('clock', {
      script: 'tick',
      kind: 'cron',
      schedule: '* * * * * *',
      timezone: 'Europe/Paris',
    });

    const runs = await eventually(
      async () => {
        const found = await runsOf('clock', script.id);
        return found.length >= 3 ? found : undefined;
      },
      8_000,
      'three cron runs',
    );
    for (const run of runs) {
      expect(run.trigger).toBe('cron');
      expect(run.status).toBe('ok');
      const [why] = run.printed;
      expect(why).toEqual({
        kind: 'cron',
        schedule: '* * * * * *',
        timezone: 'Europe/Paris',
        scheduled_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/),
      });
      const lateMs = Date.parse(run.started_at) - Date.parse(why.scheduled_at);
      expect(lateMs, `started ${run.started_at} for ${why.scheduled_at}`).toBeGreaterThanOrEqual(0);
      expect(lateMs).toBeLessThan(1_000);
    }
    const scheduled = runs.map((run) => Date.parse(run.printed[0].scheduled_at));
    expect(new Set(scheduled).size).toBe(scheduled.length);

    const shown = await pc.api('GET', `/api/v1/admin/apps/clock/triggers/${trigger.id}`);
    expect(shown.body.last_fired_at).not.toBeNull();
    expect(Date.parse(shown.body.next_fire_at)).toBeGreaterThan(Date.now() - 1_000);

    expect((await pc.api('DELETE', `/api/v1/admin/apps/clock/triggers/${trigger.id}`)).status).toBe(204);
    await sleep(300); // the change reaches both schedulers; a run already claimed may finish
    const before = (await runsOf('clock', script.id)).length;
    await sleep(2_000);
    expect((await runsOf('clock', script.id)).length).toBe(before);
  });

  // Both appliances load the trigger (through NOTIFY) and wake for every fire; the first claim wins.
  it('runs each fire once with two appliances on one database', async () => {
    const script = await createScript('twice', 'once', 'print(ctx.trigger.to_json()); ()');
    const trigger = await createTrigger('twice', { script: 'once', kind: 'cron', schedule: '* * * * * *' });
    await sleep(4_500);
    await pc.api('PATCH', `/api/v1/admin/apps/twice/triggers/${trigger.id}`, { enabled: false });
    await sleep(1_500);
    const runs = await runsOf('twice', script.id);
    const scheduled = runs.map((run) => Date.parse(run.printed[0].scheduled_at)).sort((a, b) => a - b);
    expect(scheduled.length).toBeGreaterThanOrEqual(3);
    // Every second between the first and the last fire ran, and none twice.
    expect(new Set(scheduled).size).toBe(scheduled.length);
    expect((scheduled[scheduled.length - 1] - scheduled[0]) / 1000 + 1).toBe(scheduled.length);
  });
});

describe('queues', () => {
  it('runs the consumer for a message posted through the API', async () => {
    const script = await createScript(
      'work',
      'consume',
      'print(ctx.trigger.to_json()); print(ctx.body.to_json()); print(ctx.method.to_json()); ()',
    );
    await createTrigger('work', { script: 'consume', kind: 'queue', queue: 'jobs' });
    const sent = await pc.api('POST', '/api/v1/admin/apps/work/queues/jobs/messages', {
      payload: { order: 42, items: ['a', 'b'] },
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    expect(sent.body).toEqual({ message_id: expect.any(String), queue: 'jobs' });

    const [run] = await eventually(
      async () => {
        const found = await runsOf('work', script.id);
        return found.length > 0 ? found : undefined;
      },
      5_000,
      'the consumer run',
    );
    expect(run.trigger).toBe('queue');
    expect(run.status).toBe('ok');
    expect(run.printed).toEqual([
      { kind: 'queue', queue: 'jobs', message_id: sent.body.message_id, attempt: 1 },
      { order: 42, items: ['a', 'b'] },
      'POST',
    ]);
  });

  it('sends from a script with queue::send', async () => {
    const consumer = await createScript('work', 'audit', 'print(ctx.body.to_json()); ()');
    await createTrigger('work', { script: 'audit', kind: 'queue', queue: 'audit' });
    const producer = await createScript(
      'work',
      'produce',
      'let id = queue::send("audit", #{ from: "script" }); id',
    );
    await sleep(200); // /execute serves what the routing snapshot knows
    const response = await pc.api('POST', `/api/v1/execute/${producer.id}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const [run] = await eventually(
      async () => {
        const found = await runsOf('work', consumer.id);
        return found.length > 0 ? found : undefined;
      },
      5_000,
      'the consumer of a script-sent message',
    );
    expect(run.printed).toEqual([{ from: 'script' }]);
    // A queue run answers no HTTP request; the producer, run by /execute, did.
    expect(run.request).toBeNull();
    const [produced] = await runsOf('work', producer.id);
    expect(produced.request).toMatchObject({ method: 'POST', path: `/api/v1/execute/${producer.id}` });

    const unknown = await createScript('work', 'lost', 'queue::send("nobody-consumes-this", 1)');
    await sleep(200);
    const refused = await pc.api('POST', `/api/v1/execute/${unknown.id}`);
    expect(refused.status).toBe(500);
    expect(JSON.stringify(refused.body)).toContain('QUEUE_NOT_FOUND');
    // The function is named once, by the SDK: "queue::send failed (QUEUE_NOT_FOUND): no trigger…".
    expect(refused.body.error.message).toBe(
      'queue::send failed (QUEUE_NOT_FOUND): no trigger of the app consumes this queue: add a queue trigger for it first',
    );
  });

  it('retries a failing consumer with growing delays, then keeps it as a dead letter to replay once fixed', async () => {
    const script = await createScript(
      'work',
      'flaky',
      'print(ctx.trigger.to_json()); if ctx.body.fail { throw "boom" } ()',
    );
    await createTrigger('work', {
      script: 'flaky',
      kind: 'queue',
      queue: 'flaky',
      max_attempts: 3,
      backoff_seconds: 1,
    });
    const sent = await pc.api('POST', '/api/v1/admin/apps/work/queues/flaky/messages', {
      payload: { fail: true, n: 7 },
    });
    expect(sent.status).toBe(202);

    // 1. Three attempts, then a dead letter.
    const letters = await eventually(
      async () => {
        const list = await pc.api('GET', '/api/v1/admin/apps/work/dead-letters?queue=flaky');
        return list.body.items.length > 0 ? list.body.items : undefined;
      },
      20_000,
      'the dead letter',
    );
    expect(letters).toEqual([
      expect.objectContaining({
        id: sent.body.message_id,
        queue: 'flaky',
        attempts: 3,
        error: expect.objectContaining({
          code: 'PICLOUD_ERR_SCRIPT_THROWN',
          message: expect.stringContaining('boom'),
        }),
        replayed_at: null,
      }),
    ]);
    expect(letters[0]).not.toHaveProperty('payload');

    // 2. Each retry waited longer: about backoff × 2^(n-1) to twice that before retry n.
    const runs = await eventually(
      async () => {
        const found = await runsOf('work', script.id);
        return found.length === 3 ? found : undefined;
      },
      2_000,
      'the logs of three attempts',
    );
    expect(runs.map((run) => [run.status, run.printed[0].attempt])).toEqual([
      ['error', 1],
      ['error', 2],
      ['error', 3],
    ]);
    const gaps = runs.slice(1).map((run, i) => Date.parse(run.started_at) - Date.parse(runs[i].started_at));
    expect(gaps[0]).toBeGreaterThanOrEqual(1_000);
    expect(gaps[0]).toBeLessThan(3_000);
    expect(gaps[1]).toBeGreaterThanOrEqual(2_000);
    expect(gaps[1]).toBeLessThan(5_000);
    expect(Date.parse(letters[0].last_failed_at)).toBeGreaterThan(Date.parse(letters[0].first_failed_at));

    // 3. Inspect: the payload and the last error.
    const inspected = await pc.api('GET', `/api/v1/admin/apps/work/dead-letters/${letters[0].id}`);
    expect(inspected.status).toBe(200);
    expect(inspected.body.payload).toEqual({ fail: true, n: 7 });

    // 4. Fix the script, replay: the message runs again, once.
    await pc.api('PATCH', `/api/v1/admin/scripts/${script.id}`, {
      source: 'print(ctx.trigger.to_json()); print(ctx.body.to_json()); ()',
    });
    await sleep(200);
    const replay = await pc.api('POST', `/api/v1/admin/apps/work/dead-letters/${letters[0].id}/replay`);
    expect(replay.status, JSON.stringify(replay.body)).toBe(202);
    expect(replay.body.message_id).not.toBe(letters[0].id);
    expect(replay.body.dead_letter.replayed_at).not.toBeNull();
    const replayed = await eventually(
      async () => {
        const found = await runsOf('work', script.id);
        return found.length === 4 ? found[3] : undefined;
      },
      5_000,
      'the replayed run',
    );
    expect(replayed.status).toBe('ok');
    expect(replayed.printed).toEqual([
      { kind: 'queue', queue: 'flaky', message_id: replay.body.message_id, attempt: 1 },
      { fail: true, n: 7 },
    ]);
    const again = await pc.api('POST', `/api/v1/admin/apps/work/dead-letters/${letters[0].id}/replay`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('PICLOUD_ERR_DEAD_LETTER_REPLAYED');
  });

  it('drops the queue with its trigger: nothing more runs, sending is refused', async () => {
    const script = await createScript('work', 'gone', 'print(ctx.body.to_json()); ()');
    const trigger = await createTrigger('work', { script: 'gone', kind: 'queue', queue: 'gone' });
    await pc.api('PATCH', `/api/v1/admin/apps/work/triggers/${trigger.id}`, { enabled: false });
    await sleep(200);
    expect(
      (await pc.api('POST', '/api/v1/admin/apps/work/queues/gone/messages', { payload: 1 })).status,
    ).toBe(202);
    await sleep(2_500);
    expect(await runsOf('work', script.id)).toEqual([]);
    expect((await pc.api('DELETE', `/api/v1/admin/apps/work/triggers/${trigger.id}`)).status).toBe(204);
    const refused = await pc.api('POST', '/api/v1/admin/apps/work/queues/gone/messages', { payload: 2 });
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe('PICLOUD_ERR_QUEUE_NOT_FOUND');
    await sleep(2_500);
    expect(await runsOf('work', script.id)).toEqual([]);
  });
});
