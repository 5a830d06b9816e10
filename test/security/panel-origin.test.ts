/**
 * The panel keeps an origin of its own (issue 13, item 2), at the HTTP level: what a page served on
 * the endpoints' port — any port of the machine's host — can and cannot do to the owner's session on
 * the panel's port, since browsers share cookies between ports and call such requests "same-site".
 * The real-browser version of the attack is test/panel/hostile-origin.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';
import { requestWithHost } from '../support/http.js';
import { createManagerTestServer, type ManagerTestServer } from '../support/manager-server.js';
import { type Session, signIn } from './session-helpers.js';

/** The headers a browser adds to a request from a page of the endpoints' port (same host, other port). */
const SIBLING_PAGE = { origin: 'http://localhost:8080', 'sec-fetch-site': 'same-site' };
/** The headers a browser adds to a request from the panel's own page (inject's host is localhost:80). */
const PANEL_PAGE = { origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin' };

describe("the owner's session on the panel's listener", () => {
  let t: ManagerTestServer;
  let owner: Session;
  beforeAll(async () => {
    t = await createManagerTestServer();
    owner = await signIn(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lives in an HttpOnly, SameSite=Strict cookie, and the CSRF token in no cookie at all', async () => {
    const login = await t.anonymous('POST', '/auth/login', { username: 'owner', password: t.owner.password });
    const cookies = [login.headers['set-cookie'] ?? []].flat().map(String);
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(/^picloud_session=[^;]+;/);
    expect(cookies[0]).toMatch(/; HttpOnly/i);
    expect(cookies[0]).toMatch(/; SameSite=Strict/i);
    expect(cookies[0]).not.toContain(login.body.csrf_token);
  });

  it("answers the panel's own page: status with the CSRF token, reads and changes", async () => {
    const status = await t.anonymous('GET', '/auth/status', undefined, {
      cookie: owner.cookie,
      ...PANEL_PAGE,
    });
    expect(status.body).toMatchObject({ signed_in: true, csrf_token: owner.csrf });
    const read = await t.anonymous('GET', '/admin/apps', undefined, { cookie: owner.cookie, ...PANEL_PAGE });
    expect(read.status).toBe(200);
    const minted = await t.anonymous(
      'POST',
      '/admin/tokens',
      { name: 'from-the-panel', scopes: ['apps:read'] },
      { ...owner.changeHeaders(), ...PANEL_PAGE },
    );
    expect(minted.status, minted.text).toBe(201);
  });

  it("tells a sibling port's page nothing about the session, not even with the cookie the browser attaches", async () => {
    const status = await t.anonymous('GET', '/auth/status', undefined, {
      cookie: owner.cookie,
      ...SIBLING_PAGE,
    });
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ signed_in: false, csrf_token: null, user: null });
    for (const headers of [
      SIBLING_PAGE,
      { 'sec-fetch-site': 'same-site' },
      { origin: 'http://localhost:8080' },
    ] as Record<string, string>[]) {
      const read = await t.anonymous('GET', '/admin/apps', undefined, { cookie: owner.cookie, ...headers });
      expect(read.status, JSON.stringify(headers)).toBe(403);
      expect(read.body.error.code).toBe('PICLOUD_ERR_AUTH_CROSS_SITE');
    }
  });

  it("refuses a sibling port's changes, even with the CSRF token, and mints nothing", async () => {
    const before = (await t.request('GET', '/admin/tokens')).body.items.length;
    for (const headers of [
      SIBLING_PAGE,
      { 'sec-fetch-site': 'same-site' },
      { origin: 'http://127.0.0.1:80' },
    ] as Record<string, string>[]) {
      const minted = await t.anonymous(
        'POST',
        '/admin/tokens',
        { name: 'stolen', scopes: ['admin'] },
        { ...owner.changeHeaders(), ...headers },
      );
      expect(minted.status, JSON.stringify(headers)).toBe(403);
      expect(minted.body.error.code).toBe('PICLOUD_ERR_AUTH_CROSS_SITE');
    }
    expect((await t.request('GET', '/admin/tokens')).body.items.length).toBe(before);
  });

  it("refuses a sibling port's sign-in and sign-out (no login CSRF, no forced sign-out)", async () => {
    const login = await t.anonymous(
      'POST',
      '/auth/login',
      { username: 'owner', password: t.owner.password },
      SIBLING_PAGE,
    );
    expect(login.status).toBe(403);
    expect(login.headers['set-cookie']).toBeUndefined();
    const logout = await t.anonymous('POST', '/auth/logout', undefined, {
      cookie: owner.cookie,
      ...SIBLING_PAGE,
    });
    expect(logout.status).toBe(403);
    const still = await t.anonymous('GET', '/auth/status', undefined, {
      cookie: owner.cookie,
      ...PANEL_PAGE,
    });
    expect(still.body.signed_in).toBe(true);
  });

  it('grants no other origin CORS: a preflight from a sibling port gets no Access-Control-Allow-*', async () => {
    const preflight = await t.panel.inject({
      method: 'OPTIONS',
      url: '/api/v1/admin/tokens',
      headers: {
        origin: 'http://localhost:8080',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, x-csrf-token',
      },
    });
    expect(Object.keys(preflight.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    const read = await t.panel.inject({
      url: '/api/v1/auth/status',
      headers: { origin: 'http://localhost:8080', cookie: owner.cookie },
    });
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
    expect(read.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('ignores session cookies tossed in by another page of the host: the one live session counts', async () => {
    // document.cookie on a sibling port, with a longer Path so the browser sends it first.
    const tossed = 'picloud_session=tossed-by-a-script-page-aaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    for (const cookie of [`${tossed}; ${owner.cookie}`, `${owner.cookie}; ${tossed}`]) {
      const status = await t.anonymous('GET', '/auth/status', undefined, { cookie, ...PANEL_PAGE });
      expect(status.body).toMatchObject({ signed_in: true, csrf_token: owner.csrf });
      const changed = await t.anonymous(
        'PATCH',
        '/admin/apps/default',
        { description: 'still mine' },
        { cookie, 'x-csrf-token': owner.csrf, ...PANEL_PAGE },
      );
      expect(changed.status, changed.text).toBe(200);
    }
  });

  it('refuses two live sessions at once: a fixed session never replaces the owner’s', async () => {
    // Someone with an account of their own tosses their live session into the owner's browser.
    await t.request('POST', '/admin/accounts', { username: 'mallory', password: 'mallory passphrase' });
    const mallory = await signIn(t, 'mallory', 'mallory passphrase');
    const cookie = `${mallory.cookie}; ${owner.cookie}`;
    const status = await t.anonymous('GET', '/auth/status', undefined, { cookie, ...PANEL_PAGE });
    expect(status.body).toMatchObject({ signed_in: false, user: null });
    const read = await t.anonymous('GET', '/admin/apps', undefined, { cookie, ...PANEL_PAGE });
    expect(read.status).toBe(401);
    expect(read.body.error.code).toBe('PICLOUD_ERR_AUTH_SESSION_INVALID');
    // The owner's cookie alone still works (nothing was cleared server-side).
    const alone = await t.anonymous('GET', '/auth/status', undefined, {
      cookie: owner.cookie,
      ...PANEL_PAGE,
    });
    expect(alone.body.user.username).toBe('owner');
  });

  it('reads a bounded number of session cookies', async () => {
    const many = Array.from({ length: 50 }, (_, i) => `picloud_session=junk${i}`).join('; ');
    const response = await t.anonymous('GET', '/admin/apps', undefined, {
      cookie: `${many}; ${owner.cookie}`,
      ...PANEL_PAGE,
    });
    expect(response.status).toBe(401);
  });
});

describe("the endpoints' listener", () => {
  let pc: TestAppliance;
  let session: string;
  let helloId: string;
  beforeAll(async () => {
    pc = await startTestAppliance();
    const login = await fetch(`${pc.panelUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'owner', password: 'correct horse battery staple' }),
    });
    session = String(login.headers.getSetCookie()[0]).split(';')[0];
    helloId = (await pc.database.pool.query("SELECT id FROM scripts WHERE name = 'hello-world'")).rows[0].id;
  });
  afterAll(async () => {
    await pc?.stop();
  });

  it('is another port than the panel’s, and serves neither the panel nor the control plane', async () => {
    expect(new URL(pc.baseUrl).port).not.toBe(new URL(pc.panelUrl).port);
    const page = await requestWithHost(`${pc.baseUrl}/`, 'localhost');
    expect(page.text).not.toContain('<div id="root">');
    for (const path of ['/api/v1/auth/status', '/api/v1/admin/apps', '/api/v1/admin/tokens']) {
      const response = await requestWithHost(`${pc.baseUrl}${path}`, 'localhost', {
        headers: { cookie: session },
      });
      expect(response.status, path).toBe(404);
      expect(response.json().error.code).toBe('PICLOUD_ERR_API_WRONG_PORT');
      expect(response.json().error.details.port).toBe(Number(new URL(pc.panelUrl).port));
    }
  });

  it('takes no session cookie as credentials: running a script by id needs a token', async () => {
    const byCookie = await requestWithHost(`${pc.baseUrl}/api/v1/execute/${helloId}`, 'localhost', {
      headers: { cookie: session },
    });
    expect(byCookie.status).toBe(401);
    expect(byCookie.json().error.code).toBe('PICLOUD_ERR_AUTH_REQUIRED');
    const byToken = await requestWithHost(`${pc.baseUrl}/api/v1/execute/${helloId}`, 'localhost', {
      headers: { authorization: `Bearer ${pc.token}` },
    });
    expect(byToken.status).toBe(200);
  });

  it("drops a script's Set-Cookie for the panel's session cookie, and passes its other cookies", async () => {
    const cases: [string, string | undefined][] = [
      ['picloud_session=fixed; Path=/api; HttpOnly', undefined],
      ['  PICLOUD_SESSION=fixed; Path=/', undefined],
      ['__Host-picloud_session=fixed; Path=/; Secure', undefined],
      ['theme=dark; Path=/', 'theme=dark; Path=/'],
    ];
    for (const [index, [setCookie]] of cases.entries()) {
      const source = `#{ status: 200, headers: #{ "set-cookie": ${JSON.stringify(setCookie)} }, body: "ok" }`;
      expect(
        (await pc.api('POST', '/api/v1/admin/scripts', { app: 'default', name: `cookie-${index}`, source }))
          .status,
      ).toBe(201);
      const route = await pc.api('POST', '/api/v1/admin/apps/default/routes', {
        script: `cookie-${index}`,
        methods: ['GET'],
        path: `/cookie-${index}`,
      });
      expect(route.status).toBe(201);
    }
    for (const [index, [, expected]] of cases.entries()) {
      let response = await requestWithHost(`${pc.baseUrl}/cookie-${index}`, 'localhost');
      for (let wait = 0; response.status === 404 && wait < 50; wait++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        response = await requestWithHost(`${pc.baseUrl}/cookie-${index}`, 'localhost');
      }
      expect(response.status).toBe(200);
      expect(response.headers['set-cookie']?.[0], cases[index][0]).toBe(expected);
    }
  });
});
