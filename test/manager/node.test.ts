/**
 * `GET /api/v1/admin/node`: this machine as the panel's node page shows it, on the whole appliance
 * (real socket, real probes of this container: no temperature sensor here). Then the sampler on its
 * own: one sample shared by concurrent and repeated callers for two seconds, a failing or hanging probe
 * leaving only its own field empty, and the URL rules (IPv4 first, no link-local IPv6, localhost when
 * nothing else reaches the server).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../server/manager/auth/token-store.js';
import {
  lanUrls,
  type NodeAddress,
  type NodeProbes,
  NodeStats,
  realDisks,
} from '../../server/manager/node/node-stats.js';
import { PRODUCT_VERSION } from '../../server/version.js';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';

describe('GET /api/v1/admin/node', () => {
  let pc: TestAppliance;
  let info: any;
  beforeAll(async () => {
    pc = await startTestAppliance();
  });
  afterAll(async () => {
    await pc?.stop();
  });

  it('answers with sane numbers about this machine', async () => {
    const response = await pc.api('GET', '/api/v1/admin/node');
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    info = response.body;
    expect(info).toMatchObject({
      platform: process.platform,
      arch: process.arch,
      version: PRODUCT_VERSION,
      hostname: expect.stringMatching(/\S/),
    });
    expect(info.cpu.cores).toBeGreaterThanOrEqual(1);
    expect(info.cpu.model).toMatch(/\S/);
    expect(info.cpu.load_percent).toBeGreaterThanOrEqual(0);
    expect(info.cpu.load_percent).toBeLessThanOrEqual(100);
    expect(info.cpu.load_avg).toHaveLength(3);
    expect(info.memory.total_bytes).toBeGreaterThan(info.memory.used_bytes);
    expect(info.memory.used_bytes).toBeGreaterThan(0);
    expect(info.memory.available_bytes).toBeGreaterThan(0);
    expect(info.process.rss_bytes).toBeGreaterThan(info.process.heap_used_bytes);
    expect(info.uptime_s).toBeGreaterThanOrEqual(info.server_uptime_s);
    expect(Date.parse(info.sampled_at)).toBeLessThanOrEqual(Date.now());
    // A container has no readable CPU sensor: null, not an error.
    expect(info.temperature_c === null || typeof info.temperature_c === 'number').toBe(true);
    for (const disk of info.disks) {
      expect(disk.size_bytes).toBeGreaterThan(0);
      expect(disk.used_bytes).toBeLessThanOrEqual(disk.size_bytes);
      expect(['tmpfs', 'proc', 'sysfs', 'squashfs']).not.toContain(disk.fs);
    }
    expect(info.addresses.some((a: any) => a.internal && a.family === 'IPv4')).toBe(true);
  });

  it('gives the port the server listens on, and URLs that reach it', async () => {
    expect(info.port).toBe(pc.appliance.runtime.port);
    expect(info.urls.length).toBeGreaterThan(0);
    // The test appliance listens on 127.0.0.1 only: no LAN address reaches it.
    expect(info.urls).toEqual([`http://localhost:${pc.appliance.runtime.port}/`]);
    const hello = await fetch(`${info.urls[0]}hello`);
    expect(hello.status).toBe(200);
  });

  it('is shared by callers for a moment', async () => {
    const [a, b] = await Promise.all([
      pc.api('GET', '/api/v1/admin/node'),
      pc.api('GET', '/api/v1/admin/node'),
    ]);
    expect(a.body.sampled_at).toBe(b.body.sampled_at);
  });

  it('needs logs:read', async () => {
    const db = pc.appliance.database.db;
    const token = async (scopes: any[]) =>
      (
        await createToken(db, {
          name: `n-${scopes.join()}`,
          scopes,
          appId: null,
          expiresAt: null,
          createdBy: 't',
        })
      ).token;
    const call = async (bearer: string) =>
      (await fetch(`${pc.panelUrl}/api/v1/admin/node`, { headers: { authorization: `Bearer ${bearer}` } }))
        .status;
    expect(await call(await token(['apps:read']))).toBe(403);
    expect(await call(await token(['logs:read']))).toBe(200);
  });
});

describe('the sampler', () => {
  /** Probes that count their calls; `broken` ones fail, `hanging` ones never answer. */
  function probes(options: { broken?: (keyof NodeProbes)[]; hanging?: (keyof NodeProbes)[] } = {}) {
    const calls: Record<string, number> = {};
    const answers: NodeProbes = {
      osInfo: async () => ({ distro: 'Raspbian GNU/Linux', release: '12' }),
      cpuModel: async () => 'Cortex-A76',
      currentLoad: async () => ({ currentLoad: 12.345 }),
      mem: async () => ({ total: 8_000, available: 6_000 }),
      cpuTemperature: async () => ({ main: 51.26 }),
      fsSize: async () => [
        { fs: '/dev/mmcblk0p2', type: 'ext4', size: 1000, used: 400, mount: '/' },
        { fs: 'tmpfs', type: 'tmpfs', size: 100, used: 0, mount: '/run' },
      ],
    };
    const wrapped = {} as NodeProbes;
    for (const [name, answer] of Object.entries(answers) as [keyof NodeProbes, () => Promise<unknown>][]) {
      (wrapped as any)[name] = () => {
        calls[name] = (calls[name] ?? 0) + 1;
        if (options.broken?.includes(name)) return Promise.reject(new Error(`${name} failed`));
        if (options.hanging?.includes(name)) return new Promise(() => undefined);
        return answer();
      };
    }
    return { probes: wrapped, calls };
  }
  const listen = () => ({ host: '0.0.0.0', port: 8080 });

  it('reads every probe once for concurrent and repeated callers within the TTL, again after it', async () => {
    const { probes: p, calls } = probes();
    const stats = new NodeStats({ listenAddress: listen, probes: p, ttlMs: 100 });
    const [a, b] = await Promise.all([stats.sample(), stats.sample()]);
    const c = await stats.sample();
    expect(a).toBe(b);
    expect(c).toBe(a);
    expect(calls.currentLoad).toBe(1);
    await sleep(120);
    const d = await stats.sample();
    expect(d).not.toBe(a);
    expect(calls.currentLoad).toBe(2);
    // What never changes is read once.
    expect(calls.osInfo).toBe(1);
    expect(d).toMatchObject({
      distro: 'Raspbian GNU/Linux',
      release: '12',
      temperature_c: 51.3,
      cpu: { load_percent: 12.3 },
      memory: { total_bytes: 8_000, used_bytes: 2_000, available_bytes: 6_000 },
      disks: [{ mount: '/', fs: 'ext4', size_bytes: 1000, used_bytes: 400 }],
      port: 8080,
      listen_host: '0.0.0.0',
      lan_reachable: true,
    });
  });

  it.each([
    ['127.0.0.1', false],
    ['127.1.2.3', false],
    ['::1', false],
    ['localhost', false],
    ['0.0.0.0', true],
    ['192.168.1.20', true],
  ])('bound to %s, says whether the LAN can reach it (%s)', async (host, reachable) => {
    const stats = new NodeStats({ listenAddress: () => ({ host, port: 8080 }), probes: probes().probes });
    expect(await stats.sample()).toMatchObject({ listen_host: host, lan_reachable: reachable });
  });

  it('leaves only the failing probes’ fields empty', async () => {
    const { probes: p } = probes({
      broken: ['osInfo', 'currentLoad', 'cpuTemperature', 'fsSize', 'mem'],
      hanging: ['cpuModel'],
    });
    const stats = new NodeStats({ listenAddress: listen, probes: p, probeTimeoutMs: 50 });
    const info = await stats.sample();
    expect(info).toMatchObject({ distro: null, release: null, temperature_c: null, disks: [] });
    expect(info.cpu.load_percent).toBeNull();
    // Memory falls back to what Node knows.
    expect(info.memory.total_bytes).toBeGreaterThan(0);
    expect(info.cpu.cores).toBeGreaterThanOrEqual(1);
  });
});

describe('URLs', () => {
  const addresses: NodeAddress[] = [
    { interface: 'lo', address: '127.0.0.1', family: 'IPv4', internal: true },
    { interface: 'lo', address: '::1', family: 'IPv6', internal: true },
    { interface: 'eth0', address: 'fe80::1', family: 'IPv6', internal: false },
    { interface: 'eth0', address: '2001:db8::20', family: 'IPv6', internal: false },
    { interface: 'eth0', address: '192.168.1.20', family: 'IPv4', internal: false },
    { interface: 'wlan0', address: '10.0.0.5', family: 'IPv4', internal: false },
  ];

  it.each([
    ['0.0.0.0', ['http://192.168.1.20:8080/', 'http://10.0.0.5:8080/']],
    ['::', ['http://192.168.1.20:8080/', 'http://10.0.0.5:8080/', 'http://[2001:db8::20]:8080/']],
    ['10.0.0.5', ['http://10.0.0.5:8080/']],
    ['127.0.0.1', ['http://localhost:8080/']],
    ['pi.local', ['http://pi.local:8080/']],
  ])('listening on %s', (host, urls) => {
    expect(lanUrls(addresses, { host, port: 8080 })).toEqual(urls);
  });

  it('is localhost on a machine with no LAN address', () => {
    expect(lanUrls(addresses.slice(0, 2), { host: '0.0.0.0', port: 80 })).toEqual(['http://localhost:80/']);
  });
});

describe('disks', () => {
  it('keeps real file systems, each device once at its shortest mount', () => {
    expect(
      realDisks([
        { fs: 'overlay', type: 'overlay', size: 500, used: 100, mount: '/' },
        { fs: '/dev/vda', type: 'ext4', size: 900, used: 300, mount: '/etc/hosts' },
        { fs: '/dev/vda', type: 'ext4', size: 900, used: 300, mount: '/data' },
        { fs: 'proc', type: 'proc', size: 0, used: 0, mount: '/proc' },
        { fs: 'shm', type: 'tmpfs', size: 64, used: 0, mount: '/dev/shm' },
        { fs: '/dev/loop0', type: 'squashfs', size: 50, used: 50, mount: '/snap/core' },
      ]),
    ).toEqual([
      { mount: '/', fs: 'overlay', size_bytes: 500, used_bytes: 100 },
      { mount: '/data', fs: 'ext4', size_bytes: 900, used_bytes: 300 },
    ]);
  });
});
