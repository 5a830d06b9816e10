/**
 * Scripts and the appliance itself (issue 13, item 9): an app-limited token cannot open loopback,
 * link-local or this machine's own addresses and names to its scripts (only an unrestricted admin may
 * allow-list them), and when an admin did, the appliance's own outbound requests are never believed as
 * a trusted proxy — a script cannot choose the client address the admin API sees.
 */
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applianceReachedBy } from '../../server/outbound/appliance-entries.js';
import { HostPolicy } from '../../server/outbound/host-policy.js';
import { sendOutbound } from '../../server/outbound/outbound-request.js';
import { OwnConnections } from '../../server/outbound/own-connections.js';
import type { MachineHosts } from '../../server/routing/machine-hosts.js';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';
import { requestWithHost } from '../support/http.js';
import { HOST_NAME, LAN_ADDRESS } from '../support/machine.js';
import { createManagerTestServer, type ManagerTestServer } from '../support/manager-server.js';

const PI: MachineHosts = {
  names: new Set(['pi', 'pi.local']),
  addresses: new Set(['127.0.0.1', '::1', '192.168.1.20', 'fe80::1']),
};

/** Entries that reach this machine or its link-local neighbours. */
const TO_APPLIANCE = [
  '127.0.0.1',
  '127.0.0.0/8',
  '127.1.2.3',
  '0.0.0.0',
  '0.0.0.0/0',
  '::1',
  '::',
  '::/0',
  '169.254.169.254',
  '169.254.0.0/16',
  '100.100.100.200',
  'fe80::1',
  'fd00:ec2::254',
  '::ffff:127.0.0.1',
  '::7f00:1',
  '64:ff9b::7f00:1',
  '64:ff9b::a9fe:a9fe',
  '2002:7f00:1::1',
  'localhost',
  '*.localhost',
  HOST_NAME,
  `${HOST_NAME}.local`,
  ...(LAN_ADDRESS ? [LAN_ADDRESS, `${LAN_ADDRESS.split('.').slice(0, 3).join('.')}.0/24`] : []),
];
/** Entries for other devices and the internet. */
const ELSEWHERE = ['api.example.com', '*.example.com', '10.20.30.40', '10.20.30.0/24', '2001:db8::1'];

describe('entries that reach the appliance (pure)', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['192.168.1.20', '192.168.1.20'],
    ['192.168.1.0/24', '192.168.1.20'],
    ['192.168.0.0/16', '192.168.1.20'],
    ['169.254.169.254', '169.254.169.254'],
    ['::ffff:7f00:1', '::ffff:7f00:1'],
    ['pi.local', 'pi.local'],
    ['*.local', 'pi.local'],
    ['localhost', 'localhost'],
    ['fe80::/64', 'fe80::'],
  ])('%s reaches %s', (entry, reached) => {
    expect(applianceReachedBy(entry, PI)).toBe(reached);
  });

  it.each([
    '192.168.1.21',
    '192.168.2.0/24',
    'api.example.com',
    '*.example.com',
    'pi2.local',
    'not an entry!',
  ])('%s reaches nothing of it', (entry) => {
    expect(applianceReachedBy(entry, PI)).toBeNull();
  });
});

describe('allow-listing the appliance', () => {
  let t: ManagerTestServer;
  let limited: string;
  let writer: string;
  beforeAll(async () => {
    t = await createManagerTestServer();
    const app = await t.createApp('lab');
    // What issue 13 found: PATCH /apps/{own app} {"http_allow_hosts":["127.0.0.1"]} with such a token.
    limited = await t.createToken(['apps:write', 'scripts:write'], { appId: app.id });
    // Unlimited, but not an admin.
    writer = await t.createToken(['apps:write']);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is refused to an app-limited token and to a token without the admin scope, and changes nothing', async () => {
    const before = await t.snapshot();
    for (const entry of TO_APPLIANCE) {
      for (const token of [limited, writer]) {
        const response = await t.request(
          'PATCH',
          '/admin/apps/lab',
          { http_allow_hosts: ['api.example.com', entry] },
          { authorization: `Bearer ${token}` },
        );
        expect(response.status, `${entry}: ${response.text}`).toBe(403);
        expect(response.body.error.code).toBe('PICLOUD_ERR_APP_ALLOW_HOST_FORBIDDEN');
      }
    }
    const created = await t.request(
      'POST',
      '/admin/apps',
      { slug: 'sneaky', name: 'Sneaky', http_allow_hosts: ['127.0.0.1'] },
      { authorization: `Bearer ${writer}` },
    );
    expect(created.status).toBe(403);
    expect(await t.snapshot()).toEqual(before);
  });

  it('lets such a token allow other devices and the internet', async () => {
    const response = await t.request(
      'PATCH',
      '/admin/apps/lab',
      { http_allow_hosts: ELSEWHERE },
      { authorization: `Bearer ${limited}` },
    );
    expect(response.status, response.text).toBe(200);
    expect(response.body.http_allow_hosts).toEqual(ELSEWHERE);
  });

  it('is allowed to the owner; entries an admin allowed stay when a limited token edits the list', async () => {
    const owner = await t.request('PATCH', '/admin/apps/lab', { http_allow_hosts: ['127.0.0.1'] });
    expect(owner.status, owner.text).toBe(200);
    const kept = await t.request(
      'PATCH',
      '/admin/apps/lab',
      { http_allow_hosts: ['127.0.0.1', 'api.example.com'] },
      { authorization: `Bearer ${limited}` },
    );
    expect(kept.status, kept.text).toBe(200);
    const widened = await t.request(
      'PATCH',
      '/admin/apps/lab',
      { http_allow_hosts: ['127.0.0.0/8'] },
      { authorization: `Bearer ${limited}` },
    );
    expect(widened.status).toBe(403);
  });
});

describe("the appliance's own outbound requests", () => {
  it('are recognised by the listening side while open, and forgotten once closed', async () => {
    const own = new OwnConnections();
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const accepted = once(server, 'connection') as Promise<[Socket]>;
    const port = (server.address() as { port: number }).port;
    const client = connect(port, '127.0.0.1');
    own.track(client);
    const [peer] = await accepted;
    await once(client, 'connect').catch(() => undefined);
    expect(own.isOwn(peer)).toBe(true);
    // Someone else's connection is not.
    const strangerAccepted = once(server, 'connection') as Promise<[Socket]>;
    const stranger = connect(port, '127.0.0.1');
    const [strangerPeer] = await strangerAccepted;
    expect(own.isOwn(strangerPeer)).toBe(false);
    client.destroy();
    stranger.destroy();
    await once(client, 'close');
    expect(own.size).toBe(0);
    server.close();
  });

  it('report every connection the outbound client opens, redirects included', async () => {
    const seen: Socket[] = [];
    const target = createHttpServer((request, response) => {
      if (request.url === '/first') response.writeHead(302, { location: '/second' }).end();
      else response.end('ok');
    });
    target.listen(0, '127.0.0.1');
    await once(target, 'listening');
    const port = (target.address() as { port: number }).port;
    const response = await sendOutbound(
      { method: 'GET', url: `http://127.0.0.1:${port}/first`, headers: {}, body: null },
      {
        policy: new HostPolicy(['127.0.0.1']),
        timeoutMs: 5_000,
        maxResponseBytes: 1024,
        onSocket: (socket) => seen.push(socket),
      },
    );
    expect(response.body).toBe('ok');
    expect(seen).toHaveLength(2);
    target.close();
  });
});

describe('a script allowed to call this machine', () => {
  let pc: TestAppliance;
  beforeAll(async () => {
    pc = await startTestAppliance();
    // The owner lets the app call this machine's loopback (an unrestricted admin may).
    const app = await pc.api('POST', '/api/v1/admin/apps', {
      slug: 'relay',
      name: 'Relay',
      http_allow_hosts: ['127.0.0.1'],
    });
    expect(app.status, JSON.stringify(app.body)).toBe(201);
    await pc.api('POST', '/api/v1/admin/apps/relay/domains', { pattern: 'relay.lan' });
    const source = `let answer = http::post("${pc.panelUrl}/api/v1/auth/login",
        #{ username: "owner", password: "not the password" },
        #{ headers: #{ "x-forwarded-for": ctx.query.claim, "x-forwarded-proto": "https" } });
      #{ login: answer.status }`;
    await pc.api('POST', '/api/v1/admin/scripts', { app: 'relay', name: 'spoof', source });
    await pc.api('POST', '/api/v1/admin/apps/relay/routes', {
      script: 'spoof',
      methods: ['GET'],
      path: '/spoof',
    });
  });
  afterAll(async () => {
    await pc?.stop();
  });

  /** The client addresses the audit log recorded for failed sign-ins, newest first. */
  async function failedLoginAddresses(): Promise<string[]> {
    const audit = await pc.api('GET', '/api/v1/admin/audit?action=auth.login&outcome=refused');
    return audit.body.items.map((item: { ip: string }) => item.ip);
  }

  it('cannot choose the client address the admin API sees with X-Forwarded-For', async () => {
    let response = await requestWithHost(`${pc.baseUrl}/spoof?claim=203.0.113.9`, 'relay.lan');
    for (let wait = 0; response.status === 404 && wait < 50; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      response = await requestWithHost(`${pc.baseUrl}/spoof?claim=203.0.113.9`, 'relay.lan');
    }
    expect(response.status, response.text).toBe(200);
    expect(response.json()).toEqual({ login: 401 });
    const [recorded] = await failedLoginAddresses();
    expect(recorded).toBe('127.0.0.1');
  });

  it('while the reverse proxy on this machine (any other loopback connection) is still believed', async () => {
    const direct = await fetch(`${pc.panelUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.77' },
      body: JSON.stringify({ username: 'owner', password: 'not the password' }),
    });
    expect(direct.status).toBe(401);
    const [recorded] = await failedLoginAddresses();
    expect(recorded).toBe('203.0.113.77');
  });
});
