/**
 * Joining nodes on a LAN: three hosts in network namespaces (real multicast mDNS, real TLS, one
 * embedded PostgreSQL per host), each running the real `picloud start`. Issue 18's scenarios 1 (the
 * one-click join with the set-up code), 2 (`picloud join` with a token; reused, expired and
 * other-cluster tokens refused) and 4's wire part (no cluster certificate, no /wire/*; a removed node
 * refused).
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PICLOUD_BIN } from '../support/appliance-process.js';
import {
  createLan,
  type Lan,
  type LanHost,
  type LanHostAppliance,
  lanHostsUnavailable,
} from '../support/lan-hosts.js';

// Admitting a node goes through the membership runtime (server/cluster/cluster-runtime.ts), which lands
// separately; until it is there nothing can join.
const RUNTIME = fileURLToPath(new URL('../../server/cluster/cluster-runtime.ts', import.meta.url));
const reason =
  lanHostsUnavailable() ??
  (existsSync(RUNTIME) ? null : 'the membership runtime (server/cluster/cluster-runtime.ts) is not here yet');

/** An HTTP call made on `host` with curl: the status and the JSON body (or the text). */
async function fetchOn(
  host: LanHost,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; body: any }> {
  const args = ['-s', '--max-time', '10', '-X', init.method ?? 'GET', '-w', '\n%{http_code}'];
  for (const [name, value] of Object.entries(init.headers ?? {})) args.push('-H', `${name}: ${value}`);
  if (init.body !== undefined)
    args.push('-H', 'content-type: application/json', '--data-binary', JSON.stringify(init.body));
  const { stdout } = await host.run('curl', [...args, url], { timeoutMs: 30_000 });
  const at = stdout.lastIndexOf('\n');
  const text = stdout.slice(0, at);
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: the text as it came.
  }
  return { status: Number(stdout.slice(at + 1)), body };
}
if (reason) console.warn(`skipping: ${reason}`);

/** Fixed ports: each host is a machine of its own (the cluster port is the default, 8445). */
const PORTS = { PICLOUD_PORT: '8080', PICLOUD_CLUSTER_PORT: '8445' };
const PANEL = 8081;
const CLUSTER = 8445;

interface Runtime {
  nodeId: string;
  setupCode: string | null;
  clusterPort: number;
}

function runtimeOf(dataDir: string): Runtime {
  return JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')) as Runtime;
}

async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs: number,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < end) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** `picloud <args>` on a host, with the data folder `dataDir`. */
function picloud(host: LanHost, dataDir: string, args: string[], env: Record<string, string> = {}) {
  return host.run(process.execPath, [PICLOUD_BIN, ...args], {
    env: { PICLOUD_DATA_DIR: dataDir, ...PORTS, ...env },
    timeoutMs: 60_000,
  });
}

/** `curl` a wire route of `to` from `host`, with a client certificate or none; the HTTP status and body. */
async function wireFrom(host: LanHost, url: string, certificate?: { cert: string; key: string }) {
  const args = ['-sk', '--max-time', '5', '-H', 'picloud-wire: 1', '-w', '\n%{http_code}'];
  if (certificate) args.push('--cert', certificate.cert, '--key', certificate.key);
  const { stdout } = await host.run('curl', [...args, url]);
  const at = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(at + 1)), body: stdout.slice(0, at) };
}

describe.skipIf(reason)('joining nodes on the LAN', () => {
  let lan: Lan;
  let a: LanHostAppliance;
  let b: LanHostAppliance;
  let bReadyAt = 0;
  let token = '';
  const alpha = () => lan.host('alpha');
  const beta = () => lan.host('beta');
  const gamma = () => lan.host('gamma');

  /** The primary's admin API, from its own host. */
  function admin(method: string, path: string, body?: unknown) {
    return fetchOn(alpha(), `http://127.0.0.1:${PANEL}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}` },
      body,
    });
  }

  beforeAll(async () => {
    lan = await createLan(['alpha', 'beta', 'gamma']);
    a = await alpha().startAppliance(PORTS);
    // The owner's account on alpha (from alpha itself, no set-up code needed), and a token for the test.
    const setup = await fetchOn(alpha(), `http://127.0.0.1:${PANEL}/api/v1/auth/setup`, {
      method: 'POST',
      body: { username: 'owner', password: 'a long enough password' },
    });
    expect(setup.status, JSON.stringify(setup.body)).toBe(201);
    const made = await picloud(alpha(), a.dataDir, [
      'token',
      'create',
      '--name',
      'lan',
      '--scope',
      'cluster:admin',
      '--json',
    ]);
    expect(made.code, made.stderr).toBe(0);
    token = JSON.parse(made.stdout).token;
    // Then B starts, fresh: discovery is timed from the moment it is ready.
    b = await beta().startAppliance(PORTS);
    bReadyAt = Date.now();
  }, 180_000);
  afterAll(() => lan?.close());

  describe('scenario 1: the one-click join', () => {
    it("A's discovered lists B within 5 s, fresh and joinable, with its node id", async () => {
      const bId = runtimeOf(b.dataDir).nodeId;
      const found = await until(
        "B in A's discovered",
        async () => {
          const answer = await admin('GET', '/admin/cluster/discovered');
          return (answer.body.items as { id: string; joinable: boolean }[]).find((node) => node.id === bId);
        },
        10_000,
      );
      expect(Date.now() - bReadyAt).toBeLessThan(5_000);
      expect(found).toMatchObject({
        id: bId,
        name: 'beta',
        state: 'fresh',
        joinable: true,
        wire: 1,
        port: CLUSTER,
      });
    });

    it('a wrong set-up code is refused, and nothing changes on either node', async () => {
      const before = runtimeOf(b.dataDir);
      const nodesBefore = (await admin('GET', '/admin/cluster/nodes')).body;
      const answer = await admin('POST', '/admin/cluster/join', {
        node_id: before.nodeId,
        setup_code: 'AAAA-BBBB-CCCC',
      });
      expect(answer.status).toBe(403);
      expect(answer.body.error.code).toBe('PICLOUD_ERR_CLUSTER_SETUP_CODE');
      expect(runtimeOf(b.dataDir)).toEqual(before);
      expect(existsSync(join(b.dataDir, 'cluster', 'membership.json'))).toBe(false);
      expect(
        (await admin('GET', '/admin/cluster/nodes')).body.items.map((n: { id: string }) => n.id),
      ).toEqual(nodesBefore.items.map((n: { id: string }) => n.id));
      // B still answers as a fresh node.
      const health = await fetchOn(beta(), `http://127.0.0.1:${PANEL}/healthz`);
      expect(health.status).toBe(200);
    });

    it('the right code: B becomes a member and A lists both nodes up', async () => {
      const { nodeId, setupCode } = runtimeOf(b.dataDir);
      const answer = await admin('POST', '/admin/cluster/join', { node_id: nodeId, setup_code: setupCode });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.name).toBe('beta');
      expect(existsSync(join(b.dataDir, 'cluster', 'membership.json'))).toBe(true);
      const nodes = await until(
        'both nodes up',
        async () => {
          const items = (await admin('GET', '/admin/cluster/nodes')).body.items as {
            name: string;
            status: string;
          }[];
          return items.length === 2 && items.every((node) => node.status === 'up') ? items : null;
        },
        30_000,
      );
      expect(nodes.map((node) => node.name).sort()).toEqual(['alpha', 'beta']);
      // The desktop app's tray reads the same list from the data folder.
      await until(
        "the tray's node list",
        async () => {
          const listed = JSON.parse(readFileSync(join(a.dataDir, 'cluster-nodes.json'), 'utf8')).nodes;
          return listed.length === 2 && listed.every((node: { status: string }) => node.status === 'up');
        },
        15_000,
      );
      expect(nodes.find((node) => node.name === 'beta')).toMatchObject({
        role: 'member',
        addresses: expect.arrayContaining([beta().address]),
        versions: expect.objectContaining({ wire: 1 }),
        memory: expect.objectContaining({ total_bytes: expect.any(Number) }),
        requests_served: expect.any(Number),
      });
    }, 60_000);
  });

  describe('scenario 2: a headless join with a token', () => {
    const gammaDir = mkdtempSync(join(tmpdir(), 'picloud-gamma-'));

    async function joinToken(expires = '1h'): Promise<{ token: string; command: string }> {
      const made = await picloud(alpha(), a.dataDir, ['cluster', 'token', '--expires', expires, '--json']);
      expect(made.code, made.stderr).toBe(0);
      return JSON.parse(made.stdout);
    }

    it('`picloud cluster token` prints the join command; C runs it and starts as a member', async () => {
      const { command } = await joinToken();
      expect(command).toMatch(
        new RegExp(`^picloud join https://${alpha().address.replace(/\./g, '\\.')}:${CLUSTER} pcj1\\.`),
      );
      const [, url, text] = command.split(' ').slice(1);
      const joined = await picloud(gamma(), gammaDir, ['join', url, text]);
      expect(joined.code, joined.stderr).toBe(0);
      expect(joined.stdout).toMatch(/Joined the cluster/);
      await gamma().startAppliance({ ...PORTS, PICLOUD_DATA_DIR: gammaDir });
      const nodes = await until(
        'three nodes up',
        async () => {
          const items = (await admin('GET', '/admin/cluster/nodes')).body.items as {
            name: string;
            status: string;
          }[];
          return items.length === 3 && items.every((node) => node.status === 'up') ? items : null;
        },
        30_000,
      );
      expect(nodes.map((node) => node.name).sort()).toEqual(['alpha', 'beta', 'gamma']);
    }, 90_000);

    it('the same token twice: refused, the second node stays fresh', async () => {
      const { command } = await joinToken();
      const [, url, text] = command.split(' ').slice(1);
      const first = mkdtempSync(join(tmpdir(), 'picloud-first-'));
      const second = mkdtempSync(join(tmpdir(), 'picloud-second-'));
      expect((await picloud(gamma(), first, ['join', url, text])).code).toBe(0);
      const again = await picloud(gamma(), second, ['join', url, text]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/PICLOUD_ERR_CLUSTER_TOKEN_USED/);
      expect(existsSync(join(second, 'cluster', 'membership.json'))).toBe(false);
      // The first one never started: remove it again so the cluster's list stays as it was.
      const listed = (await admin('GET', '/admin/cluster/nodes')).body.items as {
        id: string;
        status: string;
      }[];
      const unused = JSON.parse(readFileSync(join(first, 'cluster', 'membership.json'), 'utf8')).nodeId;
      expect(listed.map((node) => node.id)).toContain(unused);
      expect((await admin('DELETE', `/admin/cluster/nodes/${unused}`)).status).toBe(204);
    }, 60_000);

    it('an expired token: refused before anything is sent', async () => {
      const { command } = await joinToken('1s');
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const [, url, text] = command.split(' ').slice(1);
      const dir = mkdtempSync(join(tmpdir(), 'picloud-late-'));
      const late = await picloud(gamma(), dir, ['join', url, text]);
      expect(late.code).toBe(1);
      expect(late.stderr).toMatch(/expired.*Nothing was sent/);
      expect(existsSync(join(dir, 'cluster', 'membership.json'))).toBe(false);
    });

    it("a token carrying another CA's hash: refused before anything is sent", async () => {
      const { command } = await joinToken();
      const [, url, text] = command.split(' ').slice(1);
      const forged = text.replace(/^pcj1\.[0-9a-f]{64}/, `pcj1.${'0'.repeat(64)}`);
      const dir = mkdtempSync(join(tmpdir(), 'picloud-forged-'));
      const refused = await picloud(gamma(), dir, ['join', url, forged]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/does not show the CA the token names.*Nothing was sent/);
      // The real token was not spent: it still joins (and the node is removed again).
      const ok = await picloud(gamma(), dir, ['join', url, text]);
      expect(ok.code, ok.stderr).toBe(0);
      const nodeId = JSON.parse(readFileSync(join(dir, 'cluster', 'membership.json'), 'utf8')).nodeId;
      expect((await admin('DELETE', `/admin/cluster/nodes/${nodeId}`)).status).toBe(204);
    }, 60_000);
  });

  describe('scenario 4 (wire): strangers and removed nodes', () => {
    it('a process on the LAN without a cluster certificate gets nothing from /wire/*', async () => {
      for (const path of ['/wire/v1/status', '/wire/v1/health', '/wire/v1/anything', '/wire/v2/status']) {
        const answer = await wireFrom(gamma(), `https://${alpha().address}:${CLUSTER}${path}`);
        expect(answer.status, path).toBe(403);
        expect(JSON.parse(answer.body).error.code).toBe('PICLOUD_ERR_WIRE_FORBIDDEN');
      }
      // A certificate of another CA (the one beta made for itself before it joined) gets nothing either.
      const own = {
        cert: join(b.dataDir, 'cluster', 'local-node.pem'),
        key: join(b.dataDir, 'cluster', 'local-node.key'),
      };
      expect(
        (await wireFrom(beta(), `https://${alpha().address}:${CLUSTER}/wire/v1/status`, own)).status,
      ).toBe(403);
    });

    it("a member's certificate opens /wire/*; once removed, the same certificate is refused and the node is fresh again", async () => {
      const saved = mkdtempSync(join(tmpdir(), 'picloud-saved-'));
      const certificate = { cert: join(saved, 'node.pem'), key: join(saved, 'node.key') };
      copyFileSync(join(b.dataDir, 'cluster', 'node.pem'), certificate.cert);
      copyFileSync(join(b.dataDir, 'cluster', 'node.key'), certificate.key);
      const url = `https://${alpha().address}:${CLUSTER}/wire/v1/health`;
      expect((await wireFrom(beta(), url, certificate)).status).toBe(200);
      const memberId = JSON.parse(readFileSync(join(b.dataDir, 'cluster', 'membership.json'), 'utf8')).nodeId;
      expect((await admin('DELETE', `/admin/cluster/nodes/${memberId}`)).status).toBe(204);
      const refused = await wireFrom(beta(), url, certificate);
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.body).error.message).toMatch(/removed/);
      // Beta forgot its membership and started again as a fresh node, with a new set-up code.
      const fresh = await until(
        'beta fresh again',
        async () => {
          const runtime = runtimeOf(b.dataDir);
          return runtime.setupCode && runtime.nodeId !== memberId ? runtime : null;
        },
        30_000,
      );
      expect(existsSync(join(b.dataDir, 'cluster', 'membership.json'))).toBe(false);
      const items = (await admin('GET', '/admin/cluster/nodes')).body.items as { id: string }[];
      expect(items.map((node) => node.id)).not.toContain(memberId);
      expect(fresh.setupCode).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    }, 60_000);
  });
});
