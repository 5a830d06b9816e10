/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser.)
/**
 * Issue 13, item 2, in a real browser: an app's script serves a hostile page (HTML + JavaScript) on
 * every host, port and scheme the appliance answers — localhost, 127.0.0.1, the machine's LAN address and its
 * `<host name>.local`, over plain HTTP and over HTTPS (the appliance CA trusted through Chromium's NSS
 * database; on every name its certificate carries), at `/` and at any path — while the owner is signed in to the panel on each of
 * those hosts in the same Chromium. The page tries what issue 13 found (read the session's CSRF token,
 * call the admin API with the owner's cookie, mint an admin token) and what a page of a sibling port can
 * still do in a browser (toss cookies into the panel's requests, fix the owner's session, frame the
 * panel, post a sign-in). None of it may work: the panel keeps an origin of its own (its port), and its
 * session is HttpOnly, bound to its CSRF token, checked against the exact origin, and not confused by
 * tossed cookies. On the panel's port no script answers at all.
 */
import { rmSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST_NAME, LAN_ADDRESS } from '../support/machine.js';
import {
  apiFromPage,
  launchChromium,
  nssHome,
  OWNER,
  type PanelAppliance,
  setUpOwner,
  signIn,
  startPanelAppliance,
} from './panel-harness.js';

/** The machine's LAN address; the test needs one. */
const LAN = LAN_ADDRESS;
const MDNS_NAME = `${HOST_NAME.split('.')[0]}.local`;
const HOSTS = ['localhost', '127.0.0.1', ...(LAN ? [LAN, MDNS_NAME] : [])];
/**
 * Every origin pair the appliance serves — plain HTTP on every host, and HTTPS (its own CA, trusted by
 * this Chromium's NSS database) on every host its certificate names — as `scheme://host`.
 */
const ORIGINS = [
  ...HOSTS.map((host) => `http://${host}`),
  ...['localhost', '127.0.0.1', ...(LAN ? [MDNS_NAME] : [])].map((host) => `https://${host}`),
];

/**
 * The hostile page. Its script only uses what any page may: fetch, frames, document.cookie. It runs
 * against the panel's origin given to it and reports what it got.
 */
const ATTACK = `
window.attack = async function (panel, fixedSession) {
  var out = {};
  function settle(promise) {
    return promise.then(function (text) { return 'read: ' + text; }, function (error) { return 'blocked: ' + error.name; });
  }
  out.cookie = document.cookie;
  out.status = await settle(fetch(panel + '/api/v1/auth/status', { credentials: 'include' }).then(function (r) { return r.text(); }));
  out.list = await settle(fetch(panel + '/api/v1/admin/tokens', { credentials: 'include' }).then(function (r) { return r.text(); }));
  out.mint = await settle(fetch(panel + '/api/v1/admin/tokens', {
    method: 'POST', credentials: 'include',
    headers: { 'content-type': 'application/json', 'x-csrf-token': 'guessed' },
    body: JSON.stringify({ name: 'stolen-cors', scopes: ['admin'] })
  }).then(function (r) { return r.status + ' ' + r.text(); }));
  out.mintSimple = await settle(fetch(panel + '/api/v1/admin/tokens', {
    method: 'POST', mode: 'no-cors', credentials: 'include',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ name: 'stolen-simple', scopes: ['admin'] })
  }).then(function (r) { return r.type; }));
  out.login = await settle(fetch(panel + '/api/v1/auth/login', {
    method: 'POST', mode: 'no-cors', credentials: 'include',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ username: 'mallory', password: 'mallory passphrase' })
  }).then(function (r) { return r.type; }));
  out.logout = await settle(fetch(panel + '/api/v1/auth/logout', { method: 'POST', mode: 'no-cors', credentials: 'include' }).then(function (r) { return r.type; }));
  out.ownStatus = await settle(fetch('/api/v1/auth/status', { credentials: 'include' }).then(function (r) { return r.text(); }));
  out.ownMint = await settle(fetch('/api/v1/admin/tokens', {
    method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'stolen-here', scopes: ['admin'] })
  }).then(function (r) { return r.text(); }));
  out.frame = await new Promise(function (resolve) {
    var frame = document.createElement('iframe');
    frame.src = panel + '/';
    frame.onload = function () {
      try {
        var doc = frame.contentDocument;
        resolve(doc ? 'read: ' + doc.documentElement.outerHTML.slice(0, 80) : 'blocked: null');
      } catch (error) { resolve('blocked: ' + error.name); }
    };
    document.body.appendChild(frame);
    setTimeout(function () { resolve('blocked: no load'); }, 3000);
  });
  document.cookie = 'picloud_session=tossed-by-a-script-page; path=/api';
  document.cookie = 'picloud_session=tossed-by-a-script-page; path=/';
  // On an HTTPS page the browser also takes a __Host- cookie, which the HTTPS panel receives.
  document.cookie = '__Host-picloud_session=tossed-by-a-script-page; Secure; Path=/';
  if (fixedSession) document.cookie = 'picloud_session=' + fixedSession + '; path=/api/v1';
  return out;
};
`;
const HOSTILE_PAGE = `<!doctype html><html><head><title>Totally harmless</title></head><body><h1>Hostile</h1><script>${ATTACK}</script></body></html>`;
const HOSTILE_SOURCE = `#{
  status: 200,
  headers: #{
    "content-type": "text/html; charset=utf-8",
    "set-cookie": "picloud_session=tossed-by-set-cookie; Path=/; HttpOnly"
  },
  body: ${JSON.stringify(HOSTILE_PAGE)}
}`;

let appliance: PanelAppliance;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let panelPort: number;
let endpointsPort: number;
let panelHttpsPort: number;
let endpointsHttpsPort: number;
const scratch: string[] = [];

/** The panel's and the endpoints' base URLs for an origin of ORIGINS. */
function urlsOf(origin: string): { panel: string; endpoints: string } {
  const https = origin.startsWith('https:');
  return {
    panel: `${origin}:${https ? panelHttpsPort : panelPort}`,
    endpoints: `${origin}:${https ? endpointsHttpsPort : endpointsPort}`,
  };
}
/** Each host's panel session as the owner's page sees it: its CSRF token. */
const csrfByHost = new Map<string, string>();
let ownerToken: string;
/** Refused attempts to mint a token seen in the audit log so far. */
let refusedBefore = 0;

/** The API as the owner's automation would call it (an admin token, from Node). */
async function ownerApi(method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`http://127.0.0.1:${panelPort}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}

/** What the panel's own page on `origin` knows about its session. */
async function panelStatus(origin: string): Promise<any> {
  await page.goto(`${urlsOf(origin).panel}/`);
  return page.evaluate(async () => (await fetch('/api/v1/auth/status')).json());
}

beforeAll(async () => {
  if (!LAN) throw new Error('this test needs a LAN (non-loopback IPv4) address on the machine');
  // Every interface, so the LAN address answers too; free ports.
  appliance = await startPanelAppliance({ PICLOUD_HOST: '0.0.0.0' });
  panelPort = appliance.process.panelPort;
  endpointsPort = appliance.process.port;
  const https =
    /HTTPS: +https:\/\/localhost:(\d+)\/ +\(panel\)\n +https:\/\/localhost:(\d+)\/ +\(endpoints\)/.exec(
      appliance.process.output(),
    );
  if (!https) throw new Error(`no HTTPS ports in the banner:\n${appliance.process.output()}`);
  panelHttpsPort = Number(https[1]);
  endpointsHttpsPort = Number(https[2]);
  // This Chromium trusts the appliance's CA (fetched from its trust page) through its NSS database.
  const home = nssHome(await (await fetch(`${appliance.baseUrl}/trust/ca.crt`)).text());
  scratch.push(home);
  // <host name>.local resolves to the LAN address, as mDNS would.
  browser = await launchChromium([`--host-resolver-rules=MAP ${MDNS_NAME} ${LAN}`], { HOME: home });
  context = await browser.newContext();
  page = await context.newPage();

  // 1. The owner sets the appliance up from this machine, then signs in on every other host name.
  await page.goto(`http://localhost:${panelPort}/`);
  await setUpOwner(page, null);
  for (const origin of ORIGINS.slice(1)) {
    await page.goto(`${urlsOf(origin).panel}/`);
    await signIn(page);
  }
  for (const origin of ORIGINS) {
    const status = await panelStatus(origin);
    expect(status, origin).toMatchObject({ signed_in: true, user: { username: OWNER.username } });
    csrfByHost.set(origin, status.csrf_token);
  }
  ownerToken = (
    await apiFromPage(page, 'POST', '/admin/tokens', { name: 'test automation', scopes: ['admin'] })
  ).token;
  // 2. Someone else holds a token limited to the default app — what issue 13 used — and an account of
  // their own (to try fixing the owner's session with a live one).
  const defaultApp = (await ownerApi('GET', '/admin/apps/default')).body;
  const attacker = await apiFromPage(page, 'POST', '/admin/tokens', {
    name: 'app developer',
    scopes: ['apps:write', 'scripts:write'],
    app: defaultApp.id,
  });
  await ownerApi('POST', '/admin/accounts', { username: 'mallory', password: 'mallory passphrase' });

  // 3. With that token: a hostile page on `/` and on every other path of the default app.
  const asAttacker = (method: string, path: string, body: unknown) =>
    fetch(`http://127.0.0.1:${panelPort}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${attacker.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  expect(
    (await asAttacker('POST', '/admin/scripts', { app: 'default', name: 'evil', source: HOSTILE_SOURCE }))
      .status,
  ).toBe(201);
  for (const path of ['/', '/*']) {
    const route = await asAttacker('POST', '/admin/apps/default/routes', {
      script: 'evil',
      methods: ['GET'],
      path,
    });
    expect(route.status, path).toBe(201);
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await appliance?.stop();
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe.each(ORIGINS)('a hostile page on %s', (host) => {
  const endpoints = () => urlsOf(host).endpoints;
  const panel = () => urlsOf(host).panel;

  it.each(['/', '/deep/path', '/api-lookalike/admin'])(
    "cannot read the owner's CSRF token or use the admin API from %s on the endpoints' port",
    async (path) => {
      await page.goto(`${endpoints()}${path}`);
      expect(await page.title()).toBe('Totally harmless');
      const out = await page.evaluate(([target]) => (window as any).attack(target, null), [panel()] as const);
      // The session cookie is HttpOnly; no cookie holds the CSRF token.
      expect(out.cookie).not.toContain('picloud_session');
      expect(out.cookie).not.toContain(csrfByHost.get(host));
      // Another origin: the browser shows the page none of the panel's answers.
      expect(out.status).toMatch(/^blocked/);
      expect(out.list).toMatch(/^blocked/);
      expect(out.mint).toMatch(/^blocked/);
      expect(out.frame).toMatch(/^blocked/);
      // Its own origin serves no control plane.
      expect(out.ownStatus).toContain('PICLOUD_ERR_API_WRONG_PORT');
      expect(out.ownStatus).not.toContain('csrf_token');
      expect(out.ownMint).toContain('PICLOUD_ERR_API_WRONG_PORT');
      // The "simple" POST the browser sent anyway, with the owner's cookie, the panel refused (its answer
      // is not even readable as an opaque response: Cross-Origin-Resource-Policy): nothing minted.
      expect(out.mintSimple).toMatch(/^blocked|^read: opaque$/);
      const tokens = (await ownerApi('GET', '/admin/tokens')).body.items.map((t: { name: string }) => t.name);
      expect(tokens.filter((name: string) => name.startsWith('stolen'))).toEqual([]);
      const refused = (await ownerApi('GET', '/admin/audit?action=POST /api/v1/admin/tokens&outcome=refused'))
        .body;
      expect(refused.items.length).toBeGreaterThan(refusedBefore);
      expect(refused.items[0]).toMatchObject({ actor: { kind: 'admin', name: OWNER.username }, status: 403 });
      refusedBefore = refused.items.length;
      // The script's Set-Cookie for the session never reached the browser.
      const cookies = await context.cookies();
      expect(cookies.map((cookie) => cookie.value)).not.toContain('tossed-by-set-cookie');
    },
  );

  it('cannot sign the owner out, into another account or another session, nor clobber the CSRF defence', async () => {
    const status = await panelStatus(host);
    // Same session as before the attacks (same CSRF token), despite the tossed cookies it now carries.
    expect(status).toMatchObject({ signed_in: true, user: { username: OWNER.username } });
    expect(status.csrf_token).toBe(csrfByHost.get(host));
    const sent = (await context.cookies(`${panel()}/api/v1/auth/status`)).filter(
      (cookie) => cookie.name === 'picloud_session' || cookie.name === '__Host-picloud_session',
    );
    expect(sent.length).toBeGreaterThan(1);
    // A change from the panel's own page still works — with its CSRF token, and only with it.
    const changed = await apiFromPage(page, 'PATCH', '/admin/apps/default', {
      description: `still the owner's (${host})`,
    });
    expect(changed.description).toBe(`still the owner's (${host})`);
    const forged = await page.evaluate(async () => {
      const response = await fetch('/api/v1/admin/apps/default', {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', 'x-csrf-token': 'tossed-by-a-script-page' },
        body: JSON.stringify({ description: 'forged' }),
      });
      return response.status;
    });
    expect(forged).toBe(403);
  });
});

describe("the panel's port", () => {
  it.each(ORIGINS.flatMap((origin) => ['/', '/deep/path'].map((path) => [origin, path] as const)))(
    'serves no script on %s at %s',
    async (origin, path) => {
      const response = await page.goto(`${urlsOf(origin).panel}${path}`);
      expect(await page.evaluate(() => typeof (window as any).attack)).toBe('undefined');
      if (path === '/') expect(await page.title()).toMatch(/PiCloud$/);
      else expect(response?.status()).toBe(404);
    },
  );
});

describe('a fixed session', () => {
  it('a live session of another account, tossed in by the page, never signs the owner into it', async () => {
    const login = await fetch(`http://127.0.0.1:${panelPort}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'mallory', password: 'mallory passphrase' }),
    });
    const mallory = /picloud_session=([^;]+)/.exec(login.headers.getSetCookie().join('\n'))?.[1];
    expect(mallory).toBeDefined();
    await page.goto(`http://127.0.0.1:${endpointsPort}/`);
    await page.evaluate(([target, fixed]) => (window as any).attack(target, fixed), [
      `http://127.0.0.1:${panelPort}`,
      mallory,
    ] as const);
    const status = await panelStatus('http://127.0.0.1');
    expect(status.user?.username).not.toBe('mallory');
    expect(status.signed_in).toBe(false);
    // The owner's other hosts are untouched.
    expect((await panelStatus('http://localhost')).csrf_token).toBe(csrfByHost.get('http://localhost'));
  });
});
