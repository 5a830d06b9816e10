/**
 * An app with one of each thing the admin API addresses, made through the API itself, for tests that
 * walk every route.
 */
import { expect } from 'vitest';
import type { ExecutionRecord } from '../../server/manager/logs/execution-record.js';
import type { ManagerTestServer } from './manager-server.js';

/** The ids of what {@link createShop} made. */
export interface Shop {
  app: string;
  script: string;
  route: string;
  trigger: string;
}

/**
 * The app `shop`: the host claim `shop.lan`, the endpoint script `hello`, the route `GET /hello`, a
 * queue trigger of `hello` on `jobs`, the KV entry `c`/`k` and the secret `API_KEY`.
 */
export async function createShop(t: ManagerTestServer): Promise<Shop> {
  const app = (await t.createApp('shop')).id;
  await t.addDomain('shop', 'shop.lan');
  const script = (await t.createScript('shop', 'hello')).id;
  const route = (await t.createRoute('shop', { script: 'hello', methods: ['GET'], path: '/hello' })).id;
  const trigger = await t.request('POST', '/admin/apps/shop/triggers', {
    script: 'hello',
    kind: 'queue',
    queue: 'jobs',
  });
  expect(trigger.status, trigger.text).toBe(201);
  expect((await t.request('PUT', '/admin/apps/shop/kv/c/k', { value: 1 })).status).toBe(201);
  expect((await t.request('PUT', '/admin/apps/shop/secrets/API_KEY', { value: 'v' })).status).toBe(201);
  return { app, script, route, trigger: trigger.body.id };
}

/** An execution record of a test run: `message` makes it a failed one. */
export function testRunRecord(
  appId: string,
  output: string,
  message?: string,
  requestId = `req-${Math.random()}`,
): ExecutionRecord {
  return {
    app_id: appId,
    script_id: null,
    script_version: null,
    request_id: requestId,
    trigger: 'test',
    status: message ? 'error' : 'ok',
    http_status: message ? 500 : 200,
    duration_ms: 1,
    operations: 1,
    error: message ? { code: 'PICLOUD_ERR_SCRIPT_THROWN', message } : null,
    output,
    started_at: new Date(),
  };
}
