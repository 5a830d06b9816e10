/**
 * No API route can be forgotten: every route the appliance registers under /api/v1 is enumerated from
 * the server itself, and each one that is not public must refuse a request with no credentials (401)
 * and one whose token lacks the route's scope (403) — before doing anything.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiRouteInfo } from '../../server/http/routes/api-v1.js';
import { apiV1 } from '../../server/http/routes/api-v1.js';
import { createToken } from '../../server/manager/auth/token-store.js';
import { SCOPE_NAMES, type Scope } from '../../server/security/scopes.js';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';

let pc: TestAppliance;
let routes: ApiRouteInfo[];
let helloId: string;

/** Counts of every table a refused request could have touched. */
async function counts(): Promise<Record<string, number>> {
  const tables = [
    'apps',
    'app_domains',
    'scripts',
    'script_versions',
    'routes',
    'admins',
    'api_tokens',
    'sessions',
  ];
  const result: Record<string, number> = {};
  for (const table of tables) {
    result[table] = Number((await pc.database.pool.query(`SELECT count(*) FROM ${table}`)).rows[0].count);
  }
  return result;
}

/** A concrete URL for a route pattern (the values need not exist: refusals come first). */
function concrete(url: string): string {
  return url
    .replace('::', ':')
    .replace(':app', 'default')
    .replace(':domain', 'localhost')
    .replace(':route', randomUUID())
    .replace(':version', '1')
    .replace(':id', helloId);
}

async function token(scopes: Scope[]): Promise<string> {
  const db = pc.appliance.database.db;
  return (
    await createToken(db, {
      name: `only-${scopes.length}`,
      scopes,
      appId: null,
      expiresAt: null,
      createdBy: 'test',
    })
  ).token;
}

beforeAll(async () => {
  pc = await startTestAppliance();
  routes = pc.appliance.server.apiRoutes.filter((route) => route.method !== 'HEAD');
  const hello = await pc.database.pool.query("SELECT id FROM scripts WHERE name = 'hello-world'");
  helloId = hello.rows[0].id;
});
afterAll(async () => {
  await pc?.stop();
});

describe('every API route', () => {
  it('is enumerated from the server, with the ones the product documents', () => {
    const names = routes.map((route) => `${route.method} ${route.url}`);
    expect(names.length).toBeGreaterThanOrEqual(35);
    for (const expected of [
      'POST /api/v1/admin/apps',
      'DELETE /api/v1/admin/apps/:app',
      'PATCH /api/v1/admin/scripts/:id',
      'GET /api/v1/admin/logs/stream',
      'POST /api/v1/admin/tokens',
      'GET /api/v1/admin/audit',
      'POST /api/v1/auth/password',
      'POST /api/v1/execute/:id',
    ]) {
      expect(names).toContain(expected);
    }
  });

  it("is served by its plane's listener: the control plane by the panel's, /execute by the endpoints'", () => {
    for (const route of routes) {
      const expected = route.url.startsWith('/api/v1/execute/') ? 'endpoints' : 'panel';
      expect(route.listener, `${route.method} ${route.url}`).toBe(expected);
    }
    expect(routes.filter((route) => route.listener === 'endpoints').length).toBeGreaterThan(0);
  });

  it('is public only for sign-in, set-up, sign-out and the session probe', () => {
    const open = routes
      .filter((route) => 'public' in route.access)
      .map((route) => `${route.method} ${route.url}`);
    expect(open.sort()).toEqual([
      'GET /api/v1/auth/status',
      'POST /api/v1/auth/login',
      'POST /api/v1/auth/logout',
      'POST /api/v1/auth/setup',
    ]);
  });

  it('refuses a request with no credentials (401) and changes nothing', async () => {
    const before = await counts();
    const guarded = routes.filter((route) => !('public' in route.access));
    for (const route of guarded) {
      const response = await pc.appliance.server[route.listener].inject({
        method: route.method as 'GET',
        url: concrete(route.url),
        payload: route.method === 'GET' || route.method === 'DELETE' ? undefined : {},
      });
      expect(response.statusCode, `${route.method} ${route.url}`).toBe(401);
      expect(response.json().error.code, `${route.method} ${route.url}`).toBe('PICLOUD_ERR_AUTH_REQUIRED');
      expect(response.headers['www-authenticate']).toBe('Bearer realm="picloud"');
    }
    expect(await counts()).toEqual(before);
  });

  it('refuses a token that holds every scope but the one it needs (403) and changes nothing', async () => {
    const before = await counts();
    const guarded = routes.filter((route) => !('public' in route.access));
    // One token per missing scope; `admin` would imply the missing one, so it is never granted here.
    const lacking = new Map<string, string>();
    for (const route of guarded) {
      const access = route.access;
      // A session-only route refuses every token, even one holding `admin`.
      const missing = 'scope' in access ? access.scope : 'session';
      if (!lacking.has(missing)) {
        const granted = SCOPE_NAMES.filter((scope) => scope !== missing && scope !== 'admin');
        lacking.set(missing, await token(missing === 'session' ? [...SCOPE_NAMES] : granted));
      }
      const response = await pc.appliance.server[route.listener].inject({
        method: route.method as 'GET',
        url: concrete(route.url),
        headers: { authorization: `Bearer ${lacking.get(missing)}` },
        payload: route.method === 'GET' || route.method === 'DELETE' ? undefined : {},
      });
      const expected = 'session' in access ? 'PICLOUD_ERR_AUTH_SESSION_REQUIRED' : 'PICLOUD_ERR_AUTH_SCOPE';
      expect(response.statusCode, `${route.method} ${route.url}`).toBe(403);
      expect(response.json().error.code, `${route.method} ${route.url}`).toBe(expected);
    }
    expect(await counts()).toEqual({ ...before, api_tokens: before.api_tokens + lacking.size });
  });

  it('admits a token holding exactly its scope past the gate', async () => {
    const read = await token(['apps:read']);
    const response = await pc.appliance.server.panel.inject({
      url: '/api/v1/admin/apps',
      headers: { authorization: `Bearer ${read}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().items.map((app: { slug: string }) => app.slug)).toContain('default');
  });
});

describe('a route without an access declaration', () => {
  it('cannot be registered under /api/v1', async () => {
    const app = Fastify();
    await expect(
      app.register(apiV1, {
        prefix: '/api/v1',
        registry: [],
        listener: 'panel',
        accessControl: async () => undefined,
        plugins: [
          async (scope) => {
            scope.get('/admin/forgotten', async () => 'open');
          },
        ],
      }),
    ).rejects.toThrow(/declares no config.access/);
    await app.close().catch(() => undefined);
  });

  it('nor can API routes be mounted without access control', async () => {
    const app = Fastify();
    await expect(
      app.register(apiV1, {
        prefix: '/api/v1',
        registry: [],
        listener: 'panel',
        accessControl: null,
        plugins: [async () => undefined],
      }),
    ).rejects.toThrow(/need access control/);
    await app.close().catch(() => undefined);
  });
});
