/**
 * `GET /api/v1/admin/stats/requests`: requests and errors per app from the execution log, in
 * contiguous, zero-filled buckets (one minute up to three hours, five minutes beyond), oldest first,
 * the last one holding now. Errors are runs that did not end `ok` or answered 500 or more. Filtered to
 * one app with `?app=`, which is what a token limited to that app must ask for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionRecord } from '../../server/manager/logs/execution-record.js';
import { createManagerTestServer, type ManagerTestServer } from '../support/manager-server.js';
import { expectError } from './scenario.js';

let t: ManagerTestServer;
let shop: any;
let other: any;
const now = Date.now();
const MINUTE = 60_000;

function record(appId: string, msAgo: number, fields: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return {
    app_id: appId,
    script_id: null,
    script_version: null,
    request_id: `r-${msAgo}`,
    trigger: 'http',
    status: 'ok',
    http_status: 200,
    duration_ms: 1,
    operations: 10,
    error: null,
    output: '',
    started_at: new Date(now - msAgo),
    ...fields,
  };
}

/** The records of "shop": when (ms ago) and how they ended (four errors within the hour). */
const SHOP: { ago: number; fields?: Partial<ExecutionRecord> }[] = [
  { ago: 10_000 },
  { ago: 20_000, fields: { status: 'error', http_status: 500 } },
  { ago: 5 * MINUTE },
  { ago: 5 * MINUTE + 1_000, fields: { status: 'timeout', http_status: 504 } },
  { ago: 30 * MINUTE, fields: { http_status: 503 } },
  { ago: 30 * MINUTE, fields: { status: 'error', http_status: 404 } },
  { ago: 2 * 60 * MINUTE },
];

beforeAll(async () => {
  t = await createManagerTestServer();
  shop = await t.createApp('shop');
  other = await t.createApp('other');
  for (const entry of SHOP) t.manager.logWriter.record(record(shop.id, entry.ago, entry.fields));
  t.manager.logWriter.record(record(other.id, 3 * MINUTE, { status: 'limit', http_status: 500 }));
  await t.manager.logWriter.flush();
});
afterAll(async () => {
  await t?.close();
});

/** Which bucket of a response holds the instant `msAgo` ago. */
function bucketOf(body: any, msAgo: number): number {
  return Math.floor((now - msAgo - Date.parse(body.since)) / (body.bucket_s * 1000));
}

function expectContiguous(body: any, count: number) {
  for (const app of body.apps) {
    expect(app.buckets).toHaveLength(count);
    expect(app.buckets[0].at).toBe(body.since);
    app.buckets.forEach((bucket: any, index: number) => {
      expect(Date.parse(bucket.at) - Date.parse(body.since)).toBe(index * body.bucket_s * 1000);
    });
    const last = Date.parse(app.buckets[count - 1].at);
    expect(Date.now()).toBeGreaterThanOrEqual(last);
    expect(Date.now()).toBeLessThan(last + 2 * body.bucket_s * 1000);
    expect(app.requests).toBe(app.buckets.reduce((sum: number, b: any) => sum + b.requests, 0));
    expect(app.errors).toBe(app.buckets.reduce((sum: number, b: any) => sum + b.errors, 0));
  }
}

describe('the last hour (the default)', () => {
  let body: any;
  it('has every app, one-minute buckets, zero-filled', async () => {
    const response = await t.request('GET', '/admin/stats/requests');
    expect(response.status, response.text).toBe(200);
    body = response.body;
    expect(body).toMatchObject({ minutes: 60, bucket_s: 60 });
    expect(body.apps.map((a: any) => a.slug)).toEqual(['default', 'other', 'shop']);
    expectContiguous(body, 60);
    const none = body.apps.find((a: any) => a.slug === 'default');
    expect(none).toMatchObject({ requests: 0, errors: 0 });
    expect(none.buckets.every((b: any) => b.requests === 0 && b.errors === 0)).toBe(true);
  });

  it('counts requests and errors (not ok, or 5xx) in the bucket of their start', () => {
    const stats = body.apps.find((a: any) => a.slug === 'shop');
    // The two-hour-old run is outside the window.
    expect(stats.requests).toBe(6);
    // status error (500), timeout, a 503, and a script error answering 404 (not ok).
    expect(stats.errors).toBe(4);
    for (const entry of SHOP.slice(0, 6)) {
      expect(stats.buckets[bucketOf(body, entry.ago)].requests).toBeGreaterThanOrEqual(1);
    }
    const half = stats.buckets[bucketOf(body, 30 * MINUTE)];
    expect(half).toMatchObject({ requests: 2, errors: 2 });
    const nonEmpty = stats.buckets.filter((b: any) => b.requests > 0);
    expect(nonEmpty.length).toBeGreaterThanOrEqual(3);
    expect(body.apps.find((a: any) => a.slug === 'other')).toMatchObject({ requests: 1, errors: 1 });
  });
});

describe('windows', () => {
  it.each([
    [5, 60, 5],
    [180, 60, 180],
    [181, 300, 37],
    [1440, 300, 288],
  ])('%i minutes: %i-second buckets, %i of them', async (minutes, bucketS, count) => {
    const response = await t.request('GET', `/admin/stats/requests?minutes=${minutes}`);
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ minutes, bucket_s: bucketS });
    expectContiguous(response.body, count);
  });

  it('a day counts the two-hour-old run too', async () => {
    const response = await t.request('GET', '/admin/stats/requests?minutes=1440&app=shop');
    expect(response.body.apps).toHaveLength(1);
    expect(response.body.apps[0]).toMatchObject({ slug: 'shop', requests: 7, errors: 4 });
  });

  it.each(['4', '1441', 'abc', '60.5'])('minutes=%s is 400', async (minutes) => {
    expectError(
      await t.request('GET', `/admin/stats/requests?minutes=${minutes}`),
      'PICLOUD_ERR_HTTP_VALIDATION',
    );
  });
});

describe('one app', () => {
  it('by slug or id', async () => {
    for (const ref of ['shop', shop.id]) {
      const response = await t.request('GET', `/admin/stats/requests?app=${ref}`);
      expect(response.body.apps.map((a: any) => [a.app_id, a.requests])).toEqual([[shop.id, 6]]);
    }
  });

  it('an unknown app is 404', async () => {
    expectError(await t.request('GET', '/admin/stats/requests?app=nowhere'), 'PICLOUD_ERR_APP_NOT_FOUND');
  });

  it('a token limited to an app reads only that app, and must name it', async () => {
    const token = await t.createToken(['logs:read'], { appId: other.id });
    const auth = { authorization: `Bearer ${token}` };
    const own = await t.request('GET', '/admin/stats/requests?app=other', undefined, auth);
    expect(own.status).toBe(200);
    expect(own.body.apps.map((a: any) => a.slug)).toEqual(['other']);
    expectError(
      await t.request('GET', '/admin/stats/requests?app=shop', undefined, auth),
      'PICLOUD_ERR_AUTH_APP_FORBIDDEN',
    );
    expectError(
      await t.request('GET', '/admin/stats/requests', undefined, auth),
      'PICLOUD_ERR_AUTH_APP_FORBIDDEN',
    );
  });
});

describe('cost', () => {
  it('reads the log through an index on started_at for every app', async () => {
    const { rows } = await t.database.pool.query(
      `SELECT indexdef FROM pg_indexes WHERE tablename = 'execution_logs' AND indexdef LIKE '%(started_at)%'`,
    );
    expect(rows).toHaveLength(1);
  });
});
