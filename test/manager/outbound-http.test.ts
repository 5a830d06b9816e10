/**
 * Outbound HTTP (`http::request`), through the manager's `http` script service, against a local
 * node:http server on 127.0.0.1: the per-app allow-list (`http_allow_hosts`, edited with PATCH) and
 * its default (public internet addresses only — so loopback and the LAN are refused unless an
 * address or CIDR entry covers them), the check after each redirect and after DNS (the connection goes to the checked address),
 * timeouts (the request's, the appliance's cap, the run's deadline), the response-size limit (after
 * decompression too), the redirect limit, JSON and text bodies, headers, and messages that never name
 * any part of the URL.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceOutcome } from '../../server/contracts/script-services.js';
import { allowHostsFromDatabase, httpHandler } from '../../server/manager/services/http-service.js';
import { HostPolicy, parseHostEntry } from '../../server/outbound/host-policy.js';
import { startTestAppliance } from '../support/appliance.js';
import { requestWithHost } from '../support/http.js';
import { createManagerTestServer, type ManagerTestServer } from '../support/manager-server.js';
import { expectError } from './scenario.js';

const LIMIT = 64 * 1024;

/** The test server: a few behaviours chosen by path. */
function handle(request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://x');
  const [, route, arg] = url.pathname.split('/');
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    switch (route) {
      case 'hello':
        response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-test': 'yes' });
        response.end('hello');
        return;
      case 'echo':
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ method: request.method, url: request.url, headers: request.headers, body }),
        );
        return;
      case 'status':
        response.writeHead(Number(arg), { 'content-type': 'text/plain' });
        response.end(`status ${arg}`);
        return;
      case 'big': {
        const size = Number(url.searchParams.get('bytes'));
        response.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(size) });
        response.end('x'.repeat(size));
        return;
      }
      case 'chunked-big':
        // No Content-Length: the limit must be enforced while reading.
        response.writeHead(200, { 'content-type': 'text/plain' });
        for (let i = 0; i < 20; i++) response.write('y'.repeat(8 * 1024));
        response.end();
        return;
      case 'gzip':
        response.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
        response.end(gzipSync(arg === 'bomb' ? Buffer.alloc(10 * 1024 * 1024) : Buffer.from('hello gzip')));
        return;
      case 'slow-head':
        return; // never answers
      case 'slow-body':
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.write('partial');
        return; // never ends
      case 'redirect': {
        const left = Number(arg);
        response.writeHead(left > 0 ? 302 : 200, left > 0 ? { location: `/redirect/${left - 1}` } : {});
        response.end(left > 0 ? '' : 'landed');
        return;
      }
      case 'to':
        response.writeHead(Number(url.searchParams.get('status') ?? 302), {
          location: url.searchParams.get('url') ?? '/',
        });
        response.end();
        return;
      default:
        response.writeHead(404);
        response.end();
    }
  });
}

/** A server on 127.0.0.1 whose open connections are cut at close. */
async function listen(): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer(handle);
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

let t: ManagerTestServer;
let local: Awaited<ReturnType<typeof listen>>;
let other: Awaited<ReturnType<typeof listen>>;
let base: string;
/** App ids: `listed` allows 127.0.0.1; `open` keeps the default (empty) list. */
const apps = { listed: '', open: '' };

beforeAll(async () => {
  t = await createManagerTestServer({ outboundMaxResponseBytes: LIMIT });
  local = await listen();
  other = await listen();
  base = `http://127.0.0.1:${local.port}`;
  apps.listed = (await t.createApp('listed', { http_allow_hosts: ['127.0.0.1'] })).id;
  apps.open = (await t.createApp('open')).id;
});
afterAll(async () => {
  await local?.close();
  await other?.close();
  await t?.close();
});

/** One `http.request` as the executor's bridge makes it. */
function call(appId: string, request: Record<string, unknown>, deadline = Date.now() + 10_000) {
  return t.manager.scriptServices.call(appId, { service: 'http', op: 'request', args: [request] }, deadline);
}

/** A call that must succeed; answers `{status, headers, body}`. */
async function ok(appId: string, request: Record<string, unknown>): Promise<any> {
  const outcome = await call(appId, request);
  expect(outcome, JSON.stringify(outcome)).toMatchObject({ ok: true });
  return (outcome as { value: unknown }).value;
}

/** A call that must fail with `reason`; answers the message. */
async function fails(appId: string, request: Record<string, unknown>, reason: string): Promise<string> {
  const outcome: ServiceOutcome = await call(appId, request);
  expect(outcome, JSON.stringify(outcome)).toMatchObject({ ok: false, reason });
  return (outcome as { message: string }).message;
}

describe('http_allow_hosts on the admin API', () => {
  it('is empty by default, normalised when set, and shown with the app', async () => {
    const app = await t.createApp('allow-edit');
    expect(app.http_allow_hosts).toEqual([]);
    const response = await t.request('PATCH', '/admin/apps/allow-edit', {
      http_allow_hosts: [
        ' API.Example.COM. ',
        '*.Home.Lan',
        '[::1]',
        '192.168.1.0/24',
        'api.example.com',
        '10.0.0.7',
      ],
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body.http_allow_hosts).toEqual([
      'api.example.com',
      '*.home.lan',
      '::1',
      '192.168.1.0/24',
      '10.0.0.7',
    ]);
    expect((await t.request('GET', '/admin/apps/allow-edit')).body.http_allow_hosts).toEqual(
      response.body.http_allow_hosts,
    );
    // Other changes leave it alone; [] restores the default.
    expect(
      (await t.request('PATCH', '/admin/apps/allow-edit', { name: 'x' })).body.http_allow_hosts,
    ).toHaveLength(5);
    expect(
      (await t.request('PATCH', '/admin/apps/allow-edit', { http_allow_hosts: [] })).body.http_allow_hosts,
    ).toEqual([]);
  });

  it.each([
    ['a URL', 'https://api.example.com/'],
    ['a port', 'api.example.com:8080'],
    ['a bad CIDR', '10.0.0.0/33'],
    ['a wildcard in the middle', 'api.*.com'],
    ['a space', 'two words'],
  ])('refuses %s, naming the entry, and changes nothing', async (_case, entry) => {
    const before = (await t.request('GET', '/admin/apps/listed')).body;
    const response = await t.request('PATCH', '/admin/apps/listed', {
      http_allow_hosts: ['ok.example.com', entry],
    });
    expectError(response, 'PICLOUD_ERR_HTTP_VALIDATION');
    expect(response.body.error.details).toEqual([
      expect.objectContaining({ in: 'body', path: '/http_allow_hosts/1' }),
    ]);
    expect((await t.request('GET', '/admin/apps/listed')).body).toEqual(before);
  });

  it('needs apps:write', async () => {
    const reader = await t.createToken(['apps:read', 'secrets:write']);
    expectError(
      await t.request(
        'PATCH',
        '/admin/apps/listed',
        { http_allow_hosts: [] },
        { authorization: `Bearer ${reader}` },
      ),
      'PICLOUD_ERR_AUTH_SCOPE',
    );
  });
});

describe('the allow-list', () => {
  it('lets a listed host through: status, lower-case headers, text body, default User-Agent', async () => {
    const response = await ok(apps.listed, { method: 'GET', url: `${base}/hello` });
    expect(response).toMatchObject({ status: 200, body: 'hello' });
    expect(response.headers).toMatchObject({ 'x-test': 'yes', 'content-type': 'text/plain; charset=utf-8' });
    const echo = JSON.parse((await ok(apps.listed, { url: `${base}/echo` })).body);
    expect(echo.headers['user-agent']).toMatch(/^PiCloud\/\d/);
    expect(echo.method).toBe('GET');
  });

  it('refuses loopback by default (empty list): 127.0.0.1, localhost, ::1', async () => {
    for (const url of [
      `${base}/hello`,
      `http://localhost:${local.port}/hello`,
      `http://[::1]:${local.port}/`,
    ]) {
      const message = await fails(apps.open, { url }, 'HTTP_HOST_NOT_ALLOWED');
      expect(message).toMatch(/this appliance/);
    }
  });

  it('refuses link-local and metadata addresses by default', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://[fe80::1]/', 'http://0.0.0.0/']) {
      await fails(apps.open, { url }, 'HTTP_HOST_NOT_ALLOWED');
    }
  });

  it("refuses this machine's own LAN addresses by default", async () => {
    const own = Object.values(networkInterfaces())
      .flat()
      .find((info) => info && !info.internal && info.family === 'IPv4');
    if (!own) return;
    await fails(apps.open, { url: `http://${own.address}:${local.port}/hello` }, 'HTTP_HOST_NOT_ALLOWED');
  });

  it('refuses an unlisted name before any DNS query (names match names)', async () => {
    // .invalid never resolves: HTTP_FAILED would mean a lookup was made.
    const message = await fails(
      apps.listed,
      { url: 'http://api.example.invalid/x' },
      'HTTP_HOST_NOT_ALLOWED',
    );
    expect(message).toMatch(/the URL's host may not be called: it is not in the allow-list/);
    expect(message).not.toContain('example.invalid');
    expect(message).toMatch(/http_allow_hosts/);
  });

  it('checks every redirect: a listed host redirecting to an unlisted one is refused', async () => {
    const target = `http://localhost:${local.port}/hello`;
    const message = await fails(
      apps.listed,
      { url: `${base}/to?url=${encodeURIComponent(target)}` },
      'HTTP_HOST_NOT_ALLOWED',
    );
    expect(message).toMatch(/the request was redirected; the URL's host may not be called/);
    expect(message).not.toContain('localhost');
    // Nor may a default-rules app be redirected from a public host into loopback: covered by the
    // address gate, which every hop passes through (see the pinned-DNS test below).
  });

  it('connects to the checked address, not to what DNS says later (rebinding), keeping the name', async () => {
    const [app] = (await t.database.pool.query("SELECT id FROM apps WHERE slug = 'listed'")).rows;
    let lookups = 0;
    const handler = httpHandler(allowHostsFromDatabase(t.db), {
      timeoutMs: 5_000,
      maxResponseBytes: LIMIT,
      resolve: async () => {
        lookups += 1;
        return [{ address: '127.0.0.1', family: 4 }];
      },
    });
    const request = (url: string) =>
      Promise.resolve(
        handler({
          appId: app.id,
          op: 'request',
          args: [{ url }],
          deadline: Date.now() + 5_000,
          signal: new AbortController().signal,
        }),
      );
    await t.request('PATCH', '/admin/apps/listed', { http_allow_hosts: ['api.test'] });
    try {
      // A listed name that resolves to loopback is still refused: only an address entry reaches it.
      await expect(request(`http://api.test:${local.port}/echo`)).rejects.toMatchObject({
        reason: 'HTTP_HOST_NOT_ALLOWED',
        message: expect.stringMatching(/it resolves to an address that is an address of this appliance/),
      });
      await t.request('PATCH', '/admin/apps/listed', { http_allow_hosts: ['api.test', '127.0.0.1'] });
      const response = (await request(`http://api.test:${local.port}/echo`)) as { body: string };
      expect(JSON.parse(response.body).headers.host).toBe(`api.test:${local.port}`);
      expect(lookups).toBe(2);
    } finally {
      await t.request('PATCH', '/admin/apps/listed', { http_allow_hosts: ['127.0.0.1'] });
    }
  });
});

describe('limits', () => {
  it("times out at the request's timeout, before the head and in the middle of the body", async () => {
    for (const path of ['/slow-head', '/slow-body']) {
      const started = Date.now();
      const message = await fails(apps.listed, { url: `${base}${path}`, timeout_ms: 300 }, 'HTTP_TIMEOUT');
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(message).toMatch(/within 300 ms/);
    }
  });

  it("is cut by the appliance's cap and by the run's deadline", async () => {
    const [app] = (await t.database.pool.query("SELECT id FROM apps WHERE slug = 'listed'")).rows;
    const capped = httpHandler(allowHostsFromDatabase(t.db), { timeoutMs: 200, maxResponseBytes: LIMIT });
    const started = Date.now();
    await expect(
      Promise.resolve(
        capped({
          appId: app.id,
          op: 'request',
          args: [{ url: `${base}/slow-head`, timeout_ms: 60_000 }],
          deadline: Date.now() + 60_000,
          signal: new AbortController().signal,
        }),
      ),
    ).rejects.toMatchObject({ reason: 'HTTP_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(3_000);

    const again = Date.now();
    const outcome = await call(
      apps.listed,
      { url: `${base}/slow-head`, timeout_ms: 60_000 },
      Date.now() + 300,
    );
    expect(outcome.ok).toBe(false);
    expect(['HTTP_TIMEOUT', 'TIMEOUT']).toContain((outcome as { reason: string }).reason);
    expect(Date.now() - again).toBeLessThan(3_000);
  });

  it('reads a body up to the limit and refuses a larger one (declared, streamed or compressed)', async () => {
    expect((await ok(apps.listed, { url: `${base}/big?bytes=${LIMIT}` })).body).toHaveLength(LIMIT);
    for (const path of [`/big?bytes=${LIMIT + 1}`, '/chunked-big', '/gzip/bomb']) {
      const message = await fails(apps.listed, { url: `${base}${path}` }, 'HTTP_RESPONSE_TOO_LARGE');
      expect(message).toContain(`${LIMIT}-byte limit`);
    }
    expect((await ok(apps.listed, { url: `${base}/gzip/small` })).body).toBe('hello gzip');
  });

  it('follows up to 3 redirects, and fails on the 4th', async () => {
    expect(await ok(apps.listed, { url: `${base}/redirect/3` })).toMatchObject({
      status: 200,
      body: 'landed',
    });
    const message = await fails(apps.listed, { url: `${base}/redirect/4` }, 'HTTP_TOO_MANY_REDIRECTS');
    expect(message).toMatch(/more than 3 times/);
  });
});

describe('requests and responses', () => {
  it('sends a map body as JSON and a string as text, with the headers given', async () => {
    const json = JSON.parse(
      (
        await ok(apps.listed, {
          method: 'post',
          url: `${base}/echo`,
          headers: { 'X-Api-Key': 'k-123', accept: 'application/json' },
          body: { name: 'lamp', on: true, levels: [1, 2] },
        })
      ).body,
    );
    expect(json.method).toBe('POST');
    expect(json.headers).toMatchObject({
      'content-type': 'application/json',
      'x-api-key': 'k-123',
      accept: 'application/json',
    });
    expect(JSON.parse(json.body)).toEqual({ name: 'lamp', on: true, levels: [1, 2] });

    const text = JSON.parse(
      (await ok(apps.listed, { method: 'PUT', url: `${base}/echo`, body: 'plain' })).body,
    );
    expect(text).toMatchObject({
      method: 'PUT',
      body: 'plain',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });

    const typed = JSON.parse(
      (
        await ok(apps.listed, {
          method: 'PATCH',
          url: `${base}/echo`,
          headers: { 'Content-Type': 'application/merge-patch+json' },
          body: { a: null },
        })
      ).body,
    );
    expect(typed).toMatchObject({
      body: '{"a":null}',
      headers: { 'content-type': 'application/merge-patch+json' },
    });
  });

  it('supports DELETE and HEAD, and answers non-2xx statuses as values', async () => {
    expect(JSON.parse((await ok(apps.listed, { method: 'DELETE', url: `${base}/echo` })).body).method).toBe(
      'DELETE',
    );
    expect(await ok(apps.listed, { method: 'HEAD', url: `${base}/hello` })).toMatchObject({
      status: 200,
      body: '',
    });
    expect(await ok(apps.listed, { url: `${base}/status/404` })).toMatchObject({
      status: 404,
      body: 'status 404',
    });
    expect(await ok(apps.listed, { url: `${base}/status/503` })).toMatchObject({ status: 503 });
  });

  it('turns a POST into a GET without body on 303, and drops credentials on a redirect to another origin', async () => {
    const seeOther = JSON.parse(
      (
        await ok(apps.listed, {
          method: 'POST',
          url: `${base}/to?status=303&url=/echo`,
          body: { x: 1 },
        })
      ).body,
    );
    expect(seeOther).toMatchObject({ method: 'GET', body: '' });
    expect(seeOther.headers['content-type']).toBeUndefined();

    const elsewhere = `http://127.0.0.1:${other.port}/echo`;
    const moved = JSON.parse(
      (
        await ok(apps.listed, {
          method: 'POST',
          url: `${base}/to?status=307&url=${encodeURIComponent(elsewhere)}`,
          headers: { authorization: 'Bearer s3cret', cookie: 'a=b', 'x-kept': 'yes' },
          body: 'kept',
        })
      ).body,
    );
    expect(moved).toMatchObject({ method: 'POST', body: 'kept' });
    expect(moved.headers).toMatchObject({ 'x-kept': 'yes' });
    expect(moved.headers.authorization).toBeUndefined();
    expect(moved.headers.cookie).toBeUndefined();
  });

  it.each([
    ['an unsupported method', { method: 'TRACE', url: 'http://127.0.0.1/' }],
    ['a non-http URL', { url: 'ftp://127.0.0.1/' }],
    ['a relative URL', { url: '/hello' }],
    ['credentials in the URL', { url: 'http://user:pass@127.0.0.1/' }],
    ['a Host header', { url: 'http://127.0.0.1/', headers: { Host: 'elsewhere' } }],
    ['a header with a line break', { url: 'http://127.0.0.1/', headers: { 'x-a': 'b\r\nx-c: d' } }],
    ['a GET with a body', { url: 'http://127.0.0.1/', body: 'x' }],
    ['an unknown field', { url: 'http://127.0.0.1/', timeout: 5 }],
    ['a zero timeout', { url: 'http://127.0.0.1/', timeout_ms: 0 }],
  ])('refuses %s (HTTP_INVALID_REQUEST)', async (_case, request) => {
    await fails(apps.listed, request, 'HTTP_INVALID_REQUEST');
  });

  it('fails with HTTP_FAILED when nothing listens, naming no part of the URL', async () => {
    const closed = await listen();
    await closed.close();
    const message = await fails(
      apps.listed,
      { url: `http://127.0.0.1:${closed.port}/path?api_key=QUERYSECRET` },
      'HTTP_FAILED',
    );
    expect(message).toBe('the request failed: connection refused');
  });

  it('never puts the URL, its host, path or query in a message', async () => {
    const message = await fails(
      apps.listed,
      { url: `${base}/slow-head?token=QUERYSECRET`, timeout_ms: 100 },
      'HTTP_TIMEOUT',
    );
    expect(message).not.toContain('QUERYSECRET');
    expect(message).not.toContain('slow-head');
    expect(message).not.toContain('127.0.0.1');
  });
});

describe('HostPolicy', () => {
  it.each([
    ['api.example.com', 'api.example.com'],
    ['*.example.com', '*.example.com'],
    ['10.1.2.3', '10.1.2.3'],
    ['[FE80::1]', 'fe80::1'],
    ['192.168.0.0/16', '192.168.0.0/16'],
    ['printer_1.lan', 'printer_1.lan'],
  ])('parses %s as %s', (input, text) => {
    expect(parseHostEntry(input)).toMatchObject({ text });
  });

  it.each([
    // list, host, address (null: the URL names an IP), allowed
    [[], 'api.example.com', '93.184.216.34', true],
    // A LAN address is not a public one: it needs an address or CIDR entry.
    [[], 'nas.lan', '192.168.1.20', false],
    [['192.168.1.0/24'], '192.168.1.20', '192.168.1.20', true],
    [[], 'evil.example', '127.0.0.1', false],
    [[], 'evil.example', '::ffff:127.0.0.1', false],
    [[], '169.254.169.254', null, false],
    [[], '255.255.255.255', null, false],
    [[], '224.0.0.1', null, false],
    [['*.example.com'], 'api.example.com', '93.184.216.34', true],
    [['*.example.com'], 'a.b.example.com', '93.184.216.34', true],
    [['*.example.com'], 'example.com', '93.184.216.34', false],
    [['*.example.com'], 'badexample.com', '93.184.216.34', false],
    [['api.example.com'], 'API.EXAMPLE.COM.', '93.184.216.34', true],
    [['192.168.1.0/24'], '192.168.1.20', null, true],
    [['192.168.1.0/24'], 'nas.lan', '192.168.1.20', false],
    [['192.168.1.0/24'], '192.168.2.1', null, false],
    [['127.0.0.1'], '127.0.0.1', null, true],
    [['127.0.0.1'], '::ffff:127.0.0.1', null, true],
    [['localhost'], 'localhost', '127.0.0.1', false],
    [['localhost', '127.0.0.1'], 'localhost', '127.0.0.1', true],
    [['169.254.169.254'], '169.254.169.254', null, true],
  ] as [string[], string, string | null, boolean][])('%j: %s (%s) → %s', (list, host, address, allowed) => {
    const policy = new HostPolicy(list);
    const gate = policy.checkHost(host);
    const result = gate.allowed && policy.checkAddress(address ?? host).allowed;
    expect(result).toBe(allowed);
  });
});

describe('through the whole appliance', () => {
  it('a script reads its secret, calls an allowed device with it, and the log masks it', async () => {
    const pc = await startTestAppliance();
    try {
      const api = async (method: string, path: string, body?: unknown, status = 201) => {
        const response = await pc.api(method, `/api/v1/admin${path}`, body);
        expect(response.status, JSON.stringify(response.body)).toBe(status);
        return response.body;
      };
      await api('POST', '/apps', { slug: 'e2e', name: 'E2E', http_allow_hosts: ['127.0.0.1'] });
      await api('POST', '/apps/e2e/domains', { pattern: 'e2e.lan' });
      await api('PUT', '/apps/e2e/secrets/DEVICE_TOKEN', { value: 'tok-5e1f0a9b7c' });
      await api('POST', '/scripts', {
        app: 'e2e',
        name: 'relay',
        source: `let token = secret::get("DEVICE_TOKEN");
                 print("using " + token);
                 let answer = http::post("${base}/echo", #{ on: true }, #{ headers: #{ "x-token": token } });
                 let echoed = answer.body; // JSON answers arrive parsed
                 #{ status: answer.status, token_sent: echoed.headers["x-token"] == token, body: echoed.body }`,
      });
      await api('POST', '/apps/e2e/routes', { script: 'relay', methods: ['GET'], path: '/relay' });
      await new Promise((resolve) => setTimeout(resolve, 150));

      const response = await requestWithHost(`${pc.baseUrl}/relay`, 'e2e.lan');
      expect(response.status, response.text).toBe(200);
      expect(response.json()).toEqual({ status: 200, token_sent: true, body: '{"on":true}' });

      let logged: { output: string }[] = [];
      for (let i = 0; i < 50 && logged.length === 0; i++) {
        logged = (
          await pc.database.pool.query("SELECT output FROM execution_logs WHERE output LIKE 'using%'")
        ).rows;
        if (logged.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(logged.map((row) => row.output.trim())).toEqual(['using [secret DEVICE_TOKEN]']);
    } finally {
      await pc.stop();
    }
  });
});
