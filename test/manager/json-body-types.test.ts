/**
 * JSON bodies are validated as sent, never coerced: a `null` in a nullable field stays null (an
 * anonymous route, a route on no host) rather than becoming `""` through the first branch of its
 * union, so what `GET /apps/:app/spec` answers (`picloud pull`) deploys again unchanged
 * (`picloud deploy`); and a value of the wrong JSON type is refused with the field named, not
 * converted. Path parameters and query strings are text, and still coerced (`?limit=5`).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createManagerTestServer, type ManagerTestServer } from '../support/manager-server.js';

let t: ManagerTestServer;
beforeAll(async () => {
  t = await createManagerTestServer();
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  await t.reset();
});

/** "shop" claiming api.home.lan, with the endpoint "hello", an anonymous route and one on a host. */
async function shop() {
  await t.createApp('shop');
  await t.addDomain('shop', 'api.home.lan');
  await t.createScript('shop', 'hello');
  await t.createRoute('shop', { script: 'hello', methods: ['GET'], path: '/open' });
  await t.createRoute('shop', {
    script: 'hello',
    methods: ['POST'],
    path: '/orders',
    host: 'api.home.lan',
    required_scope: 'endpoints:invoke',
  });
}

const routesOf = async () =>
  (await t.db.selectFrom('routes').select(['path', 'host', 'required_scope']).orderBy('path').execute()).map(
    (row) => ({ ...row }),
  );

describe('pull, then deploy', () => {
  it('deploys what the spec answered unchanged, a route without a scope included', async () => {
    await shop();
    const pulled = await t.request('GET', '/admin/apps/shop/spec');
    expect(pulled.status).toBe(200);
    const open = pulled.body.routes.find((route: { path: string }) => route.path === '/open');
    expect(open).toMatchObject({ required_scope: null, host: null });

    const deployed = await t.request('POST', '/admin/deploy', { app: 'shop', spec: pulled.body });
    expect(deployed.status, JSON.stringify(deployed.body)).toBe(200);
    expect(deployed.body.plan.changes).toBe(false);
    expect(await routesOf()).toEqual([
      { path: '/open', host: null, required_scope: null },
      { path: '/orders', host: 'api.home.lan', required_scope: 'endpoints:invoke' },
    ]);
  });

  it('takes null off a scoped route and a host: the route becomes anonymous, on every host', async () => {
    await shop();
    const spec = (await t.request('GET', '/admin/apps/shop/spec')).body;
    for (const route of spec.routes) {
      route.required_scope = null;
      route.host = null;
    }
    const deployed = await t.request('POST', '/admin/deploy', { app: 'shop', spec });
    expect(deployed.status, JSON.stringify(deployed.body)).toBe(200);
    expect(await routesOf()).toEqual([
      { path: '/open', host: null, required_scope: null },
      { path: '/orders', host: null, required_scope: null },
    ]);
  });
});

describe('the other nullable fields of request bodies', () => {
  it('a route created and changed with host null stays on every host', async () => {
    await shop();
    const created = await t.request('POST', '/admin/apps/shop/routes', {
      script: 'hello',
      methods: ['GET'],
      path: '/any',
      host: null,
      required_scope: null,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ host: null, required_scope: null });
    const onHost = await t.createRoute('shop', {
      script: 'hello',
      methods: ['GET'],
      path: '/here',
      host: 'api.home.lan',
    });
    const changed = await t.request('PATCH', `/admin/apps/shop/routes/${onHost.id}`, { host: null });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body.host).toBeNull();
  });

  it('a KV entry written with ttl_seconds null never expires', async () => {
    await t.createApp('shop');
    const put = await t.request('PUT', '/admin/apps/shop/kv/things/a', { value: 1, ttl_seconds: null });
    expect(put.status, JSON.stringify(put.body)).toBeLessThan(300);
    const read = await t.request('GET', '/admin/apps/shop/kv/things/a');
    expect(read.body).toMatchObject({ value: 1, expires_at: null });
  });
});

describe('values of the wrong JSON type', () => {
  it.each([
    [
      'a number as text',
      { script: 'hello', kind: 'queue', queue: 'jobs', max_attempts: '3' },
      '/max_attempts',
    ],
    ['a boolean as text', { script: 'hello', kind: 'queue', queue: 'jobs', enabled: 'false' }, '/enabled'],
    ['a number for a name', { script: 7, kind: 'queue', queue: 'jobs' }, '/script'],
    ['null for a name', { script: null, kind: 'queue', queue: 'jobs' }, '/script'],
  ])('%s is refused with the field named, and nothing is created', async (_name, body, path) => {
    await t.createApp('shop');
    await t.createScript('shop', 'hello');
    const response = await t.request('POST', '/admin/apps/shop/triggers', body);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('PICLOUD_ERR_HTTP_VALIDATION');
    expect(response.body.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ in: 'body', path })]),
    );
    expect((await t.request('GET', '/admin/apps/shop/triggers')).body.items).toEqual([]);
  });

  it('query strings are still read as numbers and booleans', async () => {
    await t.createApp('shop');
    const listed = await t.request('GET', '/admin/apps?limit=1');
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(1);
    const spec = await t.request('GET', '/admin/apps/shop/spec?history=true');
    expect(spec.status).toBe(200);
  });
});
