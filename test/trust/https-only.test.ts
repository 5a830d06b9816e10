/**
 * The owner's HTTPS-only switch (`PUT /api/v1/admin/node/https`): the panel's plain-HTTP port then
 * redirects browsers on the LAN to its HTTPS port (not the trust page, not health checks, not the machine
 * itself), and over HTTPS the session cookie is `__Host-picloud_session`, `Secure` — a plain
 * `picloud_session` cookie (which any plain-HTTP page of the host could set) counts for nothing there.
 */
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';

let pc: TestAppliance;
let caPem: string;

beforeAll(async () => {
  pc = await startTestAppliance();
  caPem = readFileSync(join(pc.dataDir, 'ca.crt'), 'utf8');
}, 120_000);

afterAll(async () => {
  await pc?.stop();
});

/** A request to the panel's HTTPS port, trusting only the appliance CA. */
function panelHttps(
  method: string,
  path: string,
  { body, cookie }: { body?: unknown; cookie?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      {
        host: '127.0.0.1',
        port: pc.appliance.runtime.panelHttpsPort,
        method,
        path,
        ca: caPem,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(cookie ? { cookie } : {}),
        },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }),
        );
      },
    );
    request.on('error', reject);
    request.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** A request to the panel's plain-HTTP listener as a device of the LAN would send it. */
function fromLan(url: string) {
  return pc.appliance.server.panel.inject({
    method: 'GET',
    url,
    remoteAddress: '192.168.1.50',
    headers: { host: 'pi.local:8081' },
  });
}

describe('HTTPS-only, off (the default)', () => {
  it('serves the panel over plain HTTP to the LAN', async () => {
    const view = await pc.api('GET', '/api/v1/admin/node/https');
    expect(view.body).toMatchObject({ https_only: false, ca_fingerprint: pc.appliance.ca.fingerprint });
    expect(view.body.trust_url).toMatch(/\/trust$/);
    expect(view.body.panel_urls[0]).toBe(`https://localhost:${pc.appliance.runtime.panelHttpsPort}/`);
    expect((await fromLan('/')).statusCode).toBe(200);
  });
});

describe('HTTPS-only, on', () => {
  beforeAll(async () => {
    const turned = await pc.api('PUT', '/api/v1/admin/node/https', { https_only: true });
    expect(turned.status).toBe(200);
    expect(turned.body.https_only).toBe(true);
  });

  it("redirects the LAN's plain-HTTP requests to the same path on the panel's HTTPS port", async () => {
    for (const path of ['/', '/apps/default?tab=logs', '/api/v1/auth/status']) {
      const response = await fromLan(path);
      expect(response.statusCode, path).toBe(308);
      expect(response.headers.location).toBe(
        `https://pi.local:${pc.appliance.runtime.panelHttpsPort}${path}`,
      );
    }
  });

  it('leaves the trust page, health checks and the machine itself on plain HTTP', async () => {
    for (const path of ['/trust', '/trust/ca.crt', '/healthz', '/version']) {
      expect((await fromLan(path)).statusCode, path).toBe(200);
    }
    expect((await fetch(`${pc.panelUrl}/`)).status).toBe(200);
  });

  it('is remembered (stored in the database), and a malformed value is refused', async () => {
    const row = await pc.appliance.database.db
      .selectFrom('appliance_settings')
      .select('value')
      .where('key', '=', 'https_only')
      .executeTakeFirst();
    expect(row?.value).toBe(true);
    const bad = await pc.api('PUT', '/api/v1/admin/node/https', { https_only: 'yes' });
    expect(bad.status).toBe(400);
  });

  it('signs in over HTTPS with a __Host- cookie, Secure, and ignores a plain session cookie there', async () => {
    const login = await panelHttps('POST', '/api/v1/auth/login', {
      body: { username: 'owner', password: 'correct horse battery staple' },
    });
    expect(login.status).toBe(200);
    const setCookie = ([] as string[]).concat(login.headers['set-cookie'] ?? []).join('\n');
    expect(setCookie).toMatch(
      /^__Host-picloud_session=[^;]+; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Strict/,
    );
    const secret = /__Host-picloud_session=([^;]+)/.exec(setCookie)?.[1];
    const signedIn = await panelHttps('GET', '/api/v1/auth/status', {
      cookie: `__Host-picloud_session=${secret}`,
    });
    expect(JSON.parse(signedIn.body)).toMatchObject({ signed_in: true });
    // The same session under the plain-HTTP name (a plain page could have set that one): not a session here.
    const plain = await panelHttps('GET', '/api/v1/auth/status', { cookie: `picloud_session=${secret}` });
    expect(JSON.parse(plain.body)).toMatchObject({ signed_in: false });
    const out = await panelHttps('POST', '/api/v1/auth/logout', {
      cookie: `__Host-picloud_session=${secret}`,
    });
    expect(([] as string[]).concat(out.headers['set-cookie'] ?? []).join('\n')).toMatch(
      /^__Host-picloud_session=;.*Secure/,
    );
  });

  it('can be turned off again', async () => {
    expect((await pc.api('PUT', '/api/v1/admin/node/https', { https_only: false })).body.https_only).toBe(
      false,
    );
    expect((await fromLan('/')).statusCode).toBe(200);
  });
});
