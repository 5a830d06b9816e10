/**
 * The machine's own names and addresses belong to the app that answers for `localhost` (the `default`
 * app): no other app may claim them, whatever its token (issue 13, item 2). Claims made before the rule
 * are released at start-up, and routing sends the machine's hosts to the `localhost` app whatever the
 * table says.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseMachineHostClaims } from '../../server/manager/domains/domain-store.js';
import { machineHostCheck, resolveApp } from '../../server/orchestrator/build-orchestrator.js';
import { HostTable, parseHostClaim } from '../../server/routing/host-claim.js';
import { isMachineHost, type MachineHosts, machineHostClaimed } from '../../server/routing/machine-hosts.js';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';
import { requestWithHost } from '../support/http.js';
import { HOST_NAME, LAN_ADDRESS } from '../support/machine.js';
import { createManagerTestServer, type ManagerTestServer } from '../support/manager-server.js';

const PI: MachineHosts = {
  names: new Set(['pi', 'pi.local', 'pi.home.lan']),
  addresses: new Set(['127.0.0.1', '::1', '192.168.1.20', 'fe80::1', 'fd00::20']),
};

describe('machine hosts (pure)', () => {
  it.each([
    'localhost',
    'LOCALHOST.',
    'app.localhost',
    '127.0.0.1',
    '127.8.9.10',
    '0.0.0.0',
    '[::1]',
    '::',
    '[::ffff:127.0.0.1]',
    '192.168.1.20',
    '[fd00::20]',
    'pi',
    'pi.local',
    'pi.home.lan',
  ])('%s is this machine', (host) => {
    expect(isMachineHost(host, PI)).toBe(true);
  });

  it.each(['api.home.lan', '192.168.1.21', '10.0.0.1', 'pi2.local', 'localhost.example', '[fd00::21]'])(
    '%s is not',
    (host) => {
      expect(isMachineHost(host, PI)).toBe(false);
    },
  );

  it.each([
    ['*.localhost', 'localhost'],
    ['*.local', 'pi.local'],
    ['*.home.lan', 'pi.home.lan'],
    ['*.lan', 'pi.home.lan'],
    ['192.168.1.20', '192.168.1.20'],
    ['127.0.0.2', '127.0.0.2'],
    ['pi', 'pi'],
  ])('the claim %s takes %s', (pattern, host) => {
    const claim = parseHostClaim(pattern);
    if ('error' in claim) throw new Error(claim.error);
    expect(machineHostClaimed(claim, PI)).toBe(host);
  });

  it.each(['*.example.lan', 'api.home.lan', '*.pi.home.lan', '192.168.1.30'])(
    'the claim %s takes none',
    (pattern) => {
      const claim = parseHostClaim(pattern);
      if ('error' in claim) throw new Error(claim.error);
      expect(machineHostClaimed(claim, PI)).toBeNull();
    },
  );

  it("routes the machine's hosts to the localhost app, whatever else claims them", () => {
    const hosts = new HostTable<string>();
    hosts.add({ pattern: 'localhost', kind: 'exact' }, 'default');
    hosts.add({ pattern: '192.168.1.20', kind: 'exact' }, 'hostile');
    hosts.add({ pattern: '*.local', kind: 'wildcard' }, 'hostile');
    hosts.add({ pattern: 'api.home.lan', kind: 'exact' }, 'shop');
    const snapshot = { hosts } as Parameters<typeof resolveApp>[0];
    const isMachine = machineHostCheck(() => PI);
    expect(resolveApp(snapshot, '192.168.1.20', isMachine)).toBe('default');
    expect(resolveApp(snapshot, 'pi.local', isMachine)).toBe('default');
    expect(resolveApp(snapshot, 'other.local', isMachine)).toBe('hostile');
    expect(resolveApp(snapshot, 'api.home.lan', isMachine)).toBe('shop');
    expect(resolveApp(snapshot, '10.1.2.3', isMachine)).toBe('default');
    expect(resolveApp(snapshot, 'nobody.lan', isMachine)).toBeUndefined();
  });
});

describe('claiming a host of this machine', () => {
  let t: ManagerTestServer;
  let limited: string;
  beforeAll(async () => {
    t = await createManagerTestServer();
    const app = await t.createApp('hostile');
    // What issue 13 found: an app-limited token with apps:write and scripts:write.
    limited = await t.createToken(['apps:write', 'scripts:write'], { appId: app.id });
  });
  afterAll(async () => {
    await t?.close();
  });

  const machineClaims = () => [
    'localhost',
    '127.0.0.1',
    '127.0.0.2',
    '0.0.0.0',
    'app.localhost',
    '*.localhost',
    HOST_NAME,
    `${HOST_NAME}.local`,
    '*.local',
    ...(LAN_ADDRESS ? [LAN_ADDRESS] : []),
  ];

  it('is refused to any app but the one answering for localhost — with its own token, or the owner’s', async () => {
    const before = await t.snapshot();
    for (const pattern of machineClaims()) {
      for (const auth of [{ authorization: `Bearer ${limited}` }, {}] as Record<string, string>[]) {
        const response = await t.request('POST', '/admin/apps/hostile/domains', { pattern }, auth);
        expect(response.status, `${pattern}: ${response.text}`).toBe(pattern === 'localhost' ? 409 : 403);
        expect(response.body.error.code).toBe(
          pattern === 'localhost' ? 'PICLOUD_ERR_DOMAIN_TAKEN' : 'PICLOUD_ERR_DOMAIN_MACHINE_HOST',
        );
      }
    }
    expect(await t.snapshot()).toEqual(before);
  });

  it('is allowed to the default app, which answers for them anyway', async () => {
    const address = LAN_ADDRESS ?? '127.0.0.5';
    const response = await t.request('POST', '/admin/apps/default/domains', { pattern: address });
    expect(response.status, response.text).toBe(201);
    await t.request('DELETE', `/admin/apps/default/domains/${address}`);
  });

  it('lets any app claim a name under .local that is not the machine’s (PiCloud answers for it over mDNS)', async () => {
    for (const pattern of [
      'garden.local',
      'lights.garden.local',
      `${HOST_NAME}-garden.local`,
      '*.garden.local',
    ]) {
      const response = await t.request(
        'POST',
        '/admin/apps/hostile/domains',
        { pattern },
        { authorization: `Bearer ${limited}` },
      );
      expect(response.status, `${pattern}: ${response.text}`).toBe(201);
      await t.request('DELETE', `/admin/apps/hostile/domains/${pattern}`);
    }
  });

  it('lets the default app claim the machine’s own .local name', async () => {
    const response = await t.request('POST', '/admin/apps/default/domains', {
      pattern: `${HOST_NAME}.local`,
    });
    expect(response.status, response.text).toBe(201);
    await t.request('DELETE', `/admin/apps/default/domains/${HOST_NAME}.local`);
  });

  it('leaves other hosts alone', async () => {
    const response = await t.request(
      'POST',
      '/admin/apps/hostile/domains',
      { pattern: 'hostile.home.lan' },
      { authorization: `Bearer ${limited}` },
    );
    expect(response.status, response.text).toBe(201);
  });

  it('localhost, once released, is claimed again only by an unrestricted admin', async () => {
    expect((await t.request('DELETE', '/admin/apps/default/domains/localhost')).status).toBe(204);
    try {
      const byToken = await t.request(
        'POST',
        '/admin/apps/hostile/domains',
        { pattern: 'localhost' },
        { authorization: `Bearer ${limited}` },
      );
      expect(byToken.status).toBe(403);
      expect(byToken.body.error.code).toBe('PICLOUD_ERR_DOMAIN_MACHINE_HOST');
    } finally {
      expect((await t.request('POST', '/admin/apps/default/domains', { pattern: 'localhost' })).status).toBe(
        201,
      );
    }
  });

  it('claims made before the rule are released at start-up, announced and audited', async () => {
    const hostile = (await t.request('GET', '/admin/apps/hostile')).body.id;
    // As an older version stored them.
    for (const pattern of ['127.0.0.1', `${HOST_NAME}.local`, '*.localhost']) {
      const kind = pattern.startsWith('*.') ? 'wildcard' : 'exact';
      await t.database.pool.query(
        'INSERT INTO app_domains (app_id, pattern, kind, shape_key) VALUES ($1, $2, $3, $2)',
        [hostile, pattern, kind],
      );
    }
    await t.changes.drain();
    const released = await t.manager.releaseMachineHostClaims();
    expect(released.map((claim) => claim.pattern).sort()).toEqual(
      ['*.localhost', '127.0.0.1', `${HOST_NAME}.local`].sort(),
    );
    const left = (await t.request('GET', '/admin/apps/hostile/domains')).body.items.map(
      (domain: { pattern: string }) => domain.pattern,
    );
    expect(left).toEqual(['hostile.home.lan']);
    expect(await t.changes.drain()).toEqual([{ topic: 'domains', app: hostile }]);
    const audit = await t.request('GET', '/admin/audit?action=domains.release-machine-host');
    expect(audit.body.items).toHaveLength(3);
    expect(audit.body.items[0]).toMatchObject({
      actor: { kind: 'cli', name: 'picloud start' },
      outcome: 'ok',
    });
    // Nothing left to release the next time.
    expect(await releaseMachineHostClaims(t.db)).toEqual([]);
  });
});

describe('start-up', () => {
  let first: TestAppliance;
  let second: TestAppliance | undefined;
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
  });

  it('releases an older claim of a machine host, so the default app answers it again', async () => {
    first = await startTestAppliance();
    const created = await first.api('POST', '/api/v1/admin/apps', { slug: 'grabber', name: 'Grabber' });
    await first.database.pool.query(
      "INSERT INTO app_domains (app_id, pattern, kind, shape_key) VALUES ($1, '127.0.0.1', 'exact', '127.0.0.1')",
      [created.body.id],
    );
    // The running appliance already routes it to the default app...
    let hello = await requestWithHost(`${first.baseUrl}/hello`, '127.0.0.1');
    for (let wait = 0; hello.status !== 200 && wait < 50; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      hello = await requestWithHost(`${first.baseUrl}/hello`, '127.0.0.1');
    }
    expect(hello.status).toBe(200);
    // ...and the next start releases the claim.
    await first.appliance.stop();
    second = await startTestAppliance({}, first.database);
    const domains = await second.api('GET', '/api/v1/admin/apps/grabber/domains');
    expect(domains.body.items).toEqual([]);
  });
});
