/**
 * `/api/v1/admin/logs`: execution logs written through the manager's ExecutionLogWriter — list with
 * filters and pagination, one record, the live tail over Server-Sent Events (on a real socket) with
 * its filters, and retention by count and by age.
 */
import type { EventEmitter } from 'node:events';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionRecord } from '../../server/manager/logs/execution-record.js';
import { ExecutionLogWriter } from '../../server/manager/logs/log-writer.js';
import { encodeCursor } from '../../server/manager/pagination.js';
import { createManagerTestServer, type ManagerTestServer } from '../support/manager-server.js';
import { count, expectError, MISSING_UUID, rows, runScenarios, scenario } from './scenario.js';

let t: ManagerTestServer;
beforeAll(async () => {
  t = await createManagerTestServer();
  streamToken = t.token;
});
afterAll(async () => {
  await t?.close();
});
const server = () => t;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A fixed point a day ago: every record of the fixture is within the 14-day retention. */
const BASE = new Date(Math.floor((Date.now() - DAY) / 1000) * 1000);
const at = (hours: number) => new Date(BASE.getTime() + hours * HOUR);

/** A record with sensible defaults. */
function record(fields: Partial<ExecutionRecord> & Pick<ExecutionRecord, 'app_id'>): ExecutionRecord {
  return {
    script_id: null,
    script_version: null,
    request_id: 'req',
    trigger: 'http',
    status: 'ok',
    http_status: 200,
    duration_ms: 1.25,
    operations: 42,
    error: null,
    output: '',
    started_at: new Date(),
    ...fields,
  };
}

/** Writes records through the manager's writer and waits until they are stored. */
async function write(writer: ExecutionLogWriter, records: ExecutionRecord[]): Promise<void> {
  for (const entry of records) writer.record(entry);
  await writer.flush();
}

/**
 * Two apps with scripts and six records, oldest first (request ids r1..r6):
 * r1 shop/hello ok h0, r2 shop/hello error h1, r3 shop/bye ok h2, r4 other/hello timeout h3,
 * r5 shop/hello limit h4, r6 shop (no script) error h5.
 */
async function logs() {
  const shop = await t.createApp('shop');
  const other = await t.createApp('other');
  const hello = await t.createScript('shop', 'hello');
  const bye = await t.createScript('shop', 'bye');
  const foreign = await t.createScript('other', 'hello');
  const error = {
    code: 'PICLOUD_ERR_SCRIPT_THROWN',
    message: 'boom',
    kind: 'ErrorRuntime',
    line: 3,
    column: 7,
  };
  await write(t.manager.logWriter, [
    record({ app_id: shop.id, script_id: hello.id, script_version: 1, request_id: 'r1', started_at: at(0) }),
    record({
      app_id: shop.id,
      script_id: hello.id,
      script_version: 1,
      request_id: 'r2',
      status: 'error',
      http_status: 500,
      error,
      output: 'line one\nline two',
      started_at: at(1),
      request: { method: 'POST', path: '/orders/7', host: 'shop.lan', response_bytes: 120 },
    }),
    record({ app_id: shop.id, script_id: bye.id, script_version: 1, request_id: 'r3', started_at: at(2) }),
    record({
      app_id: other.id,
      script_id: foreign.id,
      script_version: 1,
      request_id: 'r4',
      status: 'timeout',
      http_status: 504,
      trigger: 'execute',
      started_at: at(3),
    }),
    record({
      app_id: shop.id,
      script_id: hello.id,
      script_version: 1,
      request_id: 'r5',
      status: 'limit',
      operations: 5_000_001,
      started_at: at(4),
    }),
    record({ app_id: shop.id, request_id: 'r6', status: 'error', http_status: 404, started_at: at(5) }),
  ]);
  const ids = Object.fromEntries(
    (await rows(t, 'SELECT id, request_id FROM execution_logs')).map((row) => [
      row.request_id,
      row.id as string,
    ]),
  );
  return { shop, other, hello, bye, foreign, error, ids };
}
type Logs = Awaited<ReturnType<typeof logs>>;

const requestIds = (response: { body: { items: { request_id: string }[] } }) =>
  response.body.items.map((item) => item.request_id);

describe('list', () => {
  runScenarios(server, [
    scenario({
      name: 'lists every record newest first, with every field',
      setup: logs,
      method: 'GET',
      url: '/admin/logs',
      status: 200,
      expect: (response, f: Logs) => {
        expect(requestIds(response)).toEqual(['r6', 'r5', 'r4', 'r3', 'r2', 'r1']);
        expect(response.body.next_cursor).toBeNull();
        expect(response.body.items[4]).toEqual({
          id: f.ids.r2,
          app_id: f.shop.id,
          script_id: f.hello.id,
          script_version: 1,
          request_id: 'r2',
          trigger: 'http',
          status: 'error',
          http_status: 500,
          duration_ms: 1.25,
          operations: 42,
          error: f.error,
          output: 'line one\nline two',
          started_at: at(1).toISOString(),
          request: { method: 'POST', path: '/orders/7', host: 'shop.lan', response_bytes: 120 },
        });
        // A run that answered no request (cron, queue) has none.
        expect(response.body.items[5].request).toBeNull();
        expect(response.body.items[1]).toMatchObject({ operations: 5_000_001, error: null });
        expect(response.body.items[0]).toMatchObject({ script_id: null, script_version: null });
      },
    }),
    ...(
      [
        ['app slug', () => 'app=shop', ['r6', 'r5', 'r3', 'r2', 'r1']],
        ['app id', (f: Logs) => `app=${f.other.id}`, ['r4']],
        ['script', (f: Logs) => `script=${f.hello.id}`, ['r5', 'r2', 'r1']],
        ['status', () => 'status=error', ['r6', 'r2']],
        ['status timeout', () => 'status=timeout', ['r4']],
        ['since (inclusive)', () => `since=${at(3).toISOString()}`, ['r6', 'r5', 'r4']],
        ['until (inclusive)', () => `until=${at(1).toISOString()}`, ['r2', 'r1']],
        [
          'since and until',
          () => `since=${at(1).toISOString()}&until=${at(3).toISOString()}`,
          ['r4', 'r3', 'r2'],
        ],
        [
          'a time zone offset',
          () => `since=${encodeURIComponent(at(4).toISOString().replace('Z', '+00:00'))}`,
          ['r6', 'r5'],
        ],
        ['app and status', () => 'app=shop&status=error', ['r6', 'r2']],
        ['app, script and status', (f: Logs) => `app=shop&script=${f.hello.id}&status=ok`, ['r1']],
        ['a script of another app than ?app=', (f: Logs) => `app=shop&script=${f.foreign.id}`, []],
        ['an app without records', () => 'app=default', []],
        ['an unknown script id', () => `script=${MISSING_UUID}`, []],
        ['a window with nothing in it', () => `since=${at(10).toISOString()}`, []],
      ] as const
    ).map(([label, query, expected]) =>
      scenario({
        name: `filters by ${label}`,
        setup: logs,
        method: 'GET',
        url: (f) => `/admin/logs?${query(f)}`,
        status: 200,
        expect: (response) => expect(requestIds(response)).toEqual(expected),
      }),
    ),
    scenario({
      name: "filters by an app's retired slug",
      setup: async () => {
        const f = await logs();
        await t.request('PATCH', '/admin/apps/other', { slug: 'renamed' });
        return f;
      },
      method: 'GET',
      url: '/admin/logs?app=other',
      status: 200,
      expect: (response) => expect(requestIds(response)).toEqual(['r4']),
    }),
    scenario({
      name: 'pages through records exactly once, keeping filters',
      setup: logs,
      method: 'GET',
      url: '/admin/logs?app=shop&limit=2',
      status: 200,
      expect: async (first) => {
        const seen = requestIds(first);
        let cursor: string | null = first.body.next_cursor;
        while (cursor) {
          const page = await t.request('GET', `/admin/logs?app=shop&limit=2&cursor=${cursor}`);
          expect(page.status, page.text).toBe(200);
          seen.push(...requestIds(page));
          cursor = page.body.next_cursor;
        }
        expect(seen).toEqual(['r6', 'r5', 'r3', 'r2', 'r1']);
      },
    }),
    scenario({
      name: 'records written after the first page do not shift the next one',
      setup: logs,
      method: 'GET',
      url: '/admin/logs?limit=3',
      status: 200,
      expect: async (first, f: Logs) => {
        expect(requestIds(first)).toEqual(['r6', 'r5', 'r4']);
        const next = await t.request('GET', `/admin/logs?limit=3&cursor=${first.body.next_cursor}`);
        expect(requestIds(next)).toEqual(['r3', 'r2', 'r1']);
        expect(next.body.next_cursor).toBeNull();
        expect(f.ids.r1).toMatch(/^\d+$/);
      },
    }),
    scenario({
      name: 'an unknown app is APP_NOT_FOUND',
      method: 'GET',
      url: '/admin/logs?app=nothing',
      status: 404,
      code: 'PICLOUD_ERR_APP_NOT_FOUND',
    }),
    ...[
      ['script=hello', '/script'],
      ['status=failed', '/status'],
      ['since=yesterday', '/since'],
      ['until=2024-13-01T00:00:00Z', '/until'],
      ['limit=0', '/limit'],
      [`app=${'a'.repeat(65)}`, '/app'],
    ].map(([query, path]) =>
      scenario({
        name: `refuses ?${query.slice(0, 30)}`,
        method: 'GET',
        url: `/admin/logs?${query}`,
        status: 400,
        code: 'PICLOUD_ERR_HTTP_VALIDATION',
        json: {
          error: { details: expect.arrayContaining([expect.objectContaining({ in: 'querystring', path })]) },
        },
      }),
    ),
    ...[
      ['not base64 JSON', 'garbage'],
      ['holding a word', encodeCursor(['abc'])],
      ['holding a negative number', encodeCursor([-5])],
      ['holding a fraction', encodeCursor([1.5])],
      ['over the bigint range', encodeCursor(['99999999999999999999'])],
      ['with two parts', encodeCursor([1, 2])],
    ].map(([label, cursor]) =>
      scenario({
        name: `refuses a cursor ${label}`,
        setup: logs,
        method: 'GET',
        url: `/admin/logs?cursor=${cursor}`,
        status: 400,
        code: 'PICLOUD_ERR_HTTP_BAD_CURSOR',
      }),
    ),
  ]);
});

describe('one record', () => {
  runScenarios(server, [
    scenario({
      name: 'gets one record by id',
      setup: logs,
      method: 'GET',
      url: (f) => `/admin/logs/${f.ids.r2}`,
      status: 200,
      json: (f) => ({ id: f.ids.r2, request_id: 'r2', status: 'error', error: f.error }),
    }),
    ...[
      ['an unknown id', '999999'],
      ['id 0', '0'],
      ['a word', 'latest'],
      ['a UUID', MISSING_UUID.slice(0, 20)],
      ['a 19-digit id', '9'.repeat(19)],
    ].map(([label, id]) =>
      scenario({
        name: `${label} is LOG_NOT_FOUND`,
        setup: logs,
        method: 'GET',
        url: `/admin/logs/${id}`,
        status: 404,
        code: 'PICLOUD_ERR_LOG_NOT_FOUND',
      }),
    ),
    scenario({
      name: 'a reference over 20 characters is a validation error',
      method: 'GET',
      url: `/admin/logs/${'1'.repeat(21)}`,
      status: 400,
      code: 'PICLOUD_ERR_HTTP_VALIDATION',
    }),
  ]);
});

/** An open SSE connection to the listening server. */
interface Stream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Events received so far. */
  events: { id?: string; event?: string; data?: string }[];
  /** Raw text received so far. */
  text(): string;
  /** Resolves once `predicate` holds for the events (or rejects after `ms`). */
  until(predicate: (events: Stream['events']) => boolean, ms?: number): Promise<void>;
  close(): void;
  /** Resolves when the server ends the response. */
  ended: Promise<void>;
}

/** The API token the stream sends (the server's owner token, set when the server starts). */
let streamToken = '';

function openStream(port: number, query = ''): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      {
        host: '127.0.0.1',
        port,
        path: `/api/v1/admin/logs/stream${query}`,
        headers: { accept: 'text/event-stream', authorization: `Bearer ${streamToken}` },
      },
      (response) => {
        let raw = '';
        const events: Stream['events'] = [];
        const waiters = new Set<() => void>();
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          raw += chunk;
          let end = raw.indexOf('\n\n');
          while (end !== -1) {
            const block = raw.slice(0, end);
            raw = raw.slice(end + 2);
            all += `${block}\n\n`;
            const event: Stream['events'][number] = {};
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) continue;
              const colon = line.indexOf(': ');
              const field = line.slice(0, colon) as 'id' | 'event' | 'data';
              event[field] = line.slice(colon + 2);
            }
            if (Object.keys(event).length > 0) events.push(event);
            end = raw.indexOf('\n\n');
          }
          for (const wake of waiters) wake();
        });
        let all = '';
        const ended = new Promise<void>((done) => response.on('end', done));
        response.on('error', () => undefined);
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          events,
          text: () => all + raw,
          ended,
          until(predicate, ms = 5_000) {
            return new Promise((done, fail) => {
              const check = () => {
                if (!predicate(events)) return;
                clearTimeout(timer);
                waiters.delete(check);
                done();
              };
              const timer = setTimeout(() => {
                waiters.delete(check);
                fail(new Error(`stream condition not met within ${ms} ms; received:\n${all}`));
              }, ms);
              waiters.add(check);
              check();
            });
          },
          close: () => request.destroy(),
        });
      },
    );
    request.on('error', reject);
  });
}

describe('live tail (SSE)', () => {
  let port: number;
  beforeAll(async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });

  const listeners = () =>
    (t.manager.logWriter as unknown as { events: EventEmitter }).events.listenerCount('written');

  it('delivers a record written after connecting, with its database id', async () => {
    await t.reset();
    const shop = await t.createApp('shop');
    const hello = await t.createScript('shop', 'hello');
    const stream = await openStream(port);
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(stream.headers['cache-control']).toBe('no-cache');
      expect(stream.headers['x-request-id']).toEqual(expect.any(String));
      await stream.until(() => stream.text().includes(': connected'));
      await write(t.manager.logWriter, [
        record({ app_id: shop.id, script_id: hello.id, script_version: 1, request_id: 'live-1' }),
      ]);
      await stream.until((events) => events.length === 1);
      const [event] = stream.events;
      const [stored] = await rows(t, "SELECT id FROM execution_logs WHERE request_id = 'live-1'");
      expect(event.event).toBe('log');
      expect(event.id).toBe(stored.id);
      expect(JSON.parse(event.data!)).toEqual((await t.request('GET', `/admin/logs/${stored.id}`)).body);
    } finally {
      stream.close();
    }
  });

  it('honours ?app=, ?script= and ?status=', async () => {
    await t.reset();
    const shop = await t.createApp('shop');
    const other = await t.createApp('other');
    const hello = await t.createScript('shop', 'hello');
    const bye = await t.createScript('shop', 'bye');
    const byApp = await openStream(port, '?app=shop');
    const byScript = await openStream(port, `?script=${hello.id}`);
    const byStatus = await openStream(port, '?status=error');
    const combined = await openStream(port, `?app=shop&script=${hello.id}&status=error`);
    const streams = [byApp, byScript, byStatus, combined];
    try {
      for (const stream of streams) await stream.until(() => stream.text().includes(': connected'));
      await write(t.manager.logWriter, [
        record({ app_id: other.id, request_id: 'other-error', status: 'error' }),
        record({ app_id: shop.id, script_id: bye.id, request_id: 'bye-ok' }),
        record({ app_id: shop.id, script_id: hello.id, request_id: 'hello-ok' }),
      ]);
      // A later batch, so everything of the first one has been dispatched before it arrives.
      await write(t.manager.logWriter, [
        record({ app_id: shop.id, script_id: hello.id, request_id: 'hello-error', status: 'error' }),
      ]);
      const seen = async (stream: Stream) => {
        await stream.until((events) => events.some((e) => e.data?.includes('"hello-error"')));
        return stream.events.map((e) => JSON.parse(e.data!).request_id);
      };
      expect(await seen(byApp)).toEqual(['bye-ok', 'hello-ok', 'hello-error']);
      expect(await seen(byScript)).toEqual(['hello-ok', 'hello-error']);
      expect(await seen(byStatus)).toEqual(['other-error', 'hello-error']);
      expect(await seen(combined)).toEqual(['hello-error']);
    } finally {
      for (const stream of streams) stream.close();
    }
  });

  it("follows an app's retired slug", async () => {
    await t.reset();
    const shop = await t.createApp('shop');
    await t.request('PATCH', '/admin/apps/shop', { slug: 'store' });
    const stream = await openStream(port, '?app=shop');
    try {
      await stream.until(() => stream.text().includes(': connected'));
      await write(t.manager.logWriter, [record({ app_id: shop.id, request_id: 'renamed' })]);
      await stream.until((events) => events.length === 1);
    } finally {
      stream.close();
    }
  });

  it('stops listening when the client goes away', async () => {
    await t.reset();
    const before = listeners();
    const stream = await openStream(port);
    await stream.until(() => stream.text().includes(': connected'));
    expect(listeners()).toBe(before + 1);
    stream.close();
    const deadline = Date.now() + 5_000;
    while (listeners() !== before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(listeners()).toBe(before);
  });

  it.each([
    ['an unknown app', '?app=nothing', 404, 'PICLOUD_ERR_APP_NOT_FOUND'],
    ['an invalid status', '?status=failed', 400, 'PICLOUD_ERR_HTTP_VALIDATION'],
    ['a script that is not a UUID', '?script=hello', 400, 'PICLOUD_ERR_HTTP_VALIDATION'],
  ] as const)('%s is a JSON error, not a stream', async (_label, query, status, code) => {
    const response = await t.request('GET', `/admin/logs/stream${query}`);
    expect(response.status).toBe(status);
    expectError(response, code);
  });

  it('open streams end when the server closes', async () => {
    const own = await createManagerTestServer();
    try {
      await own.app.listen({ port: 0, host: '127.0.0.1' });
      const address = own.app.server.address();
      streamToken = own.token;
      const stream = await openStream(typeof address === 'object' && address ? address.port : 0);
      await stream.until(() => stream.text().includes(': connected'));
      const closed = own.app.close();
      await stream.ended;
      await closed;
      streamToken = t.token;
    } finally {
      await own.close();
    }
  });
});

describe('retention', () => {
  /** A writer of its own with the given retention (the first flush of a writer prunes). */
  const writerWith = (retentionCount: number, retentionDays: number) =>
    new ExecutionLogWriter(t.db, { retentionCount, retentionDays });
  const remaining = async () =>
    (await rows(t, 'SELECT request_id FROM execution_logs ORDER BY id')).map((row) => row.request_id);

  it('keeps the newest records up to the count, across apps', async () => {
    await t.reset();
    const shop = await t.createApp('shop');
    const other = await t.createApp('other');
    const writer = writerWith(3, 14);
    await write(
      writer,
      ['a', 'b', 'c', 'd', 'e'].map((id, i) =>
        record({ app_id: i % 2 ? other.id : shop.id, request_id: id }),
      ),
    );
    expect(await remaining()).toEqual(['c', 'd', 'e']);
    // Later flushes within a minute do not prune again; an explicit prune does.
    await write(writer, [record({ app_id: shop.id, request_id: 'f' })]);
    expect(await remaining()).toEqual(['c', 'd', 'e', 'f']);
    await writer.prune();
    expect(await remaining()).toEqual(['d', 'e', 'f']);
  });

  it('deletes records older than the age limit, whatever their order', async () => {
    await t.reset();
    const shop = await t.createApp('shop');
    const now = Date.now();
    const writer = writerWith(100, 2);
    await write(writer, [
      record({ app_id: shop.id, request_id: 'recent', started_at: new Date(now - HOUR) }),
      record({ app_id: shop.id, request_id: 'three-days', started_at: new Date(now - 3 * DAY) }),
      record({ app_id: shop.id, request_id: 'almost-two-days', started_at: new Date(now - 2 * DAY + HOUR) }),
      record({ app_id: shop.id, request_id: 'a-month', started_at: new Date(now - 30 * DAY) }),
      record({
        app_id: shop.id,
        request_id: 'two-days-and-an-hour',
        started_at: new Date(now - 2 * DAY - HOUR),
      }),
    ]);
    expect(await remaining()).toEqual(['recent', 'almost-two-days']);
  });

  it('applies both limits together', async () => {
    await t.reset();
    const shop = await t.createApp('shop');
    const now = Date.now();
    const writer = writerWith(2, 1);
    await write(writer, [
      record({ app_id: shop.id, request_id: 'old', started_at: new Date(now - 2 * DAY) }),
      record({ app_id: shop.id, request_id: 'n1', started_at: new Date(now - 3 * HOUR) }),
      record({ app_id: shop.id, request_id: 'n2', started_at: new Date(now - 2 * HOUR) }),
      record({ app_id: shop.id, request_id: 'n3', started_at: new Date(now - HOUR) }),
    ]);
    expect(await remaining()).toEqual(['n2', 'n3']);
  });

  it('a prune with nothing to delete deletes nothing', async () => {
    await t.reset();
    const shop = await t.createApp('shop');
    const writer = writerWith(10, 14);
    await write(writer, [record({ app_id: shop.id, request_id: 'only' })]);
    await writer.prune();
    expect(await remaining()).toEqual(['only']);
  });

  it("the manager's writer uses the configured retention", async () => {
    const small = await createManagerTestServer({ logRetentionCount: 2, logRetentionDays: 14 });
    try {
      const app = await small.createApp('shop');
      await write(
        small.manager.logWriter,
        ['a', 'b', 'c'].map((id) => record({ app_id: app.id, request_id: id })),
      );
      expect(await count(small, 'execution_logs')).toBe(2);
    } finally {
      await small.close();
    }
  });
});
