/**
 * caddy/Caddyfile and caddy/Caddyfile.public-https in front of a real PiCloud server, with Debian's
 * `caddy` (installed by .ci/run): two sites on two ports, like PiCloud's two listeners — the apps'
 * endpoints (custom routes, wire, /execute) on one, the panel and its API on the other, so the panel
 * keeps an origin of its own behind Caddy. Health and version reach PiCloud on both with the Host
 * header intact; other /api/* paths are a JSON 404 from Caddy itself.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServer, type TestServer } from '../support/server.js';

const CADDY_DIR = fileURLToPath(new URL('../../caddy/', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'picloud-caddy-'));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function startCaddy(
  config: string,
  env: Record<string, string>,
  probe: () => Promise<unknown>,
): Promise<ChildProcess> {
  const caddy = spawn('caddy', ['run', '--config', join(CADDY_DIR, config), '--adapter', 'caddyfile'], {
    cwd: CADDY_DIR,
    env: {
      ...process.env,
      XDG_DATA_HOME: scratch,
      XDG_CONFIG_HOME: scratch,
      PICLOUD_CADDY_ADMIN: 'off',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  caddy.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  for (let attempt = 0; attempt < 100; attempt++) {
    if (caddy.exitCode !== null) throw new Error(`caddy exited: ${log}`);
    try {
      await probe();
      return caddy;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`caddy did not come up: ${log}`);
}

/** GET with an explicit Host header (fetch does not let callers set Host). */
function getWithHost(url: string, host: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { host } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => resolve(JSON.parse(body)));
    });
    req.on('error', reject);
    req.end();
  });
}

let picloud: TestServer;
let upstream: string;
let panelUpstream: string;
beforeAll(async () => {
  const which = spawnSync('caddy', ['version']);
  if (which.error)
    throw new Error("Debian's caddy is required for this test: apt-get install -y caddy (.ci/run does)");
  picloud = await createTestServer({
    apiPlugins: [
      async (app) => {
        app.get('/admin/echo-host', { config: { access: { public: true } } }, async (request) => ({
          host: request.headers.host,
          forwardedFor: request.headers['x-forwarded-for'],
        }));
      },
    ],
  });
  // Stand-ins for routes of the endpoints' listener: a custom app route and the wire protocol.
  picloud.endpoints.get('/hello', async (request) => ({ hello: 'from PiCloud', host: request.headers.host }));
  picloud.endpoints.get('/wire/v1/ping', async () => ({ wire: 1 }));
  const listen = async (app: typeof picloud.panel) => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    return `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  };
  upstream = await listen(picloud.endpoints);
  panelUpstream = await listen(picloud.panel);
});
afterAll(async () => {
  await picloud?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('caddy/Caddyfile (HTTP)', () => {
  let caddy: ChildProcess;
  let base: string;
  let panelBase: string;
  beforeAll(async () => {
    const port = await freePort();
    const panelPort = await freePort();
    base = `http://127.0.0.1:${port}`;
    panelBase = `http://127.0.0.1:${panelPort}`;
    caddy = await startCaddy(
      'Caddyfile',
      {
        PICLOUD_UPSTREAM: upstream,
        PICLOUD_PANEL_UPSTREAM: panelUpstream,
        PICLOUD_HTTP_PORT: String(port),
        PICLOUD_PANEL_HTTP_PORT: String(panelPort),
      },
      async () => {
        for (const url of [`${base}/healthz`, `${panelBase}/healthz`]) {
          const response = await fetch(url);
          if (response.status !== 200) throw new Error(String(response.status));
        }
      },
    );
  });
  afterAll(() => {
    caddy?.kill('SIGTERM');
  });

  const bases = () => ({ endpoints: base, panel: panelBase });
  it.each([
    ['endpoints', '/healthz', 200, 'text/plain', (body: string) => expect(body).toBe('ok')],
    ['panel', '/healthz', 200, 'text/plain', (body: string) => expect(body).toBe('ok')],
    [
      'endpoints',
      '/version',
      200,
      'application/json',
      (body: string) => expect(JSON.parse(body)).toMatchObject({ api: 1, wire: 1 }),
    ],
    [
      'endpoints',
      '/wire/v1/ping',
      200,
      'application/json',
      (body: string) => expect(JSON.parse(body)).toEqual({ wire: 1 }),
    ],
    ['panel', '/', 200, 'text/html', (body: string) => expect(body).toContain('PiCloud')],
    ['endpoints', '/', 404, 'application/json', (body: string) => expect(body).not.toContain('<html')],
    [
      'endpoints',
      '/api/v1/admin/echo-host',
      404,
      'application/json',
      (body: string) => expect(JSON.parse(body).error.code).toBe('PICLOUD_ERR_API_WRONG_PORT'),
    ],
    [
      'panel',
      '/api/v1/nothing-here',
      404,
      'application/json',
      (body: string) => expect(JSON.parse(body).error.code).toBe('PICLOUD_ERR_API_NOT_FOUND'),
    ],
    [
      'endpoints',
      '/api/admin/scripts',
      404,
      'application/json',
      (body: string) =>
        expect(JSON.parse(body)).toEqual({
          error: { code: 'PICLOUD_ERR_API_NOT_FOUND', message: expect.any(String) },
        }),
    ],
    [
      'panel',
      '/api/v2/x',
      404,
      'application/json',
      (body: string) => expect(JSON.parse(body).error.code).toBe('PICLOUD_ERR_API_NOT_FOUND'),
    ],
    ['panel', '/api', 404, 'application/json', (body: string) => expect(body).not.toContain('<html')],
  ] as const)('%s site: GET %s → %i %s', async (site, path, status, type, check) => {
    const response = await fetch(`${bases()[site]}${path}`);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain(type);
    check(await response.text());
  });

  it('custom routes and the API reach PiCloud with the Host header intact', async () => {
    expect(await getWithHost(`${base}/hello`, 'api.home.lan')).toEqual({
      hello: 'from PiCloud',
      host: 'api.home.lan',
    });
    expect(await getWithHost(`${panelBase}/api/v1/admin/echo-host`, 'localhost:8088')).toEqual({
      host: 'localhost:8088',
      forwardedFor: '127.0.0.1',
    });
  });
});

describe("caddy/Caddyfile.public-https (ACME; here Caddy's local CA, as there is no internet)", () => {
  let caddy: ChildProcess;
  let httpsPort: number;
  let panelHttpsPort: number;
  const get = (path: string, port = httpsPort) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          path,
          servername: 'picloud.test',
          headers: { host: port === httpsPort ? 'picloud.test' : `picloud.test:${port}` },
          rejectUnauthorized: false,
        },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => {
            body += chunk.toString();
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  beforeAll(async () => {
    httpsPort = await freePort();
    panelHttpsPort = await freePort();
    const httpPort = await freePort();
    caddy = await startCaddy(
      'Caddyfile.public-https',
      {
        PICLOUD_UPSTREAM: upstream,
        PICLOUD_PUBLIC_DOMAIN: 'picloud.test',
        CADDY_HTTPS_PORT: String(httpsPort),
        CADDY_HTTP_PORT: String(httpPort),
        CADDY_GLOBAL: 'local_certs',
      },
      async () => {
        const response = await get('/healthz');
        if (response.status !== 200) throw new Error(String(response.status));
      },
    );
  }, 30_000);
  afterAll(() => {
    caddy?.kill('SIGTERM');
  });

  it("serves the apps' endpoints over HTTPS with Caddy's certificate", async () => {
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok' });
    const hello = await get('/hello');
    expect(JSON.parse(hello.body)).toEqual({ hello: 'from PiCloud', host: 'picloud.test' });
    const retired = await get('/api/v0/apps');
    expect(retired.status).toBe(404);
    expect(JSON.parse(retired.body).error.code).toBe('PICLOUD_ERR_API_NOT_FOUND');
  });

  it('publishes no panel: the admin API is not served through it', async () => {
    const wrong = await get('/api/v1/admin/echo-host');
    expect(JSON.parse(wrong.body).error.code).toBe('PICLOUD_ERR_API_WRONG_PORT');
    await expect(get('/', panelHttpsPort)).rejects.toThrow(/ECONNREFUSED/);
  });
});
