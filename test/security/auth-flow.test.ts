/**
 * The owner's side of security, through the real API: first-run set-up (local, or remote with the
 * one-time code; closed afterwards), sign-in with a growing back-off against guessing, the session
 * cookie's flags, sign-out, password change, session expiry.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManagerTestServer, type ManagerTestServer } from '../support/manager-server.js';
import { sessionCookie, signIn } from './session-helpers.js';

const LAN = { remoteAddress: '192.168.1.20' };
const PASSWORD = 'a long enough passphrase';

/** A request from another machine on the LAN (light-my-request's remoteAddress). */
async function fromLan(
  t: ManagerTestServer,
  method: 'GET' | 'POST',
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await t.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: { host: 'picloud.local:8080', ...headers },
    ...LAN,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return { status: response.statusCode, headers: response.headers, body: response.json() };
}

describe('first-run set-up', () => {
  let t: ManagerTestServer;
  let code: string;
  beforeAll(async () => {
    t = await createManagerTestServer({ withoutOwner: true });
    code = (await t.manager.auth.openSetup()) ?? '';
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is announced by the session probe, and needs a code from another machine', async () => {
    const local = await t.anonymous('GET', '/auth/status');
    expect(local.body).toMatchObject({ setup_required: true, setup_code_required: false, signed_in: false });
    const remote = await fromLan(t, 'GET', '/auth/status');
    expect(remote.body).toMatchObject({ setup_required: true, setup_code_required: true });
    expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
  });

  it('keeps the admin API shut, even to a token, until an admin exists', async () => {
    const token = await t.createToken(['admin']);
    for (const headers of [{}, { authorization: `Bearer ${token}` }] as Record<string, string>[]) {
      const response = await t.anonymous('GET', '/admin/apps', undefined, headers);
      expect(response.status).toBe(403);
      expect(response.body.error.code).toBe('PICLOUD_ERR_AUTH_SETUP_REQUIRED');
    }
  });

  it('refuses another machine without the code, or with a wrong one, and a rebinding page', async () => {
    const body = { username: 'owner', password: PASSWORD };
    const without = await fromLan(t, 'POST', '/auth/setup', body);
    expect(without.status).toBe(403);
    expect(without.body.error.code).toBe('PICLOUD_ERR_AUTH_SETUP_CODE');
    const wrong = await fromLan(t, 'POST', '/auth/setup', { ...body, setup_code: 'AAAA-BBBB-CCCC' });
    expect(wrong.status).toBe(403);
    // DNS rebinding: a page whose name resolves to 127.0.0.1 still sends its own Host.
    const rebound = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/setup',
      headers: { host: 'evil.example' },
      payload: body,
    });
    expect(rebound.statusCode).toBe(403);
    expect(rebound.json().error.code).toBe('PICLOUD_ERR_AUTH_SETUP_CODE');
    // A cross-site form post from a page in the owner's browser.
    const crossSite = await t.anonymous('POST', '/auth/setup', body, { origin: 'http://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.error.code).toBe('PICLOUD_ERR_AUTH_CROSS_SITE');
    expect((await t.database.pool.query('SELECT count(*) FROM admins')).rows[0].count).toBe('0');
  });

  it('refuses a weak password and changes nothing', async () => {
    const response = await t.anonymous('POST', '/auth/setup', { username: 'owner', password: 'short' });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('PICLOUD_ERR_AUTH_WEAK_PASSWORD');
    expect((await t.database.pool.query('SELECT count(*) FROM admins')).rows[0].count).toBe('0');
  });

  it('creates the owner from another machine with the code (typed loosely), signed in at once', async () => {
    const typed = code.toLowerCase().replaceAll('-', ' ');
    const response = await fromLan(t, 'POST', '/auth/setup', {
      username: 'owner',
      password: PASSWORD,
      setup_code: typed,
    });
    expect(response.status).toBe(201);
    expect(response.body.user.username).toBe('owner');
    const cookie = String([response.headers['set-cookie']].flat()[0]);
    expect(cookie).toMatch(/^picloud_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toMatch(/Secure/);
    const apps = await t.anonymous('GET', '/admin/apps', undefined, { cookie: sessionCookie(cookie) });
    expect(apps.status).toBe(200);
  });

  it('is closed once an admin exists, even from this machine and with the code', async () => {
    for (const attempt of [
      () => t.anonymous('POST', '/auth/setup', { username: 'second', password: PASSWORD }),
      () => fromLan(t, 'POST', '/auth/setup', { username: 'second', password: PASSWORD, setup_code: code }),
    ]) {
      const response = await attempt();
      expect(response.status).toBe(409);
      expect(response.body.error.code).toBe('PICLOUD_ERR_AUTH_SETUP_DONE');
    }
    expect((await t.database.pool.query('SELECT username FROM admins')).rows).toEqual([
      { username: 'owner' },
    ]);
    expect((await t.anonymous('GET', '/auth/status')).body.setup_required).toBe(false);
  });
});

describe('sign-in', () => {
  let t: ManagerTestServer;
  beforeAll(async () => {
    t = await createManagerTestServer();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers a wrong password and an unknown user alike', async () => {
    const wrong = await fromLan(t, 'POST', '/auth/login', {
      username: 'owner',
      password: 'not the password',
    });
    const unknown = await fromLan(t, 'POST', '/auth/login', {
      username: 'nobody',
      password: 'not the password',
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error.code).toBe('PICLOUD_ERR_AUTH_LOGIN_FAILED');
  });

  it('marks the cookie Secure behind the HTTPS proxy (X-Forwarded-Proto from a trusted address)', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '192.168.1.30' },
      payload: { username: t.owner.username, password: t.owner.password },
    });
    expect(response.statusCode).toBe(200);
    expect(String([response.headers['set-cookie']].flat()[0])).toMatch(/; Secure/);
  });

  it('signs out: the cookie is cleared and no longer works', async () => {
    const session = await signIn(t);
    expect((await t.anonymous('GET', '/admin/apps', undefined, { cookie: session.cookie })).status).toBe(200);
    const out = await t.anonymous('POST', '/auth/logout', undefined, { cookie: session.cookie });
    expect(out.status).toBe(204);
    expect(String([out.headers['set-cookie']].flat()[0])).toMatch(/^picloud_session=;/);
    const after = await t.anonymous('GET', '/admin/apps', undefined, { cookie: session.cookie });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('PICLOUD_ERR_AUTH_SESSION_INVALID');
  });

  it('ends a session at its expiry', async () => {
    const session = await signIn(t);
    await t.database.pool.query("UPDATE sessions SET expires_at = now() - interval '1 second'");
    const response = await t.anonymous('GET', '/admin/apps', undefined, { cookie: session.cookie });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('PICLOUD_ERR_AUTH_SESSION_INVALID');
  });

  it('tells the panel who is signed in, with the CSRF token it must echo', async () => {
    const session = await signIn(t);
    const status = await t.anonymous('GET', '/auth/status', undefined, { cookie: session.cookie });
    expect(status.body).toMatchObject({
      signed_in: true,
      via: 'session',
      user: { username: 'owner' },
      csrf_token: session.csrf,
    });
    const token = await t.createToken(['logs:read']);
    const byToken = await t.anonymous('GET', '/auth/status', undefined, { authorization: `Bearer ${token}` });
    expect(byToken.body).toMatchObject({ signed_in: true, via: 'token', user: null, scopes: ['logs:read'] });
  });
});

describe('guessing', () => {
  // A server of its own: the throttle counts every failure of the process.
  let t: ManagerTestServer;
  beforeAll(async () => {
    t = await createManagerTestServer();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('slows brute force down: after 5 failures each attempt waits twice as long, right password or not', async () => {
    const guess = (password: string, remoteAddress = '192.168.1.66') =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress,
        payload: { username: 'owner', password },
      });
    for (let i = 0; i < 5; i++) expect((await guess(`guess-${i}-wrong`)).statusCode).toBe(401);
    // The sixth failure still gets an answer, and starts the back-off: 1 s.
    expect((await guess('guess-5-wrong')).statusCode).toBe(401);
    const blocked = await guess(t.owner.password);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('PICLOUD_ERR_AUTH_RATE_LIMITED');
    expect(blocked.headers['retry-after']).toBe('1');
    // The account is throttled from a fresh address too (guessing from many machines).
    expect((await guess(t.owner.password, '192.168.1.67')).statusCode).toBe(429);
    await sleep(1_100);
    expect((await guess('guess-6-wrong')).statusCode).toBe(401);
    const longer = await guess(t.owner.password);
    expect(longer.statusCode).toBe(429);
    expect(longer.headers['retry-after']).toBe('2');
    await sleep(2_100);
    const allowed = await guess(t.owner.password);
    expect(allowed.statusCode, allowed.body).toBe(200);
    // Success forgets the failures.
    expect((await guess('one-more-wrong')).statusCode).toBe(401);
  });
});

describe('password change', () => {
  let t: ManagerTestServer;
  beforeAll(async () => {
    t = await createManagerTestServer();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('needs the current password, ends the other sessions, keeps this one', async () => {
    const here = await signIn(t);
    const elsewhere = await signIn(t);
    const change = (current: string, next: string) =>
      t.request(
        'POST',
        '/auth/password',
        { current_password: current, new_password: next },
        here.changeHeaders(),
      );

    const wrong = await change('not the password', 'a brand new passphrase');
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('PICLOUD_ERR_AUTH_WRONG_PASSWORD');
    const weak = await change(t.owner.password, 'short');
    expect(weak.status).toBe(400);
    expect(weak.body.error.code).toBe('PICLOUD_ERR_AUTH_WEAK_PASSWORD');
    // Both refusals left the password alone.
    await signIn(t);

    expect((await change(t.owner.password, 'a brand new passphrase')).status).toBe(204);
    expect((await t.anonymous('GET', '/admin/apps', undefined, { cookie: here.cookie })).status).toBe(200);
    expect((await t.anonymous('GET', '/admin/apps', undefined, { cookie: elsewhere.cookie })).status).toBe(
      401,
    );
    const old = await t.anonymous('POST', '/auth/login', { username: 'owner', password: t.owner.password });
    expect(old.status).toBe(401);
    await signIn(t, 'owner', 'a brand new passphrase');
  });

  it('is for signed-in admins only, not tokens', async () => {
    const response = await t.request('POST', '/auth/password', {
      current_password: 'whatever it is',
      new_password: 'a brand new passphrase',
    });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('PICLOUD_ERR_AUTH_SESSION_REQUIRED');
  });
});
