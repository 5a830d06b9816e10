/**
 * `.local` names over real multicast between two appliances on a LAN of network namespaces: a second
 * host resolves the first one's `<host name>.local` and an app's `garden.local` and calls the app by
 * that name; both see each other's `_picloud._tcp`; a second appliance claiming the same name detects
 * the conflict (its Domains API and its log say who holds it) while the first keeps answering.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PICLOUD_BIN } from '../support/appliance-process.js';
import {
  createLan,
  type Lan,
  type LanHost,
  type LanHostAppliance,
  lanHostsUnavailable,
} from '../support/lan-hosts.js';

const reason = lanHostsUnavailable();
if (reason) console.warn(`skipping: ${reason}`);

const RESOLVE = new URL('./fixtures/mdns-resolve.mjs', import.meta.url).pathname;
const BROWSE = new URL('./fixtures/mdns-browse.mjs', import.meta.url).pathname;
const DOMAINS_TAB = new URL('./fixtures/domains-tab.mjs', import.meta.url).pathname;
const OWNER = { username: 'owner', password: 'correct horse battery' };

interface Node {
  host: LanHost;
  appliance: LanHostAppliance;
  token: string;
}

/** Calls the admin API of `node` from its own host (its panel listens on every interface). */
async function api(node: Node, method: string, path: string, body?: unknown) {
  const args = ['-sS', '-X', method, '-H', `authorization: Bearer ${node.token}`, '-w', '\n%{http_code}'];
  if (body !== undefined) args.push('-H', 'content-type: application/json', '--data', JSON.stringify(body));
  const got = await node.host.run('curl', [...args, `http://127.0.0.1:${node.appliance.panelPort}${path}`]);
  const lines = got.stdout.trimEnd().split('\n');
  const status = Number(lines.pop());
  const text = lines.join('\n');
  return { status, body: text ? JSON.parse(text) : null };
}

/**
 * Starts `picloud start` on `host`, creates the owner's account from the host itself (no set-up code
 * needed from the machine), and makes an admin token with the CLI on the same data folder.
 */
async function startNode(host: LanHost): Promise<Node> {
  const appliance = await host.startAppliance();
  const setup = await host.run('curl', [
    '-sS',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '-H',
    'content-type: application/json',
    '--data',
    JSON.stringify(OWNER),
    `http://127.0.0.1:${appliance.panelPort}/api/v1/auth/setup`,
  ]);
  if (setup.stdout !== '201') throw new Error(`set-up answered ${setup.stdout}: ${setup.stderr}`);
  const made = await host.run(
    process.execPath,
    [PICLOUD_BIN, 'token', 'create', '--name', 'lan', '--scope', 'admin', '--json'],
    {
      env: { PICLOUD_DATA_DIR: appliance.dataDir, PICLOUD_CONFIG: '' },
    },
  );
  if (made.code !== 0) throw new Error(`token create failed: ${made.stderr}`);
  return { host, appliance, token: JSON.parse(made.stdout).token };
}

async function resolve(from: LanHost, name: string, type: 'A' | 'AAAA' = 'A') {
  const got = await from.run(process.execPath, [RESOLVE, from.address, name, type, '4000']);
  return got.code === 0 ? (JSON.parse(got.stdout) as { addresses: string[]; from: string }) : null;
}

/** Polls `check` (an API read) until it holds; the probing it waits for takes about a second. */
async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((done) => setTimeout(done, 200));
  }
}

async function makeGardenApp(node: Node) {
  expect((await api(node, 'POST', '/api/v1/admin/apps', { slug: 'garden', name: 'Garden' })).status).toBe(
    201,
  );
  const script = await api(node, 'POST', '/api/v1/admin/scripts', {
    app: 'garden',
    name: 'soil',
    source: '#{ moisture: 42, host: ctx.headers.host }',
  });
  expect(script.status).toBe(201);
  expect(
    (
      await api(node, 'POST', '/api/v1/admin/apps/garden/routes', {
        script: 'soil',
        methods: ['GET'],
        path: '/soil',
      })
    ).status,
  ).toBe(201);
  expect(
    (await api(node, 'POST', '/api/v1/admin/apps/garden/domains', { pattern: 'garden.local' })).status,
  ).toBe(201);
}

async function lanStatus(node: Node, name: string) {
  const list = await api(node, 'GET', '/api/v1/admin/apps/garden/domains');
  return (list.body.items as { pattern: string; lan?: { state: string; conflict_with?: string } }[]).find(
    (item) => item.pattern === name,
  )?.lan;
}

describe.skipIf(reason)('.local names on a LAN', () => {
  let lan: Lan;
  let alpha: Node;
  let beta: Node;

  beforeAll(async () => {
    lan = await createLan(['alpha', 'beta']);
    [alpha, beta] = await Promise.all([startNode(lan.host('alpha')), startNode(lan.host('beta'))]);
  }, 120_000);
  afterAll(() => lan?.close());

  it('a second host resolves the appliance host name under .local, over real multicast', async () => {
    const a = await resolve(beta.host, 'alpha.local');
    expect(a).toEqual(expect.objectContaining({ addresses: [alpha.host.address], from: alpha.host.address }));
    const aaaa = await resolve(beta.host, 'alpha.local', 'AAAA');
    expect(aaaa?.addresses).toEqual([alpha.host.address6]);
    expect((await resolve(alpha.host, 'beta.local'))?.addresses).toEqual([beta.host.address]);
    // Nobody answers for a name nobody claimed.
    expect(await resolve(beta.host, 'nobody.local')).toBeNull();
  });

  it("resolves an app's garden.local and calls the app by that name, over HTTP and over HTTPS with the CA", async () => {
    await makeGardenApp(alpha);
    const lanState = await eventually(async () => {
      const status = await lanStatus(alpha, 'garden.local');
      return status?.state === 'announced' ? status : undefined;
    });
    expect(lanState).toEqual(expect.objectContaining({ state: 'announced' }));
    const found = await resolve(beta.host, 'garden.local');
    expect(found?.addresses).toEqual([alpha.host.address]);
    // curl connects to the address mDNS gave and sends Host: garden.local, as a browser would.
    const port = alpha.appliance.port;
    const called = await beta.host.run('curl', [
      '-sS',
      '--resolve',
      `garden.local:${port}:${found?.addresses[0]}`,
      `http://garden.local:${port}/soil`,
    ]);
    expect(JSON.parse(called.stdout)).toEqual({ moisture: 42, host: `garden.local:${port}` });
    expect(alpha.appliance.output()).toContain('answering for garden.local on the LAN');
  });

  it('announces _picloud._tcp with the ports, seen by a DNS-SD browser on another host', async () => {
    const browser = beta.host.spawn(process.execPath, [BROWSE, beta.host.address]);
    await browser.waitFor(/"ev":"up".*"PiCloud on alpha"/);
    const up = browser
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line))
      .find((event) => event.ev === 'up' && event.name === 'PiCloud on alpha');
    expect(up).toMatchObject({
      host: 'alpha.local',
      port: alpha.appliance.panelPort,
      txt: { endpoints: String(alpha.appliance.port) },
    });
    expect(up.addresses).toContain(alpha.host.address);
    await browser.stop();
    // And the panel over HTTPS as `_https._tcp`, which browsers' Bonjour lists show.
    const https = beta.host.spawn(process.execPath, [BROWSE, beta.host.address, 'https']);
    await https.waitFor(/"ev":"up".*"PiCloud on alpha"/);
    const secure = https
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line))
      .find((event) => event.ev === 'up' && event.name === 'PiCloud on alpha');
    expect(secure).toMatchObject({ host: 'alpha.local', txt: { path: '/' } });
    expect(secure.port).not.toBe(alpha.appliance.panelPort);
    await https.stop();
  });

  it('a second appliance claiming the same name detects the conflict; the first keeps answering', async () => {
    await makeGardenApp(beta);
    const conflict = await eventually(async () => {
      const status = await lanStatus(beta, 'garden.local');
      return status?.state === 'conflict' ? status : undefined;
    });
    expect(conflict).toEqual(
      expect.objectContaining({ state: 'conflict', conflict_with: alpha.host.address }),
    );
    expect(beta.appliance.output()).toMatch(/garden\.local is already used by 10\.77\.0\.11 on the LAN/);
    expect((await lanStatus(alpha, 'garden.local'))?.state).toBe('announced');
    expect((await resolve(beta.host, 'garden.local'))?.addresses).toEqual([alpha.host.address]);
    // The panel's Domains tab (Chromium, on the same LAN) shows it on each side.
    const tab = async (node: Node) => {
      const got = await node.host.run(
        process.execPath,
        [DOMAINS_TAB, node.appliance.panelUrl, OWNER.username, OWNER.password, 'garden', 'garden.local'],
        { timeoutMs: 60_000 },
      );
      if (got.code !== 0) throw new Error(`domains tab: ${got.stderr}`);
      return JSON.parse(got.stdout) as { header: string; row: string };
    };
    const onBeta = await tab(beta);
    // (innerText follows the stylesheet's capitals.)
    expect(onBeta.header.toLowerCase()).toContain('on the lan');
    expect(onBeta.row.toLowerCase()).toContain(`conflict: used by ${alpha.host.address}`);
    expect((await tab(alpha)).row.toLowerCase()).toContain('answered on the lan');
    // Released and claimed again once alpha has let it go, beta gets the name.
    expect((await api(alpha, 'DELETE', '/api/v1/admin/apps/garden/domains/garden.local')).status).toBe(204);
    expect((await api(beta, 'DELETE', '/api/v1/admin/apps/garden/domains/garden.local')).status).toBe(204);
    expect(
      (await api(beta, 'POST', '/api/v1/admin/apps/garden/domains', { pattern: 'garden.local' })).status,
    ).toBe(201);
    await eventually(async () =>
      (await lanStatus(beta, 'garden.local'))?.state === 'announced' ? true : undefined,
    );
    expect((await resolve(alpha.host, 'garden.local'))?.addresses).toEqual([beta.host.address]);
  });
});
