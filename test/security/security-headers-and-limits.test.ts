/**
 * The appliance's outer defences, over real sockets: security headers on the panel and the API but
 * not on scripts' responses; oversized request heads answered 431 in the error format before any
 * route runs; oversized bodies refused with 413 and no side effect; and the per-address rate limit on
 * the apps' endpoints, which leaves the admin API alone. Each limit has its own appliance, so one test's
 * traffic cannot trip another's limit.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';
import { requestWithHost } from '../support/http.js';

/** The raw answer to bytes written on a fresh connection, and whether the server closed it. */
interface RawExchange {
  /** Everything the server sent. */
  text: string;
  /** The status line. */
  statusLine: string;
  /** Response headers, lower-cased names. */
  headers: Record<string, string>;
  body: string;
  /** True when the server ended the connection (rather than the test's timeout). */
  closedByServer: boolean;
}

/** Writes `payload` on a new TCP connection to `baseUrl` and reads until the server closes it. */
function rawExchange(baseUrl: string, payload: string, timeoutMs = 5_000): Promise<RawExchange> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    let closedByServer = true;
    const timer = setTimeout(() => {
      closedByServer = false;
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    // The server may close while we are still writing: what it answered is what matters.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, ...rest] = text.split('\r\n\r\n');
      const [statusLine, ...headerLines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ text, statusLine, headers, body: rest.join('\r\n\r\n'), closedByServer });
    });
    socket.write(payload);
  });
}

/** Headers @fastify/helmet adds; a script's response carries none of them. */
const HELMET_HEADERS = [
  'content-security-policy',
  'x-frame-options',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-permitted-cross-domain-policies',
];

/** The directives of a Content-Security-Policy header, by name. */
function directives(policy: string): Record<string, string> {
  return Object.fromEntries(
    policy
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const [name, ...values] = part.split(/\s+/);
        return [name, values.join(' ')];
      }),
  );
}

describe('with the default limits', () => {
  let pc: TestAppliance;
  beforeAll(async () => {
    pc = await startTestAppliance();
  });
  afterAll(async () => {
    await pc?.stop();
  });

  describe('security headers', () => {
    it('guard the panel: a strict CSP, no framing, no sniffing, no referrer, and no HSTS', async () => {
      const response = await fetch(`${pc.panelUrl}/`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      const csp = response.headers.get('content-security-policy');
      expect(csp).not.toBeNull();
      const policy = directives(csp!);
      expect(policy['default-src']).toBe("'self'");
      expect(policy['frame-ancestors']).toBe("'none'");
      expect(policy['object-src']).toBe("'none'");
      expect(policy['script-src']).toBe("'self'");
      expect(policy['base-uri']).toBe("'self'");
      // Plain HTTP on the LAN must keep working: nothing forces HTTPS.
      expect(policy).not.toHaveProperty('upgrade-insecure-requests');
      expect(response.headers.get('strict-transport-security')).toBeNull();
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    });

    it("the panel's page works under that policy: no inline script or handler, its files served alike", async () => {
      const html = await (await fetch(`${pc.panelUrl}/`)).text();
      // Every <script> loads a file; no inline code and no on* attributes (the CSP would block them).
      for (const tag of html.match(/<script\b[^>]*>[\s\S]*?<\/script>/g) ?? []) {
        expect(tag).toMatch(/^<script[^>]*\bsrc="\/[^"]+"[^>]*><\/script>$/);
      }
      expect(html).not.toMatch(/\son[a-z]+=/i);
      // The built page names its script and style sheet by content hash under /assets/.
      const files = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1]);
      expect(files.some((file) => file.endsWith('.js'))).toBe(true);
      expect(files.some((file) => file.endsWith('.css'))).toBe(true);
      for (const file of files) {
        const response = await fetch(`${pc.panelUrl}${file}`);
        expect(response.status, file).toBe(200);
        expect(response.headers.get('content-security-policy'), file).not.toBeNull();
        expect(response.headers.get('cache-control'), file).toContain('immutable');
      }
      expect((await fetch(`${pc.panelUrl}/`)).headers.get('cache-control')).toBe('no-cache');
      // Build metadata is not published.
      expect((await fetch(`${pc.panelUrl}/.vite/manifest.json`)).status).toBe(404);
    });

    it('guard the API, on success and on errors', async () => {
      const status = await fetch(`${pc.panelUrl}/api/v1/auth/status`);
      expect(status.status).toBe(200);
      expect(status.headers.get('x-content-type-options')).toBe('nosniff');
      expect(status.headers.get('x-frame-options')).toBe('DENY');
      expect(status.headers.get('strict-transport-security')).toBeNull();
      const refused = await fetch(`${pc.panelUrl}/api/v1/admin/apps`);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
      const listed = await pc.api('GET', '/api/v1/admin/apps');
      expect(listed.status).toBe(200);
      expect(listed.headers.get('x-content-type-options')).toBe('nosniff');
    });

    it("leave a script's response as its script made it", async () => {
      const response = await requestWithHost(`${pc.baseUrl}/hello?name=Pi`, 'localhost');
      expect(response.status, response.text).toBe(200);
      expect(response.json()).toMatchObject({ message: 'Hello, Pi!' });
      for (const header of HELMET_HEADERS) expect(response.headers[header], header).toBeUndefined();
      expect(response.headers['strict-transport-security']).toBeUndefined();
    });
  });

  describe('request head size', () => {
    it('answers 431 in the error format to headers over the limit, and closes the connection', async () => {
      const exchange = await rawExchange(
        pc.baseUrl,
        `GET /api/v1/auth/status HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'a'.repeat(20 * 1024)}\r\n\r\n`,
      );
      expect(exchange.statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
      expect(exchange.headers['content-type']).toMatch(/^application\/json/);
      expect(exchange.headers.connection).toBe('close');
      expect(Number(exchange.headers['content-length'])).toBe(Buffer.byteLength(exchange.body));
      expect(JSON.parse(exchange.body)).toEqual({
        error: expect.objectContaining({
          code: 'PICLOUD_ERR_HTTP_HEADERS_TOO_LARGE',
          message: expect.any(String),
        }),
      });
      expect(exchange.closedByServer).toBe(true);
      expect((await fetch(`${pc.baseUrl}/healthz`)).status).toBe(200);
    });

    it('counts many small headers together against the limit', async () => {
      const headers = Array.from({ length: 400 }, (_, i) => `X-Header-${i}: ${'b'.repeat(40)}\r\n`).join('');
      const exchange = await rawExchange(
        pc.baseUrl,
        `GET /hello HTTP/1.1\r\nHost: localhost\r\n${headers}\r\n`,
      );
      expect(exchange.statusLine).toMatch(/^HTTP\/1\.1 431 /);
      expect(JSON.parse(exchange.body).error.code).toBe('PICLOUD_ERR_HTTP_HEADERS_TOO_LARGE');
      expect(exchange.closedByServer).toBe(true);
    });

    it('accepts a head just under the limit, and keeps serving after refusing one', async () => {
      const fine = await fetch(`${pc.panelUrl}/api/v1/auth/status`, {
        headers: { 'x-padding': 'c'.repeat(12 * 1024) },
      });
      expect(fine.status).toBe(200);
      expect(((await fine.json()) as { setup_required: boolean }).setup_required).toBe(false);
      const health = await fetch(`${pc.baseUrl}/healthz`);
      expect(health.status).toBe(200);
      const hello = await requestWithHost(`${pc.baseUrl}/hello`, 'localhost');
      expect(hello.status).toBe(200);
    });

    it('answers a malformed request line in the error format too', async () => {
      const exchange = await rawExchange(pc.baseUrl, 'NOT A REQUEST\r\n\r\n');
      expect(exchange.statusLine).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(exchange.body).error.code).toMatch(/^PICLOUD_ERR_HTTP_/);
      expect(exchange.closedByServer).toBe(true);
    });
  });
});

describe('with a 4 KiB body limit', () => {
  let pc: TestAppliance;
  beforeAll(async () => {
    pc = await startTestAppliance({ bodyLimitBytes: 4096 });
  });
  afterAll(async () => {
    await pc?.stop();
  });

  async function appCount(): Promise<number> {
    const { rows } = await pc.database.pool.query('SELECT count(*)::int AS n FROM apps');
    return rows[0].n;
  }

  it('refuses a larger body to an admin route with 413, creating nothing', async () => {
    const before = await appCount();
    const response = await pc.api('POST', '/api/v1/admin/apps', {
      slug: 'big',
      name: 'Big',
      description: 'x'.repeat(5_000),
    });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('PICLOUD_ERR_HTTP_BODY_TOO_LARGE');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await appCount()).toBe(before);
    expect((await pc.api('GET', '/api/v1/admin/apps/big')).status).toBe(404);
  });

  it('refuses a body declared larger than the limit before it arrives', async () => {
    // Content-Length says 1 MiB; only a little follows. The server must not wait for the rest.
    const exchange = await rawExchange(
      pc.baseUrl,
      `POST /api/v1/admin/apps HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${pc.token}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1048576\r\nConnection: close\r\n\r\n{"slug":"big"',
    );
    expect(exchange.statusLine).toMatch(/^HTTP\/1\.1 413 /);
    expect(JSON.parse(exchange.body).error.code).toBe('PICLOUD_ERR_HTTP_BODY_TOO_LARGE');
    expect(exchange.closedByServer).toBe(true);
  });

  it('still accepts bodies within the limit, up to just under it', async () => {
    const before = await appCount();
    const app = await pc.api('POST', '/api/v1/admin/apps', {
      slug: 'small',
      name: 'Small',
      description: 'x'.repeat(1_900),
    });
    expect(app.status, JSON.stringify(app.body)).toBe(201);
    expect(await appCount()).toBe(before + 1);
    const body = { app: 'small', name: 'near-limit', source: `// ${'y'.repeat(3_800)}\n#{ ok: true }` };
    expect(Buffer.byteLength(JSON.stringify(body))).toBeGreaterThan(3_800);
    expect(Buffer.byteLength(JSON.stringify(body))).toBeLessThan(4_096);
    const script = await pc.api('POST', '/api/v1/admin/scripts', body);
    expect(script.status, JSON.stringify(script.body)).toBe(201);
  });
});

describe('with a rate limit of 20 requests a minute', () => {
  let pc: TestAppliance;
  beforeAll(async () => {
    pc = await startTestAppliance({ publicRateLimit: 20 });
  });
  afterAll(async () => {
    await pc?.stop();
  });

  it("answers the 21st request to the apps' endpoints with 429 and Retry-After", async () => {
    for (let i = 1; i <= 20; i++) {
      const response = await requestWithHost(`${pc.baseUrl}/hello`, 'localhost');
      expect(response.status, `request ${i}: ${response.text}`).toBe(200);
    }
    const limited = await requestWithHost(`${pc.baseUrl}/hello`, 'localhost');
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^application\/json/);
    expect(limited.json().error.code).toBe('PICLOUD_ERR_HTTP_RATE_LIMITED');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // The limit is per address, not per path or host: other endpoints are limited too.
    expect((await requestWithHost(`${pc.baseUrl}/elsewhere`, 'localhost')).status).toBe(429);
    expect((await requestWithHost(`${pc.baseUrl}/`, 'other.lan')).status).toBe(429);
  });

  it("counts the panel's files on the panel's listener, apart from the apps' endpoints", async () => {
    // Still within the minute: the endpoints are limited, the panel is not (a flood of an app's
    // endpoint does not lock the owner out of the panel)...
    expect((await requestWithHost(`${pc.baseUrl}/hello`, 'localhost')).status).toBe(429);
    for (let i = 1; i <= 20; i++) expect((await fetch(`${pc.panelUrl}/`)).status, `request ${i}`).toBe(200);
    // ...and has its own limit.
    expect((await fetch(`${pc.panelUrl}/`)).status).toBe(429);
  });

  it('leaves the admin API and the health probe alone', async () => {
    // Still within the minute of the test above: the apps' endpoints are limited...
    expect((await requestWithHost(`${pc.baseUrl}/hello`, 'localhost')).status).toBe(429);
    // ...the control plane is not.
    for (let i = 0; i < 25; i++) {
      const response = await pc.api('GET', '/api/v1/admin/apps');
      expect(response.status, `request ${i}`).toBe(200);
    }
    expect((await pc.api('GET', '/api/v1/auth/status')).status).toBe(200);
    expect((await fetch(`${pc.baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${pc.panelUrl}/healthz`)).status).toBe(200);
  });
});
