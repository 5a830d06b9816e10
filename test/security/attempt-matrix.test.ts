/**
 * The attempt matrix: every way of calling the admin API without the right to — no credentials, a
 * token with the wrong scope, a token limited to another app, an expired or revoked token, a forged or
 * replayed session cookie, a change without the CSRF token, a cross-site request — is refused with
 * 401/403, and the database is exactly as before. Positive controls prove each request works with the
 * right credentials, so the refusals are not an accident of the request itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeToken } from '../../server/manager/auth/token-store.js';
import { createManagerTestServer, HELLO_SOURCE, type ManagerTestServer } from '../support/manager-server.js';
import { type Session, signIn } from './session-helpers.js';

let t: ManagerTestServer;
let alpha: { id: string };
let script: { id: string };

/** Every table an attempt could change, audit log aside (refusals are audited on purpose). */
async function everything(): Promise<unknown> {
  const snapshot = await t.snapshot();
  const extra: Record<string, unknown[]> = {};
  for (const table of ['admins', 'api_tokens']) {
    extra[table] = (await t.database.pool.query(`SELECT * FROM ${table} ORDER BY id`)).rows.map((row) => ({
      ...row,
      last_used_at: undefined,
    }));
  }
  return { ...snapshot, ...extra };
}

interface Attempt {
  name: string;
  method: 'POST' | 'PATCH' | 'DELETE' | 'GET';
  path: () => string;
  body?: unknown;
  /** The scope a token needs for it. */
  scope: string;
}

const ATTEMPTS: Attempt[] = [
  {
    name: 'rename an app',
    method: 'PATCH',
    path: () => '/admin/apps/alpha',
    body: { name: 'pwned' },
    scope: 'apps:write',
  },
  { name: 'delete an app', method: 'DELETE', path: () => '/admin/apps/alpha', scope: 'apps:write' },
  {
    name: 'claim a host for an app',
    method: 'POST',
    path: () => '/admin/apps/alpha/domains',
    body: { pattern: 'evil.lan' },
    scope: 'apps:write',
  },
  {
    name: 'create a script',
    method: 'POST',
    path: () => '/admin/scripts',
    body: { app: 'alpha', name: 'evil', source: HELLO_SOURCE },
    scope: 'scripts:write',
  },
  {
    name: 'replace a script',
    method: 'PATCH',
    path: () => `/admin/scripts/${script.id}`,
    body: { source: '"pwned"' },
    scope: 'scripts:write',
  },
  {
    name: 'add a route',
    method: 'POST',
    path: () => '/admin/apps/alpha/routes',
    body: { script: 'api', methods: ['GET'], path: '/evil' },
    scope: 'scripts:write',
  },
  {
    name: 'mint an admin token',
    method: 'POST',
    path: () => '/admin/tokens',
    body: { name: 'backdoor', scopes: ['admin'] },
    scope: 'admin',
  },
];

/** Credentials that must all be refused, with the status and code each gets. */
interface BadCredentials {
  name: string;
  headers: () => Promise<Record<string, string>>;
  status: 401 | 403;
  code: string;
}

let replayed: Session;
let live: Session;

beforeAll(async () => {
  t = await createManagerTestServer();
  alpha = await t.createApp('alpha');
  await t.createApp('beta');
  script = await t.createScript('alpha', 'api');
  live = await signIn(t);
  // A session that signed out: its cookie and CSRF token are kept to be replayed.
  replayed = await signIn(t);
  expect((await t.request('POST', '/auth/logout', undefined, replayed.changeHeaders())).status).toBe(204);
});
afterAll(async () => {
  await t?.close();
});

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

const BAD: BadCredentials[] = [
  { name: 'no credentials', headers: async () => ({}), status: 401, code: 'PICLOUD_ERR_AUTH_REQUIRED' },
  {
    name: 'a token with the wrong scope',
    headers: async () => bearer(await t.createToken(['logs:read', 'apps:read', 'scripts:read'])),
    status: 403,
    code: 'PICLOUD_ERR_AUTH_SCOPE',
  },
  {
    name: 'a token limited to another app',
    headers: async () => {
      const beta = await t.request('GET', '/admin/apps/beta');
      return bearer(await t.createToken(['apps:write', 'scripts:write', 'admin'], { appId: beta.body.id }));
    },
    status: 403,
    code: 'PICLOUD_ERR_AUTH_APP_FORBIDDEN',
  },
  {
    name: 'an expired token',
    headers: async () => bearer(await t.createToken(['admin'], { expiresAt: new Date(Date.now() - 1000) })),
    status: 401,
    code: 'PICLOUD_ERR_AUTH_TOKEN_EXPIRED',
  },
  {
    name: 'a revoked token',
    headers: async () => {
      const token = await t.createToken(['admin'], { name: 'to-revoke' });
      const row = await t.database.pool.query(
        "SELECT id FROM api_tokens WHERE name = 'to-revoke' AND revoked_at IS NULL",
      );
      await revokeToken(t.db, row.rows[0].id);
      return bearer(token);
    },
    status: 401,
    code: 'PICLOUD_ERR_AUTH_TOKEN_REVOKED',
  },
  {
    name: 'a made-up token',
    headers: async () => bearer(`pic_${'A'.repeat(43)}`),
    status: 401,
    code: 'PICLOUD_ERR_AUTH_TOKEN_INVALID',
  },
  {
    name: 'a forged session cookie',
    headers: async () => ({ cookie: `picloud_session=${'x'.repeat(43)}`, 'x-csrf-token': live.csrf }),
    status: 401,
    code: 'PICLOUD_ERR_AUTH_SESSION_INVALID',
  },
  {
    name: 'a replayed session cookie (after sign-out)',
    headers: async () => replayed.changeHeaders(),
    status: 401,
    code: 'PICLOUD_ERR_AUTH_SESSION_INVALID',
  },
  {
    name: 'a live session cookie without the CSRF token',
    headers: async () => ({ cookie: live.cookie }),
    status: 403,
    code: 'PICLOUD_ERR_AUTH_CSRF',
  },
  {
    name: "a live session cookie with another session's CSRF token",
    headers: async () => ({ cookie: live.cookie, 'x-csrf-token': replayed.csrf }),
    status: 403,
    code: 'PICLOUD_ERR_AUTH_CSRF',
  },
  {
    name: 'a cross-site request (Origin of another site) riding a live session',
    headers: async () => ({ ...live.changeHeaders(), origin: 'http://evil.example' }),
    status: 403,
    code: 'PICLOUD_ERR_AUTH_CROSS_SITE',
  },
  {
    name: 'a cross-site request (Sec-Fetch-Site) riding a live session',
    headers: async () => ({ ...live.changeHeaders(), 'sec-fetch-site': 'cross-site' }),
    status: 403,
    code: 'PICLOUD_ERR_AUTH_CROSS_SITE',
  },
];

describe('refused attempts change nothing', () => {
  for (const bad of BAD) {
    it(`${bad.name}: every change is refused with ${bad.status}`, async () => {
      const headers = await bad.headers();
      const before = await everything();
      for (const attempt of ATTEMPTS) {
        const response = await t.anonymous(attempt.method, attempt.path(), attempt.body, headers);
        expect(response.status, `${attempt.name}: ${response.text}`).toBe(bad.status);
        expect(response.body.error.code, attempt.name).toBe(bad.code);
      }
      expect(await everything()).toEqual(before);
    });
  }

  it('a token limited to another app cannot read this app either', async () => {
    const beta = await t.request('GET', '/admin/apps/beta');
    const token = await t.createToken(['admin'], { appId: beta.body.id });
    for (const path of [
      '/admin/apps/alpha',
      `/admin/scripts/${script.id}`,
      '/admin/apps/alpha/routes',
      '/admin/logs?app=alpha',
    ]) {
      const response = await t.request('GET', path, undefined, bearer(token));
      expect(response.status, path).toBe(403);
    }
    // A list that names no app is refused to it too; naming its own app works.
    expect((await t.request('GET', '/admin/logs', undefined, bearer(token))).status).toBe(403);
    expect((await t.request('GET', '/admin/logs?app=beta', undefined, bearer(token))).status).toBe(200);
  });
});

describe('the same changes with the right credentials (controls)', () => {
  it('a live session with its CSRF token, from its own page, may change things', async () => {
    const response = await t.request(
      'PATCH',
      '/admin/apps/alpha',
      { name: 'Alpha' },
      {
        ...live.changeHeaders(),
        origin: 'http://localhost:80',
        'sec-fetch-site': 'same-origin',
      },
    );
    expect(response.status, response.text).toBe(200);
    expect(response.body.name).toBe('Alpha');
  });

  it('a token limited to this app, with the scope, may change it', async () => {
    const token = await t.createToken(['scripts:write'], { appId: alpha.id });
    const response = await t.request(
      'PATCH',
      `/admin/scripts/${script.id}`,
      { source: '"v2"' },
      bearer(token),
    );
    expect(response.status, response.text).toBe(200);
    expect(response.body.version).toBe(2);
  });

  it('every attempt succeeds with the owner token', async () => {
    for (const attempt of ATTEMPTS.filter((a) => a.method !== 'DELETE')) {
      const response = await t.request(attempt.method, attempt.path(), attempt.body);
      expect(response.status, `${attempt.name}: ${response.text}`).toBeLessThan(300);
    }
    expect((await t.request('DELETE', '/admin/apps/alpha')).status).toBe(204);
  });
});
