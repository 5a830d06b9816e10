/**
 * The cluster port as an attacker on the LAN meets it (real TLS sockets on 127.0.0.1): without a
 * certificate of the cluster nothing under /wire/* answers but the two join routes; another CA's
 * certificate, or the certificate of a removed node, gets nothing either; a caller of another wire
 * major is told both versions; garbage, huge and deep bodies, resets and handshakes broken off change
 * nothing and leave the port answering. The typed client refuses a peer that is not the pinned one
 * before it sends anything.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import tls from 'node:tls';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  certificateSha256,
  type KeyAndCertificate,
  pemChain,
} from '../../server/cluster/node-certificates.js';
import { WireError, wireCall } from '../../server/cluster/wire-client.js';
import { buildWireServer, type WireServer } from '../../server/cluster/wire-server.js';
import { WIRE_MAJOR } from '../../server/contracts/wire-v1.js';
import type { CertificateAuthority } from '../../server/trust/certificate-authority.js';
import { makeNodeCertificate, makeTestCa } from '../support/cluster-ca.js';

let ca: CertificateAuthority;
let otherCa: CertificateAuthority;
let server: KeyAndCertificate;
let member: KeyAndCertificate;
let removed: KeyAndCertificate;
let stranger: KeyAndCertificate;
let wire: WireServer;
let port: number;
/** Requests that reached a handler, by route. */
const handled: string[] = [];
const members = new Set<string>();

const STATUS = {
  node_id: 'a'.repeat(64),
  name: 'primary',
  state: 'primary' as const,
  cluster_id: 'b'.repeat(64),
  addresses: ['127.0.0.1'],
  versions: { product: '0.1.0', wire: 1, schema: 9, sdk: '1.2' },
  cpu_percent: 3,
  memory: { total_bytes: 10, used_bytes: 5 },
  temperature_c: null,
  requests_served: 7,
  uptime_s: 1,
};

beforeAll(async () => {
  ca = await makeTestCa();
  otherCa = await makeTestCa('another cluster');
  server = await makeNodeCertificate(ca);
  member = await makeNodeCertificate(ca, 'picloud_node_aaaaaaaaaaaa');
  removed = await makeNodeCertificate(ca, 'picloud_node_bbbbbbbbbbbb');
  stranger = await makeNodeCertificate(otherCa);
  members.add(certificateSha256(member.certificatePem));
  wire = await buildWireServer({
    logger: pino({ level: 'silent' }),
    tls: {
      key: server.keyPem,
      cert: pemChain(server.certificatePem, ca.certificatePem),
      ca: ca.certificatePem,
    },
    isClusterNode: async (fingerprint) => members.has(fingerprint),
    handlers: {
      invite: async () => {
        handled.push('invite');
        return { node_id: 'c'.repeat(64), name: 'fresh' };
      },
      join: async () => {
        handled.push('join');
        throw new Error('not reached in these tests');
      },
      status: async () => {
        handled.push('status');
        return STATUS;
      },
      health: async () => {
        handled.push('health');
        return { ok: true as const, node_id: 'a'.repeat(64), state: 'primary' as const };
      },
      leave: async () => {
        handled.push('leave');
        return { left: true as const };
      },
    },
  });
  await wire.app.listen({ host: '127.0.0.1', port: 0 });
  port = (wire.app.server.address() as { port: number }).port;
});

afterAll(async () => {
  await wire?.app.close();
});

/** Sends `request` (raw HTTP) over TLS, optionally with a client certificate; resolves with status and body. */
async function raw(
  request: string | Buffer,
  identity?: KeyAndCertificate,
): Promise<{ status: number; headers: string; body: string }> {
  const socket = tls.connect({
    host: '127.0.0.1',
    port,
    rejectUnauthorized: false,
    key: identity?.keyPem,
    cert: identity?.certificatePem,
  });
  await once(socket, 'secureConnect');
  socket.end(request);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(socket, 'close');
  const text = Buffer.concat(chunks).toString('utf8');
  const [head, ...rest] = text.split('\r\n\r\n');
  return {
    status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? 0),
    headers: head,
    body: rest.join('\r\n\r\n'),
  };
}

function get(path: string, headers: Record<string, string> = { 'picloud-wire': String(WIRE_MAJOR) }): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return [`GET ${path} HTTP/1.1`, 'Host: node', 'Connection: close', ...lines, '', ''].join('\r\n');
}

function post(path: string, body: string | Buffer, extra: Record<string, string> = {}): Buffer {
  const length = Buffer.byteLength(body);
  const lines = Object.entries({ 'picloud-wire': '1', 'content-type': 'application/json', ...extra }).map(
    ([name, value]) => `${name}: ${value}`,
  );
  const head = [
    `POST ${path} HTTP/1.1`,
    'Host: node',
    'Connection: close',
    `Content-Length: ${length}`,
    ...lines,
    '',
    '',
  ];
  return Buffer.concat([Buffer.from(head.join('\r\n')), Buffer.isBuffer(body) ? body : Buffer.from(body)]);
}

describe('without a certificate of the cluster, /wire/* gives nothing', () => {
  it.each([
    ['/wire/v1/status'],
    ['/wire/v1/health'],
    ['/wire/v1/leave'],
    ['/wire/v1/no-such-route'],
    ['/wire/v2/status'],
    ['/wire/'],
  ])('no certificate: GET %s → 403 PICLOUD_ERR_WIRE_FORBIDDEN', async (path) => {
    const before = handled.length;
    const answer = await raw(get(path));
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body).error.code).toBe('PICLOUD_ERR_WIRE_FORBIDDEN');
    expect(handled.length).toBe(before);
  });

  it("another CA's certificate → 403, no handler runs", async () => {
    const before = handled.length;
    const answer = await raw(get('/wire/v1/status'), stranger);
    expect(answer.status).toBe(403);
    expect(handled.length).toBe(before);
  });

  it("a removed node's certificate (still signed by the CA) → 403 naming the removal", async () => {
    const answer = await raw(get('/wire/v1/status'), removed);
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body).error.message).toMatch(/removed/);
  });

  it('a forged certificate copying the subject of a member, signed by another CA → 403', async () => {
    const forged = await makeNodeCertificate(otherCa, 'picloud_node_aaaaaaaaaaaa');
    expect((await raw(get('/wire/v1/status'), forged)).status).toBe(403);
  });
});

describe('a member of the cluster', () => {
  it('gets the typed status through the client', async () => {
    const status = await wireCall('status', undefined, {
      host: '127.0.0.1',
      port,
      pin: { ca: ca.certificatePem },
      identity: { key: member.keyPem, cert: member.certificatePem },
    });
    expect(status).toEqual(STATUS);
  });

  it('of another wire major is refused, the message naming both versions (header or path)', async () => {
    const byHeader = await raw(get('/wire/v1/health', { 'picloud-wire': '2' }), member);
    expect(byHeader.status).toBe(409);
    expect(JSON.parse(byHeader.body).error).toMatchObject({
      code: 'PICLOUD_ERR_WIRE_VERSION',
      message: expect.stringMatching(/speaks wire v1; the caller speaks wire v2/),
    });
    const byPath = await raw(get('/wire/v2/health', { 'picloud-wire': '2' }), member);
    expect(byPath.status).toBe(409);
    expect(JSON.parse(byPath.body).error.message).toMatch(/wire v1.*wire v2/);
  });

  it('every answer says which wire major this node speaks', async () => {
    const answer = await raw(get('/wire/v1/health'), member);
    expect(answer.status).toBe(200);
    expect(answer.headers).toMatch(/picloud-wire: 1/i);
  });
});

describe('the join routes are reachable without a certificate, and bad bodies change nothing', () => {
  it.each([
    ['not JSON', 400, 'PICLOUD_ERR_HTTP_BAD_BODY', '{"setup_code": '],
    ['the wrong shape', 400, 'PICLOUD_ERR_HTTP_VALIDATION', '{"setup_code": 1}'],
    [
      'extra fields',
      400,
      'PICLOUD_ERR_HTTP_VALIDATION',
      JSON.stringify({ setup_code: 'X', join_url: 'https://a:1', token: 't', more: 1 }),
    ],
    ['deeply nested', 400, 'PICLOUD_ERR_HTTP_BODY_TOO_DEEP', `${'['.repeat(10_000)}${']'.repeat(10_000)}`],
    [
      '1 MiB',
      413,
      'PICLOUD_ERR_HTTP_BODY_TOO_LARGE',
      JSON.stringify({ setup_code: 'x'.repeat(1024 * 1024) }),
    ],
  ] as const)('%s → %i %s', async (_label, status, code, body) => {
    const before = handled.length;
    const answer = await raw(post('/wire/v1/invite', body));
    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.body).error.code).toBe(code);
    expect(handled.length).toBe(before);
  });

  it('NUL bytes and binary garbage instead of HTTP → the connection is answered 400 or closed; the port still answers', async () => {
    const garbage = await raw(Buffer.from([0, 1, 2, 255, 0, 13, 10, 13, 10]));
    expect([0, 400]).toContain(garbage.status);
    expect((await raw(get('/wire/v1/health'), member)).status).toBe(200);
  });

  it('connections reset mid-request and handshakes broken off leave the port answering', async () => {
    for (let i = 0; i < 20; i++) {
      const tcp = connect({ host: '127.0.0.1', port });
      const socket = tls.connect({ socket: tcp, rejectUnauthorized: false });
      await once(socket, 'secureConnect');
      socket.write(post('/wire/v1/invite', '{"setup_code": "ABCD').subarray(0, 90));
      tcp.resetAndDestroy();
    }
    for (let i = 0; i < 20; i++) {
      const plain = connect({ host: '127.0.0.1', port });
      await once(plain, 'connect');
      plain.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2]));
      plain.destroy();
    }
    expect((await raw(get('/wire/v1/health'), member)).status).toBe(200);
  });
});

describe('the client verifies the peer before it sends anything', () => {
  it('a peer whose certificate is not signed by the pinned CA: refused, and the peer saw no request', async () => {
    const before = handled.length;
    const error = await wireCall('health', undefined, {
      host: '127.0.0.1',
      port,
      pin: { ca: otherCa.certificatePem },
      identity: { key: member.keyPem, cert: member.certificatePem },
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WireError);
    expect((error as WireError).message).toMatch(/not signed by the pinned CA/);
    expect(handled.length).toBe(before);
  });

  it('a peer showing another certificate than the announced one: refused before the set-up code is sent', async () => {
    const before = handled.length;
    const error = await wireCall(
      'invite',
      { setup_code: 'K7QF-2MZP-9XRA', join_url: 'https://127.0.0.1:1', token: 'x' },
      { host: '127.0.0.1', port, pin: { fingerprint: 'd'.repeat(64) } },
    ).catch((caught: unknown) => caught);
    expect((error as WireError).message).toMatch(/another certificate than the one it announced/);
    expect(handled.length).toBe(before);
  });

  it('the announced certificate: the invite goes through', async () => {
    const answer = await wireCall(
      'invite',
      { setup_code: 'K7QF-2MZP-9XRA', join_url: 'https://127.0.0.1:1', token: 'x' },
      { host: '127.0.0.1', port, pin: { fingerprint: certificateSha256(server.certificatePem) } },
    );
    expect(answer.name).toBe('fresh');
  });
});
