/**
 * `/api/v1/admin/apps/:app/triggers`, `/queues/:queue/messages` and `/dead-letters`: cron expressions
 * (seconds, zones) and queue names validated with clear messages, endpoint scripts of the same app
 * only, one consumer per queue; read / change / delete; sending a message; listing, inspecting and
 * replaying dead letters; the scopes each route needs.
 */
import { Kysely, PostgresDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change } from '../../server/contracts/changes.js';
import type { Database } from '../../server/db/schema.js';
import { recordDeadLetter } from '../../server/manager/triggers/dead-letter-store.js';
import { QueueBroker } from '../../server/manager/triggers/queue-broker.js';
import { createTestDatabase } from '../support/database.js';
import { createManagerTestServer, type ManagerTestServer } from '../support/manager-server.js';
import { MISSING_UUID, rows, runScenarios, scenario } from './scenario.js';

let t: ManagerTestServer;
beforeAll(async () => {
  t = await createManagerTestServer();
});
afterAll(async () => {
  await t?.close();
});
const server = () => t;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** "shop" with the endpoints "tick" and "work" and the module "util"; "other" with its own "tick". */
async function shop() {
  const app = await t.createApp('shop');
  const tick = await t.createScript('shop', 'tick');
  const work = await t.createScript('shop', 'work');
  const util = await t.createScript('shop', 'util', { kind: 'module', source: 'fn f() { 1 }' });
  const other = await t.createApp('other');
  const foreign = await t.createScript('other', 'tick');
  return { app, tick, work, util, other, foreign };
}
type Shop = Awaited<ReturnType<typeof shop>>;

/** shop() with a cron trigger on "tick" and a queue trigger "jobs" on "work". */
async function shopWithTriggers() {
  const f = await shop();
  const cron = await t.request('POST', '/admin/apps/shop/triggers', {
    script: 'tick',
    kind: 'cron',
    schedule: '*/10 * * * * *',
  });
  const queue = await t.request('POST', '/admin/apps/shop/triggers', {
    script: 'work',
    kind: 'queue',
    queue: 'jobs',
  });
  expect([cron.status, queue.status]).toEqual([201, 201]);
  return { ...f, cron: cron.body, queue: queue.body };
}
type WithTriggers = Shop & { cron: { id: string }; queue: { id: string } };

const triggersEvent = (f: { app: { id: string } }): Change[] => [{ topic: 'triggers', app: f.app.id }];
const triggerCount = async () => (await rows(t, 'SELECT count(*)::int AS n FROM triggers'))[0].n;

describe('create', () => {
  runScenarios(server, [
    scenario({
      name: 'creates a per-second cron trigger read in a time zone',
      setup: shop,
      method: 'POST',
      url: '/admin/apps/shop/triggers',
      body: { script: 'tick', kind: 'cron', schedule: '* * * * * *', timezone: 'Europe/Paris' },
      status: 201,
      events: triggersEvent,
      expect: (response, f: Shop) => {
        expect(response.body).toEqual({
          id: expect.stringMatching(UUID),
          app_id: f.app.id,
          script_id: f.tick.id,
          script_name: 'tick',
          kind: 'cron',
          schedule: '* * * * * *',
          timezone: 'Europe/Paris',
          queue: null,
          max_attempts: 1,
          backoff_seconds: 10,
          enabled: true,
          next_fire_at: expect.any(String),
          last_fired_at: null,
          created_at: expect.any(String),
          updated_at: expect.any(String),
        });
        const next = Date.parse(response.body.next_fire_at);
        expect(next).toBeGreaterThan(Date.now() - 1_000);
        expect(next).toBeLessThanOrEqual(Date.now() + 1_000);
      },
    }),
    scenario({
      name: 'creates a 5-field cron trigger in UTC by default, next fire on the minute',
      setup: shop,
      method: 'POST',
      url: '/admin/apps/shop/triggers',
      body: { script: 'tick', kind: 'cron', schedule: '  0   9 * * MON-FRI ' },
      status: 201,
      events: triggersEvent,
      expect: (response) => {
        expect(response.body).toMatchObject({ schedule: '0 9 * * MON-FRI', timezone: 'UTC' });
        expect(response.body.next_fire_at).toMatch(/T09:00:00\.000Z$/);
      },
    }),
    scenario({
      name: 'creates a queue trigger with its retry policy, by script id',
      setup: shop,
      method: 'POST',
      url: '/admin/apps/shop/triggers',
      body: (f: Shop) => ({
        script: f.work.id,
        kind: 'queue',
        queue: 'orders.v1',
        max_attempts: 5,
        backoff_seconds: 2,
        enabled: false,
      }),
      status: 201,
      events: triggersEvent,
      json: {
        kind: 'queue',
        script_name: 'work',
        queue: 'orders.v1',
        schedule: null,
        timezone: null,
        max_attempts: 5,
        backoff_seconds: 2,
        enabled: false,
        next_fire_at: null,
      },
    }),
  ]);
});

/** A create that must fail with `code`, mentioning `mentions`, and store nothing. */
function refused(name: string, body: object, status: number, code: any, mentions?: RegExp) {
  return scenario({
    name,
    setup: shopWithTriggers,
    method: 'POST',
    url: '/admin/apps/shop/triggers',
    body,
    status,
    code,
    expect: async (response) => {
      if (mentions) expect(response.body.error.message).toMatch(mentions);
      expect(await triggerCount()).toBe(2);
    },
  });
}

describe('validation', () => {
  runScenarios(server, [
    refused(
      'a field out of range',
      { script: 'tick', kind: 'cron', schedule: '61 * * * *' },
      400,
      'PICLOUD_ERR_TRIGGER_INVALID',
      /Invalid schedule "61 \* \* \* \*": .*61.*range 0-59/,
    ),
    refused(
      'too few fields',
      { script: 'tick', kind: 'cron', schedule: '* * *' },
      400,
      'PICLOUD_ERR_TRIGGER_INVALID',
      /has 3 fields; a schedule has 5 fields .* or 6 fields "second minute/,
    ),
    refused(
      'seven fields',
      { script: 'tick', kind: 'cron', schedule: '* * * * * * *' },
      400,
      'PICLOUD_ERR_TRIGGER_INVALID',
      /has 7 fields/,
    ),
    refused(
      'a day that never comes',
      { script: 'tick', kind: 'cron', schedule: '0 0 30 2 *' },
      400,
      'PICLOUD_ERR_TRIGGER_INVALID',
      /Invalid schedule/,
    ),
    refused(
      'gibberish',
      { script: 'tick', kind: 'cron', schedule: 'every monday' },
      400,
      'PICLOUD_ERR_TRIGGER_INVALID',
      /every monday/,
    ),
    refused(
      'an unknown time zone',
      { script: 'tick', kind: 'cron', schedule: '0 * * * *', timezone: 'Mars/Olympus_Mons' },
      400,
      'PICLOUD_ERR_TRIGGER_INVALID',
      /Unknown time zone "Mars\/Olympus_Mons".*IANA/,
    ),
    refused(
      'an offset instead of a zone',
      { script: 'tick', kind: 'cron', schedule: '0 * * * *', timezone: '+02:00' },
      400,
      'PICLOUD_ERR_TRIGGER_INVALID',
      /Unknown time zone/,
    ),
    refused(
      'a cron trigger without a schedule',
      { script: 'tick', kind: 'cron' },
      400,
      'PICLOUD_ERR_TRIGGER_INVALID',
      /needs a schedule/,
    ),
    refused(
      'retries on a cron trigger',
      { script: 'tick', kind: 'cron', schedule: '0 * * * *', max_attempts: 3 },
      400,
      'PICLOUD_ERR_TRIGGER_INVALID',
      /no max_attempts.*not retried/,
    ),
    refused(
      'a queue on a cron trigger',
      { script: 'tick', kind: 'cron', schedule: '0 * * * *', queue: 'x' },
      400,
      'PICLOUD_ERR_TRIGGER_INVALID',
      /no queue/,
    ),
    refused(
      'a schedule on a queue trigger',
      { script: 'work', kind: 'queue', queue: 'q', schedule: '0 * * * *', timezone: 'UTC' },
      400,
      'PICLOUD_ERR_TRIGGER_INVALID',
      /A queue trigger has no schedule, timezone/,
    ),
    refused(
      'a queue trigger without a queue',
      { script: 'work', kind: 'queue' },
      400,
      'PICLOUD_ERR_TRIGGER_INVALID',
      /needs the name of the queue/,
    ),
    refused(
      'a bad queue name',
      { script: 'work', kind: 'queue', queue: 'has space' },
      400,
      'PICLOUD_ERR_TRIGGER_INVALID',
      /Invalid queue name "has space"/,
    ),
    refused(
      'a queue another trigger consumes',
      { script: 'tick', kind: 'queue', queue: 'jobs' },
      409,
      'PICLOUD_ERR_TRIGGER_QUEUE_TAKEN',
      /"jobs"/,
    ),
    refused(
      'a module',
      { script: 'util', kind: 'cron', schedule: '0 * * * *' },
      400,
      'PICLOUD_ERR_TRIGGER_INVALID',
      /"util" is a module/,
    ),
    refused(
      "another app's script",
      { script: MISSING_UUID, kind: 'cron', schedule: '0 * * * *' },
      404,
      'PICLOUD_ERR_SCRIPT_NOT_FOUND',
    ),
    refused('an unknown kind', { script: 'tick', kind: 'webhook' }, 400, 'PICLOUD_ERR_HTTP_VALIDATION'),
    refused(
      'zero attempts',
      { script: 'work', kind: 'queue', queue: 'q', max_attempts: 0 },
      400,
      'PICLOUD_ERR_HTTP_VALIDATION',
    ),
    refused(
      'an unknown field',
      { script: 'work', kind: 'queue', queue: 'q', delay: 3 },
      400,
      'PICLOUD_ERR_HTTP_VALIDATION',
    ),
  ]);

  it('refuses a script of another app, named by its id', async () => {
    await t.reset();
    const f = await shop();
    const response = await t.request('POST', '/admin/apps/shop/triggers', {
      script: f.foreign.id,
      kind: 'cron',
      schedule: '0 * * * *',
    });
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('PICLOUD_ERR_SCRIPT_NOT_FOUND');
  });
});

describe('read, change, delete', () => {
  runScenarios(server, [
    scenario({
      name: 'lists cron then queue triggers',
      setup: shopWithTriggers,
      method: 'GET',
      url: '/admin/apps/shop/triggers',
      status: 200,
      expect: (response, f: WithTriggers) =>
        expect(response.body.items.map((item: { id: string }) => item.id)).toEqual([f.cron.id, f.queue.id]),
    }),
    scenario({
      name: 'gets one',
      setup: shopWithTriggers,
      method: 'GET',
      url: (f: WithTriggers) => `/admin/apps/shop/triggers/${f.queue.id}`,
      status: 200,
      json: { queue: 'jobs', max_attempts: 3, backoff_seconds: 10 },
    }),
    scenario({
      name: 'an unknown trigger is a 404',
      setup: shopWithTriggers,
      method: 'GET',
      url: `/admin/apps/shop/triggers/${MISSING_UUID}`,
      status: 404,
      code: 'PICLOUD_ERR_TRIGGER_NOT_FOUND',
    }),
    scenario({
      name: "another app's trigger is a 404",
      setup: shopWithTriggers,
      method: 'GET',
      url: (f: WithTriggers) => `/admin/apps/other/triggers/${f.cron.id}`,
      status: 404,
      code: 'PICLOUD_ERR_TRIGGER_NOT_FOUND',
    }),
    scenario({
      name: 'changes the schedule and zone',
      setup: shopWithTriggers,
      method: 'PATCH',
      url: (f: WithTriggers) => `/admin/apps/shop/triggers/${f.cron.id}`,
      body: { schedule: '30 0 12 * * *', timezone: 'Asia/Tokyo' },
      status: 200,
      events: triggersEvent,
      json: { schedule: '30 0 12 * * *', timezone: 'Asia/Tokyo', max_attempts: 1 },
      expect: (response) => expect(response.body.next_fire_at).toMatch(/T03:00:30\.000Z$/),
    }),
    scenario({
      name: 'a bad new schedule changes nothing',
      setup: shopWithTriggers,
      method: 'PATCH',
      url: (f: WithTriggers) => `/admin/apps/shop/triggers/${f.cron.id}`,
      body: { schedule: '* * * * 8' },
      status: 400,
      code: 'PICLOUD_ERR_TRIGGER_INVALID',
      after: async (f) => {
        const [row] = await rows(t, 'SELECT schedule FROM triggers WHERE id = $1', [f.cron.id]);
        expect(row.schedule).toBe('*/10 * * * * *');
      },
    }),
    scenario({
      name: 'the kind cannot change',
      setup: shopWithTriggers,
      method: 'PATCH',
      url: (f: WithTriggers) => `/admin/apps/shop/triggers/${f.cron.id}`,
      body: { kind: 'queue' },
      status: 400,
      code: 'PICLOUD_ERR_HTTP_VALIDATION',
    }),
    scenario({
      name: 'a queue field on a cron trigger is refused',
      setup: shopWithTriggers,
      method: 'PATCH',
      url: (f: WithTriggers) => `/admin/apps/shop/triggers/${f.cron.id}`,
      body: { backoff_seconds: 5 },
      status: 400,
      code: 'PICLOUD_ERR_TRIGGER_INVALID',
    }),
    scenario({
      name: 'changes the retry policy and keeps its own queue name',
      setup: shopWithTriggers,
      method: 'PATCH',
      url: (f: WithTriggers) => `/admin/apps/shop/triggers/${f.queue.id}`,
      body: { queue: 'jobs', max_attempts: 1, enabled: false },
      status: 200,
      events: triggersEvent,
      json: { queue: 'jobs', max_attempts: 1, backoff_seconds: 10, enabled: false },
    }),
    scenario({
      name: 'moves a consumer to a module: refused',
      setup: shopWithTriggers,
      method: 'PATCH',
      url: (f: WithTriggers) => `/admin/apps/shop/triggers/${f.queue.id}`,
      body: { script: 'util' },
      status: 400,
      code: 'PICLOUD_ERR_TRIGGER_INVALID',
    }),
    scenario({
      name: 'deletes one',
      setup: shopWithTriggers,
      method: 'DELETE',
      url: (f: WithTriggers) => `/admin/apps/shop/triggers/${f.queue.id}`,
      status: 204,
      events: triggersEvent,
      after: async (f) => {
        expect(await rows(t, 'SELECT id FROM triggers WHERE app_id = $1', [f.app.id])).toEqual([
          { id: f.cron.id },
        ]);
      },
    }),
  ]);

  it('a renamed queue frees the old name and takes the new one', async () => {
    await t.reset();
    const f = await shopWithTriggers();
    const other = await t.request('POST', '/admin/apps/shop/triggers', {
      script: 'tick',
      kind: 'queue',
      queue: 'audit',
    });
    const clash = await t.request('PATCH', `/admin/apps/shop/triggers/${f.queue.id}`, { queue: 'audit' });
    expect(clash.status).toBe(409);
    expect(clash.body.error).toMatchObject({
      code: 'PICLOUD_ERR_TRIGGER_QUEUE_TAKEN',
      details: { trigger: other.body.id },
    });
    const renamed = await t.request('PATCH', `/admin/apps/shop/triggers/${f.queue.id}`, { queue: 'jobs-2' });
    expect(renamed.status).toBe(200);
    const reused = await t.request('POST', '/admin/apps/shop/triggers', {
      script: 'tick',
      kind: 'queue',
      queue: 'jobs',
    });
    expect(reused.status).toBe(201);
  });

  it('deleting the script or the app deletes its triggers', async () => {
    await t.reset();
    const f = await shopWithTriggers();
    expect((await t.request('DELETE', `/admin/scripts/${f.tick.id}`)).status).toBe(204);
    expect(await rows(t, 'SELECT queue FROM triggers')).toEqual([{ queue: 'jobs' }]);
    expect((await t.request('DELETE', '/admin/apps/shop')).status).toBe(204);
    expect(await rows(t, 'SELECT id FROM triggers')).toEqual([]);
  });
});

describe('messages', () => {
  runScenarios(server, [
    scenario({
      name: 'a message to a consumed queue is accepted',
      setup: shopWithTriggers,
      method: 'POST',
      url: '/admin/apps/shop/queues/jobs/messages',
      body: { payload: { order: 1 } },
      status: 202,
      expect: async (response, f: WithTriggers) => {
        expect(response.body).toEqual({ message_id: expect.stringMatching(UUID), queue: 'jobs' });
        // Waiting in pg-boss, with the trigger's retry policy.
        const message = await t.manager.triggers.broker.fetch(f.app.id, 'jobs');
        expect(message).toMatchObject({
          id: response.body.message_id,
          data: { app: f.app.id, queue: 'jobs', payload: { order: 1 } },
          retryCount: 0,
          retryLimit: 2,
        });
      },
    }),
    scenario({
      name: 'any JSON payload, null included',
      setup: shopWithTriggers,
      method: 'POST',
      url: '/admin/apps/shop/queues/jobs/messages',
      body: { payload: null },
      status: 202,
    }),
    scenario({
      name: 'a queue no trigger consumes is a 404',
      setup: shopWithTriggers,
      method: 'POST',
      url: '/admin/apps/shop/queues/nobody/messages',
      body: { payload: 1 },
      status: 404,
      code: 'PICLOUD_ERR_QUEUE_NOT_FOUND',
    }),
    scenario({
      name: "another app's queue is a 404",
      setup: shopWithTriggers,
      method: 'POST',
      url: '/admin/apps/other/queues/jobs/messages',
      body: { payload: 1 },
      status: 404,
      code: 'PICLOUD_ERR_QUEUE_NOT_FOUND',
    }),
    scenario({
      name: 'a payload over 256 KiB is a 413',
      setup: shopWithTriggers,
      method: 'POST',
      url: '/admin/apps/shop/queues/jobs/messages',
      body: { payload: 'x'.repeat(300 * 1024) },
      status: 413,
      code: 'PICLOUD_ERR_QUEUE_PAYLOAD_TOO_LARGE',
    }),
    scenario({
      name: 'the payload is required',
      setup: shopWithTriggers,
      method: 'POST',
      url: '/admin/apps/shop/queues/jobs/messages',
      body: { order: 1 },
      status: 400,
      code: 'PICLOUD_ERR_HTTP_VALIDATION',
    }),
  ]);

  it('scripts send through the queue service', async () => {
    await t.reset();
    const f = await shopWithTriggers();
    const call = (args: unknown[]) =>
      t.manager.scriptServices.call(f.app.id, { service: 'queue', op: 'send', args }, Date.now() + 5_000);
    const sent = await call(['jobs', [1, 2]]);
    expect(sent).toEqual({ ok: true, value: expect.stringMatching(UUID) });
    expect(await call(['nobody', 1])).toMatchObject({ ok: false, reason: 'QUEUE_NOT_FOUND' });
    expect(await call(['bad name', 1])).toMatchObject({ ok: false, reason: 'QUEUE_INVALID' });
    expect(await call(['jobs', 'x'.repeat(300 * 1024)])).toMatchObject({
      ok: false,
      reason: 'QUEUE_PAYLOAD_TOO_LARGE',
    });
    expect(await call(['jobs'])).toMatchObject({ ok: false, reason: 'BAD_ARGUMENTS' });
    // The app is the caller's: another app's queue of the same name is not reachable.
    const other = await t.manager.scriptServices.call(
      f.other.id,
      { service: 'queue', op: 'send', args: ['jobs', 1] },
      Date.now() + 5_000,
    );
    expect(other).toMatchObject({ ok: false, reason: 'QUEUE_NOT_FOUND' });
  });
});

describe('dead letters', () => {
  /** shopWithTriggers() with three dead letters of "jobs" and one of another queue, failing a second apart. */
  async function withLetters() {
    const f = await shopWithTriggers();
    const ids = [
      '10000000-0000-4000-8000-000000000001',
      '10000000-0000-4000-8000-000000000002',
      '10000000-0000-4000-8000-000000000003',
      '10000000-0000-4000-8000-000000000004',
    ];
    for (const [i, id] of ids.entries()) {
      await recordDeadLetter(t.db, {
        id,
        appId: f.app.id,
        queue: i === 3 ? 'gone' : 'jobs',
        payload: { n: i },
        error: { code: 'PICLOUD_ERR_SCRIPT_THROWN', message: `boom ${i}`, line: 1, column: 1 },
        attempts: 3,
        firstFailedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, i)),
        lastFailedAt: new Date(Date.UTC(2025, 0, 1, 0, 1, i)),
      });
    }
    return { ...f, letters: ids };
  }
  type WithLetters = Awaited<ReturnType<typeof withLetters>>;

  runScenarios(server, [
    scenario({
      name: 'lists newest failure first, without payloads, a page at a time',
      setup: withLetters,
      method: 'GET',
      url: '/admin/apps/shop/dead-letters?queue=jobs&limit=2',
      status: 200,
      expect: async (response, f: WithLetters) => {
        expect(response.body.items.map((item: { id: string }) => item.id)).toEqual([
          f.letters[2],
          f.letters[1],
        ]);
        expect(response.body.items[0]).toEqual({
          id: f.letters[2],
          app_id: f.app.id,
          queue: 'jobs',
          error: { code: 'PICLOUD_ERR_SCRIPT_THROWN', message: 'boom 2', line: 1, column: 1 },
          attempts: 3,
          first_failed_at: '2025-01-01T00:00:02.000Z',
          last_failed_at: '2025-01-01T00:01:02.000Z',
          replayed_at: null,
          replay_message_id: null,
        });
        const next = await t.request(
          'GET',
          `/admin/apps/shop/dead-letters?queue=jobs&limit=2&cursor=${response.body.next_cursor}`,
        );
        expect(next.body).toEqual({
          items: [expect.objectContaining({ id: f.letters[0] })],
          next_cursor: null,
        });
        const all = await t.request('GET', '/admin/apps/shop/dead-letters');
        expect(all.body.items).toHaveLength(4);
        const elsewhere = await t.request('GET', '/admin/apps/other/dead-letters');
        expect(elsewhere.body).toEqual({ items: [], next_cursor: null });
      },
    }),
    scenario({
      name: 'a cursor it did not hand out is a 400',
      setup: withLetters,
      method: 'GET',
      url: '/admin/apps/shop/dead-letters?cursor=bm9wZQ',
      status: 400,
      code: 'PICLOUD_ERR_HTTP_BAD_CURSOR',
    }),
    scenario({
      name: 'inspects one with its payload',
      setup: withLetters,
      method: 'GET',
      url: (f: WithLetters) => `/admin/apps/shop/dead-letters/${f.letters[1]}`,
      status: 200,
      json: { payload: { n: 1 }, attempts: 3, error: { message: 'boom 1' } },
    }),
    scenario({
      name: "another app's dead letter is a 404",
      setup: withLetters,
      method: 'GET',
      url: (f: WithLetters) => `/admin/apps/other/dead-letters/${f.letters[1]}`,
      status: 404,
      code: 'PICLOUD_ERR_DEAD_LETTER_NOT_FOUND',
    }),
    scenario({
      name: 'replays one as a new message, once',
      setup: withLetters,
      method: 'POST',
      url: (f: WithLetters) => `/admin/apps/shop/dead-letters/${f.letters[0]}/replay`,
      status: 202,
      expect: async (response, f: WithLetters) => {
        expect(response.body).toMatchObject({
          message_id: expect.stringMatching(UUID),
          queue: 'jobs',
          dead_letter: { id: f.letters[0], replayed_at: expect.any(String), payload: { n: 0 } },
        });
        expect(response.body.dead_letter.replay_message_id).toBe(response.body.message_id);
        const message = await t.manager.triggers.broker.fetch(f.app.id, 'jobs');
        expect(message).toMatchObject({ id: response.body.message_id, data: { payload: { n: 0 } } });
        const again = await t.request('POST', `/admin/apps/shop/dead-letters/${f.letters[0]}/replay`);
        expect(again.status).toBe(409);
        expect(again.body.error).toMatchObject({
          code: 'PICLOUD_ERR_DEAD_LETTER_REPLAYED',
          details: { replay_message_id: response.body.message_id },
        });
      },
    }),
    scenario({
      name: 'a dead letter of a queue no trigger consumes any more cannot be replayed',
      setup: withLetters,
      method: 'POST',
      url: (f: WithLetters) => `/admin/apps/shop/dead-letters/${f.letters[3]}/replay`,
      status: 404,
      code: 'PICLOUD_ERR_QUEUE_NOT_FOUND',
      after: async (f) => {
        const [row] = await rows(t, 'SELECT replayed_at FROM dead_letters WHERE id = $1', [f.letters[3]]);
        expect(row.replayed_at).toBeNull();
      },
    }),
    scenario({
      name: 'replaying an unknown one is a 404',
      setup: withLetters,
      method: 'POST',
      url: '/admin/apps/shop/dead-letters/not-an-id/replay',
      status: 404,
      code: 'PICLOUD_ERR_DEAD_LETTER_NOT_FOUND',
    }),
  ]);
});

describe('scopes', () => {
  it('reading needs scripts:read / logs:read; changing scripts:write; sending and replaying endpoints:invoke', async () => {
    await t.reset();
    const f = await shopWithTriggers();
    const as = async (scopes: string[], method: 'GET' | 'POST', url: string, body?: unknown) => {
      const token = await t.createToken(scopes);
      return (await t.request(method, url, body, { authorization: `Bearer ${token}` })).status;
    };
    const create = { script: 'tick', kind: 'cron', schedule: '0 * * * *' };
    expect(await as(['scripts:read'], 'GET', '/admin/apps/shop/triggers')).toBe(200);
    expect(await as(['scripts:read'], 'POST', '/admin/apps/shop/triggers', create)).toBe(403);
    expect(await as(['scripts:write'], 'POST', '/admin/apps/shop/triggers', create)).toBe(201);
    expect(await as(['scripts:write'], 'POST', '/admin/apps/shop/queues/jobs/messages', { payload: 1 })).toBe(
      403,
    );
    expect(
      await as(['endpoints:invoke'], 'POST', '/admin/apps/shop/queues/jobs/messages', { payload: 1 }),
    ).toBe(202);
    expect(await as(['logs:read'], 'GET', '/admin/apps/shop/dead-letters')).toBe(200);
    expect(await as(['scripts:read'], 'GET', '/admin/apps/shop/dead-letters')).toBe(403);
    expect(await as(['logs:read'], 'POST', `/admin/apps/shop/dead-letters/${MISSING_UUID}/replay`)).toBe(403);
    expect(
      await as(['endpoints:invoke'], 'POST', `/admin/apps/shop/dead-letters/${MISSING_UUID}/replay`),
    ).toBe(404);

    // A token limited to another app reaches none of this app's triggers.
    const limited = await t.createToken(['admin'], { appId: f.other.id });
    const response = await t.request('GET', '/admin/apps/shop/triggers', undefined, {
      authorization: `Bearer ${limited}`,
    });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('PICLOUD_ERR_AUTH_APP_FORBIDDEN');
  });
});

describe('pg-boss', () => {
  it('installs once when several processes start it at the same time, and leaves no broken connection', async () => {
    const database = await createTestDatabase();
    const kyselys = [0, 1, 2].map(
      () => new Kysely<Database>({ dialect: new PostgresDialect({ pool: database.pool }) }),
    );
    try {
      const brokers = kyselys.map((db) => new QueueBroker(db));
      await Promise.all(brokers.map((broker) => broker.start()));
      const app = '20000000-0000-4000-8000-000000000001';
      const policy = { maxAttempts: 2, backoffSeconds: 1 };
      const ids = await Promise.all(brokers.map((broker, i) => broker.send(app, 'q', { i }, policy)));
      expect(new Set(ids).size).toBe(3);
      expect(await brokers[0].dueQueues([[app, 'q']])).toEqual(new Set([`picloud.${app}.q`]));
      // Every pooled connection still works (none was left inside an aborted transaction).
      const fetched = await Promise.all([0, 1, 2, 0].map((i) => brokers[i].fetch(app, 'q')));
      expect(
        fetched
          .filter((message) => message !== null)
          .map((message) => message?.id)
          .sort(),
      ).toEqual([...ids].sort());
      for (let i = 0; i < 10; i++)
        expect((await database.pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await Promise.all(brokers.map((broker) => broker.stop()));
    } finally {
      await database.drop();
    }
  });
});
