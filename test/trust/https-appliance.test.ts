/**
 * HTTPS served by the appliance itself: the panel and the endpoints on their HTTPS ports with a leaf of
 * the appliance CA, checked by curl (`--cacert`) and by Node's TLS client trusting only the CA; the
 * leaf's names; a new domain claim served with a valid certificate within a second, without a restart;
 * the trust page over plain HTTP; and a LAN attacker's handshakes (garbage, huge, NUL in SNI, resets)
 * that the process survives.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect as connectTcp, type Socket } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls, type PeerCertificate } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';

const run = promisify(execFile);
let pc: TestAppliance;
let caPem: string;
let httpsPort: number;
let panelHttpsPort: number;

beforeAll(async () => {
  pc = await startTestAppliance();
  caPem = readFileSync(join(pc.dataDir, 'ca.crt'), 'utf8');
  httpsPort = pc.appliance.runtime.httpsPort;
  panelHttpsPort = pc.appliance.runtime.panelHttpsPort;
}, 120_000);

afterAll(async () => {
  await pc?.stop();
});

/** The certificate the server presents for `servername` (no verification), with whether it verifies against the CA. */
function handshake(
  port: number,
  servername?: string,
): Promise<{ cert: PeerCertificate; authorized: boolean; error: string | null }> {
  return new Promise((resolve, reject) => {
    const socket = connectTls(
      { host: '127.0.0.1', port, servername, ca: caPem, rejectUnauthorized: false },
      () => {
        const cert = socket.getPeerCertificate();
        // Name check as a browser does it: for the SNI name, else for the address.
        const identity = servername ?? '127.0.0.1';
        const x509 = new X509Certificate(cert.raw);
        const nameOk = servername
          ? x509.checkHost(identity) !== undefined
          : x509.checkIP(identity) !== undefined;
        resolve({
          cert,
          authorized: socket.authorized && nameOk,
          error: socket.authorizationError
            ? String(socket.authorizationError)
            : nameOk
              ? null
              : 'name mismatch',
        });
        socket.end();
      },
    );
    socket.on('error', reject);
  });
}

async function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('curl', ['-sS', '--max-time', '10', ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('HTTPS on both listeners', () => {
  it('answers /healthz over HTTPS to curl trusting the CA (endpoints and panel), and refuses curl without it', async () => {
    const caFile = join(pc.dataDir, 'ca.crt');
    for (const port of [httpsPort, panelHttpsPort]) {
      const ok = await curl(['--cacert', caFile, `https://127.0.0.1:${port}/healthz`]);
      expect(ok, ok.stderr).toMatchObject({ code: 0, stdout: 'ok' });
      const byName = await curl(['--cacert', caFile, `https://localhost:${port}/healthz`]);
      expect(byName, byName.stderr).toMatchObject({ code: 0, stdout: 'ok' });
    }
    const untrusted = await curl([`https://127.0.0.1:${httpsPort}/healthz`]);
    expect(untrusted.code).toBe(60); // curl: peer certificate cannot be authenticated with known CA certificates
    // The plain-HTTP ports still answer (IoT devices without TLS).
    expect(await (await fetch(`${pc.baseUrl}/healthz`)).text()).toBe('ok');
  });

  it("serves the apps' routes over HTTPS on the endpoints' port, and the admin API only on the panel's", async () => {
    const caFile = join(pc.dataDir, 'ca.crt');
    const hello = await curl(['--cacert', caFile, `https://localhost:${httpsPort}/hello`]);
    expect(JSON.parse(hello.stdout)).toMatchObject({ message: 'Hello, world!' });
    const wrong = await curl(['--cacert', caFile, `https://127.0.0.1:${httpsPort}/api/v1/admin/apps`]);
    expect(JSON.parse(wrong.stdout).error.code).toBe('PICLOUD_ERR_API_WRONG_PORT');
    const panelApi = await curl([
      '--cacert',
      caFile,
      '-H',
      `authorization: Bearer ${pc.token}`,
      `https://127.0.0.1:${panelHttpsPort}/api/v1/admin/apps`,
    ]);
    expect(JSON.parse(panelApi.stdout).items.length).toBeGreaterThan(0);
  });

  it("carries the host's .local name, its host name, localhost and every address of the machine", async () => {
    const { cert } = await handshake(httpsPort);
    const sans = (cert.subjectaltname ?? '').split(', ');
    const host = hostname().toLowerCase();
    expect(sans).toContain(`DNS:${host.split('.')[0]}.local`);
    expect(sans).toContain('DNS:localhost');
    expect(sans).toContain('IP Address:127.0.0.1');
    expect(sans).toContain('IP Address:0:0:0:0:0:0:0:1');
    for (const address of Object.values(networkInterfaces()).flat()) {
      if (!address || address.family !== 'IPv4') continue;
      const privateV4 = /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|127\.|169\.254\.)/.test(address.address);
      if (privateV4) expect(sans).toContain(`IP Address:${address.address}`);
    }
    const days = (Date.parse(cert.valid_to) - Date.parse(cert.valid_from)) / 86_400_000;
    expect(days).toBeLessThanOrEqual(398);
    expect(pc.appliance.certificate.renewsAt.getTime()).toBeLessThan(
      Date.parse(cert.valid_to) - 30 * 86_400_000,
    );
  });

  it('serves a new domain claim with a valid certificate within a second, without a restart', async () => {
    for (const pattern of ['garden.local', '*.rooms.lan']) {
      const probe = pattern.replace('*', 'kitchen');
      expect((await handshake(httpsPort, probe)).authorized).toBe(false);
      await pc.api('POST', '/api/v1/admin/apps', { slug: `tls-${probe.split('.')[0]}`, name: 'TLS' });
      const claimed = await pc.api('POST', `/api/v1/admin/apps/tls-${probe.split('.')[0]}/domains`, {
        pattern,
      });
      expect(claimed.status).toBe(201);
      const since = performance.now();
      let result = await handshake(httpsPort, probe);
      while (!result.authorized && performance.now() - since < 1_000) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        result = await handshake(httpsPort, probe);
      }
      expect(result, `${pattern} after ${Math.round(performance.now() - since)} ms`).toMatchObject({
        authorized: true,
      });
      expect(performance.now() - since).toBeLessThan(1_000);
    }
  });

  it('leaves a public domain claim out of the certificate (the CA may not certify it); the rest stays valid', async () => {
    await pc.api('POST', '/api/v1/admin/apps', { slug: 'public-site', name: 'Public' });
    expect(
      (await pc.api('POST', '/api/v1/admin/apps/public-site/domains', { pattern: 'www.example.com' })).status,
    ).toBe(201);
    await pc.api('POST', '/api/v1/admin/apps/public-site/domains', { pattern: 'shop.local' });
    const since = performance.now();
    while (!(await handshake(httpsPort, 'shop.local')).authorized && performance.now() - since < 1_000) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const current = pc.appliance.certificate.current;
    expect(current.names.dns).toContain('shop.local');
    expect(current.leftOut.dns).toContain('www.example.com');
    // The certificate as a whole stays valid for every local name.
    expect((await handshake(httpsPort, 'garden.local')).authorized).toBe(true);
  });
});

describe('the trust page', () => {
  it('is served over plain HTTP on the panel with the CA, its fingerprint, a profile and a QR code', async () => {
    const page = await fetch(`${pc.panelUrl}/trust`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const text = await page.text();
    expect(text).toContain(pc.appliance.ca.fingerprint);
    expect(text).toMatch(/<svg[^>]*viewBox/);
    for (const platform of ['iPhone', 'Android', 'macOS', 'Windows', 'Linux', 'Firefox'])
      expect(text).toContain(platform);
    const crt = await fetch(`${pc.panelUrl}/trust/ca.crt`);
    expect(crt.headers.get('content-type')).toBe('application/x-x509-ca-cert');
    expect(await crt.text()).toBe(caPem);
    const profile = await (await fetch(`${pc.panelUrl}/trust/picloud.mobileconfig`)).text();
    expect(profile).toContain('<string>com.apple.security.root</string>');
    const der = pc.appliance.ca.certificateDer.toString('base64');
    expect(profile.replace(/\s/g, '')).toContain(der);
    // Not on the endpoints' port: an app's page is never same-origin with anything of the panel.
    expect((await fetch(`${pc.baseUrl}/trust`)).status).toBe(404);
  });

  it('escapes a hostile Host header in the page and its QR code', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connectTcp(pc.appliance.runtime.panelPort, '127.0.0.1', () => {
        socket.write('GET /trust HTTP/1.1\r\nHost: "><script>alert(1)</script>\r\nConnection: close\r\n\r\n');
      });
      let data = '';
      socket.on('data', (chunk) => {
        data += chunk;
      });
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(text).not.toContain('<script>');
  });
});

/** A TLS ClientHello record with `serverName` in its SNI extension (raw bytes: the test speaks TLS by hand to send what no client library would). */
function clientHello(serverName: Buffer, padding = 0): Buffer {
  const sni = Buffer.concat([
    u16(0x0000),
    u16(serverName.length + 5),
    u16(serverName.length + 3),
    Buffer.from([0]),
    u16(serverName.length),
    serverName,
  ]);
  const pad =
    padding > 0 ? Buffer.concat([u16(0x0015), u16(padding), Buffer.alloc(padding)]) : Buffer.alloc(0);
  const extensions = Buffer.concat([sni, pad]);
  const body = Buffer.concat([
    u16(0x0303),
    Buffer.alloc(32, 7),
    Buffer.from([0]),
    u16(2),
    u16(0xc02b),
    Buffer.from([1, 0]),
    u16(extensions.length),
    extensions,
  ]);
  const handshakeMsg = Buffer.concat([Buffer.from([1]), u24(body.length), body]);
  return Buffer.concat([Buffer.from([0x16, 0x03, 0x01]), u16(handshakeMsg.length), handshakeMsg]);
}
function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
}
function u24(n: number): Buffer {
  return Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}

/** Sends `bytes` and resolves when the server closes or `ms` pass (then resets the connection). */
function sendRaw(port: number, bytes: Buffer, { reset = false, ms = 2_000 } = {}): Promise<void> {
  return new Promise((resolve) => {
    const socket: Socket = connectTcp(port, '127.0.0.1', () => {
      socket.write(bytes, () => {
        if (reset) socket.resetAndDestroy();
      });
    });
    const timer = setTimeout(() => {
      socket.resetAndDestroy();
      resolve();
    }, ms);
    socket.on('data', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.on('error', () => undefined);
  });
}

describe('hostile handshakes', () => {
  it('survives garbage, a huge ClientHello, NUL and huge names in SNI, and resets mid-handshake', async () => {
    const attacks: Promise<void>[] = [];
    for (const port of [httpsPort, panelHttpsPort]) {
      attacks.push(sendRaw(port, Buffer.alloc(64 * 1024, 0x41)));
      attacks.push(sendRaw(port, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')));
      attacks.push(sendRaw(port, clientHello(Buffer.from('a\0b.local'))));
      attacks.push(sendRaw(port, clientHello(Buffer.from(`${'a'.repeat(60_000)}.local`))));
      attacks.push(sendRaw(port, clientHello(Buffer.from('garden.local'), 16_000)));
      attacks.push(sendRaw(port, clientHello(Buffer.alloc(200, 0xff))));
      for (let i = 0; i < 50; i++) {
        const hello = clientHello(Buffer.from('garden.local'));
        attacks.push(sendRaw(port, hello.subarray(0, 1 + (i % hello.length)), { reset: true }));
        attacks.push(sendRaw(port, hello, { reset: true }));
      }
    }
    await Promise.all(attacks);
    const caFile = join(pc.dataDir, 'ca.crt');
    for (const port of [httpsPort, panelHttpsPort]) {
      const ok = await curl(['--cacert', caFile, `https://127.0.0.1:${port}/healthz`]);
      expect(ok, ok.stderr).toMatchObject({ code: 0, stdout: 'ok' });
    }
    expect(await (await fetch(`${pc.baseUrl}/healthz`)).text()).toBe('ok');
  });
});
