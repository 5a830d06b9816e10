/**
 * The apps' endpoints through the whole appliance over real sockets: routes that require an API token
 * (`required_scope`) refuse every other caller before the script runs — no token, a wrong, expired or
 * revoked one, a token without the scope or limited to another app, the panel's session cookie — and
 * turn anonymous again when the scope is cleared; per-app CORS (`cors_origins`) answers preflights and
 * marks responses for the origins the app lists, and adds nothing to an app that lists none.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, revokeToken } from '../../server/manager/auth/token-store.js';
import type { Scope } from '../../server/security/scopes.js';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';
import { type RawResponse, requestWithHost } from '../support/http.js';

let pc: TestAppliance;
/** App ids by slug. */
const apps: Record<string, string> = {};
/** Route ids by "slug path". */
const routes: Record<string, string> = {};
/** Script ids by "slug name". */
const scripts: Record<string, string> = {};

/** Creates an app claiming `<slug>.lan`, with endpoint scripts and routes to them. */
async function app(
  slug: string,
  corsOrigins: string[],
  endpoints: { name: string; source: string; methods: string[]; path: string; required_scope?: Scope }[],
) {
  const created = await pc.api('POST', '/api/v1/admin/apps', { slug, name: slug, cors_origins: corsOrigins });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  apps[slug] = created.body.id;
  expect(
    (await pc.api('POST', `/api/v1/admin/apps/${slug}/domains`, { pattern: `${slug}.lan` })).status,
  ).toBe(201);
  for (const { name, source, methods, path, required_scope } of endpoints) {
    const script = await pc.api('POST', '/api/v1/admin/scripts', { app: slug, name, source });
    expect(script.status, JSON.stringify(script.body)).toBe(201);
    scripts[`${slug} ${name}`] = script.body.id;
    const route = await pc.api('POST', `/api/v1/admin/apps/${slug}/routes`, {
      script: name,
      methods,
      path,
      ...(required_scope ? { required_scope } : {}),
    });
    expect(route.status, JSON.stringify(route.body)).toBe(201);
    routes[`${slug} ${path}`] = route.body.id;
  }
}

/** A request to an app's host. */
function call(slug: string, path: string, options: Parameters<typeof requestWithHost>[2] = {}) {
  return requestWithHost(`${pc.baseUrl}${path}`, `${slug}.lan`, options);
}

/** Retries `check` until it passes (the orchestrator follows changes asynchronously). */
async function eventually(check: () => Promise<void>, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(25);
    }
  }
}

/** A token made directly in the database. */
async function token(scopes: Scope[], options: { appId?: string | null; expiresAt?: Date | null } = {}) {
  return createToken(pc.appliance.database.db, {
    name: `test ${scopes.join(' ')}`,
    scopes,
    appId: options.appId ?? null,
    expiresAt: options.expiresAt ?? null,
    createdBy: 'test',
  });
}

/** The number of execution logs of one script. */
async function logCount(slug: string, script: string): Promise<number> {
  const response = await pc.api(
    'GET',
    `/api/v1/admin/logs?app=${slug}&script=${scripts[`${slug} ${script}`]}&limit=200`,
  );
  expect(response.status).toBe(200);
  return response.body.items.length;
}

function expectError(response: RawResponse, status: number, code: string) {
  expect(response.status, response.text).toBe(status);
  expect(response.json().error.code).toBe(code);
}

beforeAll(async () => {
  pc = await startTestAppliance();
  await app(
    'shop',
    [],
    [
      { name: 'open', source: '"open"', methods: ['GET'], path: '/open' },
      {
        name: 'orders',
        source:
          'print("ran"); #{ orders: [], app: ctx.app.slug, sees_token: "authorization" in ctx.headers }',
        methods: ['GET', 'POST'],
        path: '/orders',
        required_scope: 'endpoints:invoke',
      },
      { name: 'preflight', source: '#{ status: 200, body: "mine" }', methods: ['OPTIONS'], path: '/custom' },
    ],
  );
  await app(
    'other',
    [],
    [
      { name: 'hello', source: '"other"', methods: ['GET'], path: '/hello' },
      {
        name: 'headers',
        source: '#{ cookie: ctx.headers.cookie, authorization: ctx.headers.authorization }',
        methods: ['GET'],
        path: '/headers',
      },
    ],
  );
  await app(
    'pwa',
    ['http://phone.lan:3000'],
    [
      { name: 'items', source: '#{ id: ctx.params.id }', methods: ['GET', 'PUT'], path: '/items/:id' },
      { name: 'add', source: '#{ added: true }', methods: ['POST'], path: '/items' },
      { name: 'boom', source: 'throw "boom"', methods: ['GET'], path: '/boom' },
      {
        name: 'own',
        source:
          '#{ headers: #{ "Access-Control-Allow-Origin": "https://mine.example", "Vary": "Accept" }, body: "own" }',
        methods: ['GET'],
        path: '/own',
      },
      {
        name: 'private',
        source: '"private"',
        methods: ['GET'],
        path: '/private',
        required_scope: 'endpoints:invoke',
      },
    ],
  );
  await app('anyone', ['*'], [{ name: 'hi', source: '"hi"', methods: ['GET', 'POST'], path: '/hi' }]);
  await eventually(async () => {
    for (const [slug, path] of [
      ['shop', '/open'],
      ['other', '/hello'],
      ['other', '/headers'],
      ['pwa', '/items/1'],
      ['anyone', '/hi'],
    ])
      expect((await call(slug, path)).status).toBe(200);
  });
});
afterAll(async () => {
  await pc?.stop();
});

describe('routes that require a token', () => {
  const orders = (headers: Record<string, string> = {}, method = 'GET') =>
    call('shop', '/orders', { method, headers });
  const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

  it('1. an anonymous route still answers anyone', async () => {
    const response = await call('shop', '/open');
    expect(response.status).toBe(200);
    expect(response.text).toBe('open');
  });

  it('2. every caller without a right token is refused, and the script never runs', async () => {
    const before = await logCount('shop', 'orders');
    const db = pc.appliance.database.db;
    const expired = await token(['endpoints:invoke'], { expiresAt: new Date(Date.now() - 60_000) });
    const revoked = await token(['endpoints:invoke']);
    await revokeToken(db, revoked.id);
    const noScope = await token(['logs:read', 'apps:write']);
    const otherApp = await token(['endpoints:invoke'], { appId: apps.other });

    const unauthenticated: [string, Record<string, string>, string][] = [
      ['no token', {}, 'PICLOUD_ERR_AUTH_REQUIRED'],
      ['a garbage token', bearer('not-a-token'), 'PICLOUD_ERR_AUTH_TOKEN_INVALID'],
      [
        'an unknown well-formed token',
        bearer(`${expired.token.slice(0, -4)}AAAA`),
        'PICLOUD_ERR_AUTH_TOKEN_INVALID',
      ],
      [
        'another scheme',
        { authorization: `Basic ${Buffer.from('owner:x').toString('base64')}` },
        'PICLOUD_ERR_AUTH_TOKEN_INVALID',
      ],
      ['an expired token', bearer(expired.token), 'PICLOUD_ERR_AUTH_TOKEN_EXPIRED'],
      ['a revoked token', bearer(revoked.token), 'PICLOUD_ERR_AUTH_TOKEN_REVOKED'],
    ];
    for (const [label, headers, code] of unauthenticated) {
      for (const method of ['GET', 'POST', 'HEAD']) {
        const response = await orders(headers, method);
        expect(response.status, `${label} ${method}`).toBe(401);
        expect(response.headers['www-authenticate'], label).toBe('Bearer realm="picloud"');
        if (method !== 'HEAD') expect(response.json().error.code, label).toBe(code);
      }
    }
    const forbidden: [string, Record<string, string>, string][] = [
      ['a token without the scope', bearer(noScope.token), 'PICLOUD_ERR_AUTH_SCOPE'],
      ['a token limited to another app', bearer(otherApp.token), 'PICLOUD_ERR_AUTH_APP_FORBIDDEN'],
    ];
    for (const [label, headers, code] of forbidden) {
      const response = await orders(headers);
      expectError(response, 403, code);
      expect(response.headers['www-authenticate'], label).toBeUndefined();
    }

    // One accepted call is logged; once it is, none of the refused ones is.
    expect((await orders(bearer(pc.token))).status).toBe(200);
    await eventually(async () => expect(await logCount('shop', 'orders')).toBe(before + 1));
    await sleep(400);
    expect(await logCount('shop', 'orders')).toBe(before + 1);
  });

  it('3. a token with the scope — for all apps, limited to this app, or admin — is accepted, unseen by the script', async () => {
    const all = await token(['endpoints:invoke']);
    const limited = await token(['endpoints:invoke'], { appId: apps.shop });
    for (const secret of [all.token, limited.token, pc.token]) {
      const response = await orders(bearer(secret));
      expect(response.status, response.text).toBe(200);
      // The token was PiCloud's to check: the script never gets it.
      expect(response.json()).toEqual({ orders: [], app: 'shop', sees_token: false });
    }
  });

  it("4. the panel's session cookie alone is refused (a browser would send it cross-site)", async () => {
    const login = await fetch(`${pc.panelUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'owner', password: 'correct horse battery staple' }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie().find((line) => line.startsWith('picloud_session='));
    expect(cookie).toBeDefined();
    const session = String(cookie).split(';')[0];
    // The cookie is a good one: the admin API takes it.
    const admin = await fetch(`${pc.panelUrl}/api/v1/admin/apps`, { headers: { cookie: session } });
    expect(admin.status).toBe(200);

    const response = await orders({ cookie: session });
    expectError(response, 401, 'PICLOUD_ERR_AUTH_REQUIRED');
    expect(response.headers['www-authenticate']).toBe('Bearer realm="picloud"');
    // Nor does it run a script by id: on the endpoints' listener only API tokens count.
    const byId = await requestWithHost(`${pc.baseUrl}/api/v1/execute/${scripts['other headers']}`, 'x.lan', {
      headers: { cookie: session },
    });
    expectError(byId, 401, 'PICLOUD_ERR_AUTH_REQUIRED');
  });

  it('5. clearing required_scope makes the route anonymous again, and setting it protects it', async () => {
    const url = `/api/v1/admin/apps/shop/routes/${routes['shop /orders']}`;
    const cleared = await pc.api('PATCH', url, { required_scope: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.required_scope).toBeNull();
    await eventually(async () => expect((await orders()).status).toBe(200));
    // An anonymous route's script gets every header, Authorization included (it may use its own scheme).
    expect((await orders({ authorization: 'Bearer app-specific' })).json()).toMatchObject({
      sees_token: true,
    });

    const set = await pc.api('PATCH', url, { required_scope: 'admin' });
    expect(set.body.required_scope).toBe('admin');
    await eventually(async () => expect((await orders()).status).toBe(401));
    const invoker = await token(['endpoints:invoke']);
    expectError(await orders(bearer(invoker.token)), 403, 'PICLOUD_ERR_AUTH_SCOPE');
    expect((await orders(bearer(pc.token))).status).toBe(200);
  });
});

describe('what scripts see of credentials', () => {
  it("never the panel's session cookie; other cookies pass", async () => {
    const mixed = await call('other', '/headers', {
      headers: { cookie: 'a=1; picloud_session=secret-value; b=2' },
    });
    expect(mixed.json().cookie).toBe('a=1; b=2');
    const first = await call('other', '/headers', {
      headers: { cookie: 'picloud_session=secret-value; theme=dark' },
    });
    expect(first.json().cookie).toBe('theme=dark');
    const only = await call('other', '/headers', { headers: { cookie: 'picloud_session=secret-value' } });
    expect(only.json().cookie).toBeNull();
  });

  it('an anonymous route passes Authorization through (the script is the gate)', async () => {
    const response = await call('other', '/headers', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(response.json().authorization).toBe('Basic dXNlcjpwYXNz');
  });

  it("/api/v1/execute/{id} does not hand the caller's token to the script", async () => {
    const response = await requestWithHost(
      `${pc.baseUrl}/api/v1/execute/${scripts['other headers']}`,
      'x.lan',
      {
        headers: { authorization: `Bearer ${pc.token}` },
      },
    );
    expect(response.status, response.text).toBe(200);
    expect(response.json().authorization).toBeNull();
  });
});

describe('per-app CORS', () => {
  const PHONE = 'http://phone.lan:3000';
  const preflight = (slug: string, path: string, origin: string, method = 'PUT', headers = {}) =>
    call(slug, path, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': method, ...headers },
    });

  it('1. a preflight from a listed origin is answered by PiCloud', async () => {
    const response = await preflight('pwa', '/items/7', PHONE, 'PUT', {
      'access-control-request-headers': 'Content-Type, Authorization',
    });
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    expect(response.headers).toMatchObject({
      'access-control-allow-origin': PHONE,
      'access-control-allow-methods': 'GET, HEAD, PUT',
      'access-control-allow-headers': 'content-type, authorization',
      'access-control-max-age': '600',
      vary: 'Origin',
    });
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('2. a preflight lists the methods of the routes on that path', async () => {
    const response = await preflight('pwa', '/items', PHONE, 'POST');
    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-methods']).toBe('POST');
  });

  it('3. a preflight needs no token, even to a protected route', async () => {
    const response = await preflight('pwa', '/private', PHONE, 'GET', {
      'access-control-request-headers': 'authorization',
    });
    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-headers']).toBe('authorization');
  });

  it('4. a preflight from an unlisted origin is 403 CORS_ORIGIN', async () => {
    for (const origin of ['http://evil.lan', 'http://phone.lan:3001', 'https://phone.lan:3000', 'null']) {
      const response = await preflight('pwa', '/items/7', origin);
      expectError(response, 403, 'PICLOUD_ERR_CORS_ORIGIN');
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('5. a preflight to a path no route matches is the usual 404', async () => {
    expectError(await preflight('pwa', '/nothing', PHONE), 404, 'PICLOUD_ERR_ROUTE_NO_MATCH');
  });

  it("6. a request from a listed origin gets Access-Control-Allow-Origin and Vary on the script's response", async () => {
    const response = await call('pwa', '/items/7', { headers: { origin: PHONE } });
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ id: '7' });
    expect(response.headers['access-control-allow-origin']).toBe(PHONE);
    expect(response.headers.vary).toBe('Origin');
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it("7. also on the script's errors and on a refused token", async () => {
    const failed = await call('pwa', '/boom', { headers: { origin: PHONE } });
    expect(failed.status).toBe(500);
    expect(failed.json().error.code).toBe('PICLOUD_ERR_SCRIPT_THROWN');
    expect(failed.headers['access-control-allow-origin']).toBe(PHONE);
    expect(failed.headers.vary).toBe('Origin');

    const refused = await call('pwa', '/private', { headers: { origin: PHONE } });
    expectError(refused, 401, 'PICLOUD_ERR_AUTH_REQUIRED');
    expect(refused.headers['access-control-allow-origin']).toBe(PHONE);
    const accepted = await call('pwa', '/private', {
      headers: { origin: PHONE, authorization: `Bearer ${pc.token}` },
    });
    expect(accepted.status).toBe(200);
    expect(accepted.headers['access-control-allow-origin']).toBe(PHONE);
  });

  it('8. a script that sets Access-Control-Allow-Origin itself keeps it', async () => {
    const response = await call('pwa', '/own', { headers: { origin: PHONE } });
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe('https://mine.example');
    expect(response.headers.vary).toBe('Accept');
  });

  it('9. an unlisted origin, or none, gets no CORS headers (the script still answers)', async () => {
    const cases: Record<string, string>[] = [{ origin: 'http://evil.lan' }, {}];
    for (const headers of cases) {
      const response = await call('pwa', '/items/7', { headers });
      expect(response.status).toBe(200);
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
      expect(response.headers.vary).toBeUndefined();
    }
  });

  it('10. an app allowing "*" answers any origin with *', async () => {
    const pre = await preflight('anyone', '/hi', 'http://whoever.example', 'POST');
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
    expect(pre.headers['access-control-allow-methods']).toBe('GET, HEAD, POST');
    const response = await call('anyone', '/hi', { headers: { origin: 'http://whoever.example' } });
    expect(response.text).toBe('hi');
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.headers.vary).toBe('Origin');
  });

  it('11. an app without cors_origins adds nothing, and OPTIONS is routed like any method', async () => {
    const response = await call('shop', '/open', { headers: { origin: PHONE } });
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe(undefined);
    expect(response.headers.vary).toBeUndefined();
    expectError(await preflight('shop', '/open', PHONE, 'GET'), 404, 'PICLOUD_ERR_ROUTE_NO_MATCH');
    const own = await preflight('shop', '/custom', PHONE, 'GET');
    expect(own.status).toBe(200);
    expect(own.text).toBe('mine');
    expect(own.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('12. changing cors_origins follows through to the orchestrator', async () => {
    expect(
      (await pc.api('PATCH', '/api/v1/admin/apps/pwa', { cors_origins: ['HTTP://Tablet.lan'] })).status,
    ).toBe(200);
    await eventually(async () =>
      expect((await preflight('pwa', '/items/7', 'http://tablet.lan')).status).toBe(204),
    );
    expectError(await preflight('pwa', '/items/7', PHONE), 403, 'PICLOUD_ERR_CORS_ORIGIN');
    expect((await pc.api('PATCH', '/api/v1/admin/apps/pwa', { cors_origins: [] })).status).toBe(200);
    await eventually(async () =>
      expectError(await preflight('pwa', '/items/7', 'http://tablet.lan'), 404, 'PICLOUD_ERR_ROUTE_NO_MATCH'),
    );
  });
});
