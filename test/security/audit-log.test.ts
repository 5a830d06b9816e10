/**
 * The audit log, through `GET /api/v1/admin/audit`: every change made with an API token or a browser
 * session is recorded — who (token name or user name), what (`METHOD /api/v1/route/pattern`), to what
 * (the route parameters and the app), and how it ended (ok, failed, refused) — and so are sign-ins and
 * sign-outs; reads are not. The list is newest first, filtered and paginated, needs `audit:read`, and
 * no row ever holds a password or a token.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createManagerTestServer, type ManagerTestServer } from '../support/manager-server.js';

let t: ManagerTestServer;
beforeAll(async () => {
  t = await createManagerTestServer();
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  // Each test reads only what it did: fixtures go, the owner and its token stay.
  await t.reset();
  await t.database.pool.query('TRUNCATE audit_log RESTART IDENTITY');
});

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A signed-in browser: its cookie and CSRF token, and headers for a change. */
interface Browser {
  cookie: string;
  secret: string;
  csrf: string;
  /** Headers of a change sent by this session. */
  headers: Record<string, string>;
}

async function signIn(password = t.owner.password): Promise<Browser> {
  const response = await t.anonymous('POST', '/auth/login', { username: t.owner.username, password });
  expect(response.status, response.text).toBe(200);
  const setCookie = [response.headers['set-cookie']].flat().join('\n');
  const cookie = /picloud_session=[^;]+/.exec(setCookie)?.[0];
  expect(cookie, setCookie).toBeDefined();
  const csrf = response.body.csrf_token as string;
  return {
    cookie: cookie!,
    secret: cookie!.split('=')[1],
    csrf,
    headers: { cookie: cookie!, 'x-csrf-token': csrf },
  };
}

/** Headers presenting a token. */
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The id of the token named `name`. */
async function tokenId(name: string): Promise<string> {
  const { rows } = await t.database.pool.query('SELECT id FROM api_tokens WHERE name = $1', [name]);
  expect(rows).toHaveLength(1);
  return String(rows[0].id);
}

/**
 * Waits until `count` entries are written. API changes are recorded once the response has gone
 * (onResponse), so an entry may land a moment after the client has its answer.
 */
async function settled(count: number): Promise<void> {
  await vi.waitFor(
    async () => {
      const { rows } = await t.database.pool.query('SELECT count(*)::int AS n FROM audit_log');
      expect(rows[0].n).toBe(count);
    },
    { timeout: 3_000, interval: 20 },
  );
}

/** One page of the audit log read with the owner's token; `query` is a query string without `?`. */
async function auditPage(query = ''): Promise<{ items: any[]; next_cursor: string | null }> {
  const response = await t.request('GET', `/admin/audit${query ? `?${query}` : ''}`);
  expect(response.status, response.text).toBe(200);
  return response.body;
}

/** What an entry says, without its id and time. */
const summary = (entry: any) => ({
  actor: entry.actor.name,
  action: entry.action,
  outcome: entry.outcome,
  status: entry.status,
});

describe('what is recorded', () => {
  it('records changes made with a token: its name, the route pattern, the parameters, the app', async () => {
    const bot = await t.createToken(['apps:read', 'apps:write'], { name: 'deploy-bot' });
    const botId = await tokenId('deploy-bot');

    // 1. Three changes, with reads in between.
    const created = await t.request('POST', '/admin/apps', { slug: 'shop', name: 'Shop' }, bearer(bot));
    expect(created.status, created.text).toBe(201);
    expect((await t.request('GET', '/admin/apps/shop', undefined, bearer(bot))).status).toBe(200);
    const domain = await t.request('POST', '/admin/apps/shop/domains', { pattern: 'shop.lan' }, bearer(bot));
    expect(domain.status, domain.text).toBe(201);
    expect((await t.request('GET', '/admin/apps', undefined, bearer(bot))).status).toBe(200);
    const renamed = await t.request('PATCH', '/admin/apps/shop', { name: 'The Shop' }, bearer(bot));
    expect(renamed.status, renamed.text).toBe(200);
    await settled(3);

    // 2. Newest first; the reads left no trace.
    const { items, next_cursor } = await auditPage();
    expect(next_cursor).toBeNull();
    expect(items).toHaveLength(3);
    const actor = { kind: 'token', id: botId, name: 'deploy-bot' };
    expect(items[0]).toEqual({
      id: expect.stringMatching(/^\d+$/),
      at: expect.stringMatching(ISO),
      actor,
      action: 'PATCH /api/v1/admin/apps/:app',
      target: { app: 'shop' },
      app_id: created.body.id,
      outcome: 'ok',
      status: 200,
      ip: '127.0.0.1',
    });
    expect(items[1]).toMatchObject({
      actor,
      action: 'POST /api/v1/admin/apps/:app/domains',
      target: { app: 'shop' },
      app_id: created.body.id,
      outcome: 'ok',
      status: 201,
    });
    expect(items[2]).toMatchObject({
      actor,
      action: 'POST /api/v1/admin/apps',
      target: {},
      outcome: 'ok',
      status: 201,
    });
    expect(Number(items[0].id)).toBeGreaterThan(Number(items[1].id));
    expect(Number(items[1].id)).toBeGreaterThan(Number(items[2].id));
    expect(items[0].at >= items[1].at && items[1].at >= items[2].at).toBe(true);
  });

  it('records a failed change (409) as failed and a change refused for a missing scope (403) as refused', async () => {
    const shop = await t.createApp('shop');
    const reader = await t.createToken(['logs:read'], { name: 'log-reader' });

    // 1. A conflict is the caller's failure, not a refusal.
    const taken = await t.request('POST', '/admin/apps', { slug: 'shop', name: 'Again' });
    expect(taken.status, taken.text).toBe(409);
    // 2. A token without apps:write is refused before anything happens.
    const refused = await t.request('DELETE', '/admin/apps/shop', undefined, bearer(reader));
    expect(refused.status, refused.text).toBe(403);
    expect(refused.body.error.code).toBe('PICLOUD_ERR_AUTH_SCOPE');
    expect((await t.request('GET', '/admin/apps/shop')).status).toBe(200);
    // 3. A conflict on an app's own resource names the app.
    expect((await t.request('POST', '/admin/apps/shop/domains', { pattern: 'shop.lan' })).status).toBe(201);
    const other = await t.createApp('other');
    const claimed = await t.request('POST', '/admin/apps/other/domains', { pattern: 'shop.lan' });
    expect(claimed.status, claimed.text).toBe(409);
    await settled(6);

    const { items } = await auditPage();
    expect(items.map(summary)).toEqual([
      {
        actor: 'owner-test-token',
        action: 'POST /api/v1/admin/apps/:app/domains',
        outcome: 'failed',
        status: 409,
      },
      { actor: 'owner-test-token', action: 'POST /api/v1/admin/apps', outcome: 'ok', status: 201 },
      {
        actor: 'owner-test-token',
        action: 'POST /api/v1/admin/apps/:app/domains',
        outcome: 'ok',
        status: 201,
      },
      { actor: 'log-reader', action: 'DELETE /api/v1/admin/apps/:app', outcome: 'refused', status: 403 },
      { actor: 'owner-test-token', action: 'POST /api/v1/admin/apps', outcome: 'failed', status: 409 },
      { actor: 'owner-test-token', action: 'POST /api/v1/admin/apps', outcome: 'ok', status: 201 },
    ]);
    expect(items[0]).toMatchObject({ target: { app: 'other' }, app_id: other.id });
    expect(items[2]).toMatchObject({ target: { app: 'shop' }, app_id: shop.id });
    expect(items[3]).toMatchObject({
      actor: { kind: 'token', id: await tokenId('log-reader'), name: 'log-reader' },
      target: { app: 'shop' },
    });
  });

  it('does not record requests by unknown callers, nor reads', async () => {
    await t.createApp('shop');
    await settled(1);
    expect((await t.anonymous('DELETE', '/admin/apps/shop')).status).toBe(401);
    expect(
      (await t.request('DELETE', '/admin/apps/shop', undefined, bearer(`pic_${'x'.repeat(43)}`))).status,
    ).toBe(401);
    for (const path of ['/admin/apps', '/admin/apps/shop', '/admin/tokens', '/admin/audit', '/auth/status']) {
      expect((await t.request('GET', path)).status, path).toBe(200);
    }
    // A later change proves the earlier requests had their chance to be written.
    expect((await t.request('PATCH', '/admin/apps/shop', { name: 'Shop' })).status).toBe(200);
    await settled(2);
    const { items } = await auditPage();
    expect(items.map((entry) => entry.action)).toEqual([
      'PATCH /api/v1/admin/apps/:app',
      'POST /api/v1/admin/apps',
    ]);
  });

  it('records sign-ins (refused and ok), changes made in a session, and sign-outs', async () => {
    const shop = await t.createApp('shop');

    // 1. A wrong password, then the right one.
    const wrong = await t.anonymous('POST', '/auth/login', {
      username: t.owner.username,
      password: 'not the password',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('PICLOUD_ERR_AUTH_LOGIN_FAILED');
    const browser = await signIn();

    // 2. A change with the session, one without its CSRF token, a read.
    const patched = await t.request('PATCH', '/admin/apps/shop', { name: 'Shop!' }, browser.headers);
    expect(patched.status, patched.text).toBe(200);
    const forged = await t.request(
      'PATCH',
      '/admin/apps/shop',
      { name: 'Forged' },
      { cookie: browser.cookie },
    );
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe('PICLOUD_ERR_AUTH_CSRF');
    expect((await t.request('GET', '/admin/apps/shop', undefined, { cookie: browser.cookie })).status).toBe(
      200,
    );

    // 3. Sign out; the session is over.
    const out = await t.request('POST', '/auth/logout', undefined, browser.headers);
    expect(out.status).toBe(204);
    expect((await t.request('GET', '/admin/apps', undefined, { cookie: browser.cookie })).status).toBe(401);
    await settled(6);

    const { items } = await auditPage();
    const owner = { kind: 'admin', id: t.owner.id, name: t.owner.username };
    expect(items).toEqual([
      expect.objectContaining({ actor: owner, action: 'auth.logout', outcome: 'ok', status: 204 }),
      expect.objectContaining({
        actor: owner,
        action: 'PATCH /api/v1/admin/apps/:app',
        target: { app: 'shop' },
        outcome: 'refused',
        status: 403,
      }),
      expect.objectContaining({
        actor: owner,
        action: 'PATCH /api/v1/admin/apps/:app',
        target: { app: 'shop' },
        app_id: shop.id,
        outcome: 'ok',
        status: 200,
      }),
      expect.objectContaining({
        actor: owner,
        action: 'auth.login',
        app_id: null,
        outcome: 'ok',
        status: 200,
      }),
      expect.objectContaining({
        actor: { kind: 'anonymous', id: null, name: '' },
        action: 'auth.login',
        target: { username: 'owner' },
        app_id: null,
        outcome: 'refused',
        status: 401,
      }),
      expect.objectContaining({
        actor: expect.objectContaining({ kind: 'token' }),
        action: 'POST /api/v1/admin/apps',
      }),
    ]);
  });

  it('records sign-in attempts under the name they tried, in lower case', async () => {
    const unknown = await t.anonymous('POST', '/auth/login', {
      username: 'Mallory',
      password: 'guess guess',
    });
    expect(unknown.status).toBe(401);
    const { items } = await auditPage('action=auth.login');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ target: { username: 'mallory' }, outcome: 'refused' });
  });
});

describe('filters and pages', () => {
  /** A log with two actors, two apps, all three outcomes and some sign-in events. */
  async function history() {
    const shop = await t.createApp('shop');
    const home = await t.createApp('home');
    const bot = await t.createToken(['apps:write'], { name: 'deploy-bot' });
    const reader = await t.createToken(['logs:read'], { name: 'log-reader' });
    const send = async (status: number, ...args: Parameters<ManagerTestServer['request']>) => {
      const response = await t.request(...args);
      expect(response.status, `${args[0]} ${args[1]} → ${response.text}`).toBe(status);
    };
    await send(200, 'PATCH', '/admin/apps/shop', { name: 'Shop' }, bearer(bot));
    await send(201, 'POST', '/admin/apps/home/domains', { pattern: 'home.lan' }, bearer(bot));
    await send(409, 'POST', '/admin/apps/shop/domains', { pattern: 'home.lan' }, bearer(bot));
    await send(403, 'DELETE', '/admin/apps/home', undefined, bearer(reader));
    await send(204, 'DELETE', '/admin/apps/home/domains/home.lan', undefined, bearer(bot));
    expect(
      (await t.anonymous('POST', '/auth/login', { username: 'owner', password: 'nope nope' })).status,
    ).toBe(401);
    const browser = await signIn();
    await send(204, 'POST', '/auth/logout', undefined, browser.headers);
    // 2 app creations (owner's token), 5 token changes, 3 sign-in events.
    await settled(10);
    return { shop, home };
  }

  it('filters by actor name', async () => {
    await history();
    const bot = await auditPage('actor=deploy-bot');
    expect(bot.items.map((entry) => entry.action)).toEqual([
      'DELETE /api/v1/admin/apps/:app/domains/:domain',
      'POST /api/v1/admin/apps/:app/domains',
      'POST /api/v1/admin/apps/:app/domains',
      'PATCH /api/v1/admin/apps/:app',
    ]);
    expect(bot.items.every((entry) => entry.actor.name === 'deploy-bot')).toBe(true);
    const owner = await auditPage('actor=owner');
    expect(owner.items.map((entry) => entry.action)).toEqual(['auth.logout', 'auth.login']);
    expect((await auditPage('actor=deploy')).items).toEqual([]);
  });

  it('filters by action prefix', async () => {
    await history();
    const auth = await auditPage('action=auth.');
    expect(auth.items.map((entry) => [entry.action, entry.outcome])).toEqual([
      ['auth.logout', 'ok'],
      ['auth.login', 'ok'],
      ['auth.login', 'refused'],
    ]);
    const deletes = await auditPage('action=DELETE');
    expect(deletes.items.map((entry) => entry.action)).toEqual([
      'DELETE /api/v1/admin/apps/:app/domains/:domain',
      'DELETE /api/v1/admin/apps/:app',
    ]);
    const exact = await auditPage(`action=${encodeURIComponent('POST /api/v1/admin/apps/:app/domains')}`);
    expect(exact.items).toHaveLength(2);
    // LIKE wildcards in the filter are plain characters.
    expect((await auditPage('action=%25')).items).toEqual([]);
    expect((await auditPage('action=_')).items).toEqual([]);
  });

  it('filters by outcome', async () => {
    await history();
    const refused = await auditPage('outcome=refused');
    expect(refused.items.map((entry) => [entry.actor.name, entry.action, entry.status])).toEqual([
      ['', 'auth.login', 401],
      ['log-reader', 'DELETE /api/v1/admin/apps/:app', 403],
    ]);
    const failed = await auditPage('outcome=failed');
    expect(failed.items.map((entry) => [entry.action, entry.status])).toEqual([
      ['POST /api/v1/admin/apps/:app/domains', 409],
    ]);
    expect((await auditPage('outcome=ok')).items).toHaveLength(7);
    const bad = await t.request('GET', '/admin/audit?outcome=maybe');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('PICLOUD_ERR_HTTP_VALIDATION');
  });

  it('filters by app, named by slug or id', async () => {
    const { shop, home } = await history();
    const bySlug = await auditPage('app=home');
    const actions = (page: { items: any[] }) => page.items.map((entry) => [entry.action, entry.outcome]);
    // The changes that reached the app are listed in order (a refusal may or may not name the app).
    expect(actions(bySlug).filter(([, outcome]) => outcome !== 'refused')).toEqual([
      ['DELETE /api/v1/admin/apps/:app/domains/:domain', 'ok'],
      ['POST /api/v1/admin/apps/:app/domains', 'ok'],
    ]);
    expect(bySlug.items.every((entry) => entry.app_id === home.id)).toBe(true);
    expect((await auditPage(`app=${home.id}`)).items).toEqual(bySlug.items);
    const shopEntries = await auditPage('app=shop');
    expect(actions(shopEntries)).toEqual([
      ['POST /api/v1/admin/apps/:app/domains', 'failed'],
      ['PATCH /api/v1/admin/apps/:app', 'ok'],
    ]);
    expect(shopEntries.items.every((entry) => entry.app_id === shop.id)).toBe(true);
    const unknown = await t.request('GET', '/admin/audit?app=nowhere');
    expect(unknown.status).toBe(404);
  });

  it('combines filters', async () => {
    await history();
    const page = await auditPage('actor=deploy-bot&app=home&action=POST');
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      action: 'POST /api/v1/admin/apps/:app/domains',
      outcome: 'ok',
      target: { app: 'home' },
    });
    expect((await auditPage('actor=deploy-bot&outcome=refused')).items).toEqual([]);
  });

  it('pages with limit and cursor, newest first, without gaps or repeats', async () => {
    await history();
    const all = (await auditPage()).items;
    expect(all).toHaveLength(10);
    const seen: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: any[]; next_cursor: string | null } = await auditPage(
        `limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items);
      cursor = page.next_cursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(4);
    expect(seen).toEqual(all);
    // Filters and pages together.
    const first = await auditPage('actor=deploy-bot&limit=3');
    expect(first.items).toHaveLength(3);
    const rest = await auditPage(`actor=deploy-bot&limit=3&cursor=${first.next_cursor}`);
    expect(rest.items).toHaveLength(1);
    expect(rest.next_cursor).toBeNull();
    expect([...first.items, ...rest.items].map((entry) => entry.id)).toEqual(
      all.filter((entry) => entry.actor.name === 'deploy-bot').map((entry) => entry.id),
    );
  });

  it('refuses a malformed cursor or limit', async () => {
    await t.createApp('shop');
    for (const query of ['cursor=nonsense', `cursor=${Buffer.from('["1 OR 1=1"]').toString('base64url')}`]) {
      const response = await t.request('GET', `/admin/audit?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error.code, query).toBe('PICLOUD_ERR_HTTP_BAD_CURSOR');
    }
    for (const query of ['limit=0', 'limit=201', 'limit=ten']) {
      const response = await t.request('GET', `/admin/audit?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error.code, query).toBe('PICLOUD_ERR_HTTP_VALIDATION');
    }
  });
});

describe('who may read it', () => {
  it('needs the audit:read scope (admin implies it)', async () => {
    await t.createApp('shop');
    await settled(1);
    const logs = await t.createToken(['logs:read'], { name: 'logs-only' });
    const refused = await t.request('GET', '/admin/audit', undefined, bearer(logs));
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('PICLOUD_ERR_AUTH_SCOPE');
    expect(refused.text).not.toContain('/admin/apps');

    const auditor = await t.createToken(['audit:read'], { name: 'auditor' });
    const allowed = await t.request('GET', '/admin/audit', undefined, bearer(auditor));
    expect(allowed.status, allowed.text).toBe(200);
    expect(allowed.body.items).toHaveLength(1);
    expect(allowed.body.items[0].action).toBe('POST /api/v1/admin/apps');

    const anonymous = await t.anonymous('GET', '/admin/audit');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('PICLOUD_ERR_AUTH_REQUIRED');

    const browser = await signIn();
    expect((await t.request('GET', '/admin/audit', undefined, { cookie: browser.cookie })).status).toBe(200);
  });

  it('is not readable with a token limited to one app (it spans every app)', async () => {
    const shop = await t.createApp('shop');
    const limited = await t.createToken(['audit:read'], { name: 'shop-auditor', appId: shop.id });
    const response = await t.request('GET', '/admin/audit', undefined, bearer(limited));
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('PICLOUD_ERR_AUTH_APP_FORBIDDEN');
  });
});

describe('secrets', () => {
  it('never stores a password, a token, a session secret or a CSRF token', async () => {
    const newPassword = 'a brand new passphrase 42';
    const wrongPassword = 'hunter2 hunter2 hunter2';
    // 1. Sign-ins with wrong and right passwords.
    expect(
      (await t.anonymous('POST', '/auth/login', { username: 'owner', password: wrongPassword })).status,
    ).toBe(401);
    const browser = await signIn();
    // 2. A token made through the API (its text is in the answer), then used for a change.
    const created = await t.request(
      'POST',
      '/admin/tokens',
      { name: 'ci', scopes: ['apps:write'] },
      browser.headers,
    );
    expect(created.status, created.text).toBe(201);
    const token = created.body.token as string;
    expect(
      (await t.request('POST', '/admin/apps', { slug: 'shop', name: 'Shop' }, bearer(token))).status,
    ).toBe(201);
    // 3. A password change, refused and then done (its bodies hold both passwords), and back again.
    const refused = await t.request(
      'POST',
      '/auth/password',
      { current_password: wrongPassword, new_password: newPassword },
      browser.headers,
    );
    expect(refused.status).toBe(403);
    for (const [current, next] of [
      [t.owner.password, newPassword],
      [newPassword, t.owner.password],
    ]) {
      const changed = await t.request(
        'POST',
        '/auth/password',
        { current_password: current, new_password: next },
        browser.headers,
      );
      expect(changed.status, changed.text).toBe(204);
    }
    // 4. A revocation, and a sign-out.
    const revoked = await t.request('DELETE', `/admin/tokens/${created.body.id}`, undefined, browser.headers);
    expect(revoked.status, revoked.text).toBe(200);
    expect((await t.request('POST', '/auth/logout', undefined, browser.headers)).status).toBe(204);
    await settled(9);

    const { rows } = await t.database.pool.query('SELECT * FROM audit_log ORDER BY id');
    expect(rows.map((row) => row.action)).toEqual([
      'auth.login',
      'auth.login',
      'POST /api/v1/admin/tokens',
      'POST /api/v1/admin/apps',
      'POST /api/v1/auth/password',
      'POST /api/v1/auth/password',
      'POST /api/v1/auth/password',
      'DELETE /api/v1/admin/tokens/:id',
      'auth.logout',
    ]);
    const raw = JSON.stringify(rows);
    const secrets = {
      'the owner password': t.owner.password,
      'the new password': newPassword,
      'the wrong password': wrongPassword,
      'the created token': token,
      'the token body (without prefix)': token.slice(4),
      "the owner's token": t.token,
      'the session secret': browser.secret,
      'the CSRF token': browser.csrf,
    };
    for (const [name, secret] of Object.entries(secrets)) {
      expect(raw.includes(secret), name).toBe(false);
    }
  });
});
