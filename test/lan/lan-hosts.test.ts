/**
 * The LAN-hosts harness itself: hosts with names and addresses of their own, real multicast between
 * them, a real appliance on one reached from another, and a teardown that leaves nothing behind even
 * when a process refuses to stop.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLan, type Lan, lanHostsUnavailable, processRuns } from '../support/lan-hosts.js';

const reason = lanHostsUnavailable();
if (reason) console.warn(`skipping: ${reason}`);

/** Joins 224.0.0.251:5353 on the host's LAN address and prints the first datagram it receives. */
const LISTEN = `
const s = require('node:dgram').createSocket({ type: 'udp4', reuseAddr: true });
s.on('message', (m, r) => { console.log('got ' + m + ' from ' + r.address); process.exit(0); });
s.bind(5353, () => { s.addMembership('224.0.0.251', process.argv[1]); console.log('listening'); });
`;
const SEND = `
const s = require('node:dgram').createSocket('udp4');
s.send('hello', 5353, '224.0.0.251', () => s.close());
`;

function namespaces(): string {
  return execFileSync('ip', ['netns', 'list']).toString();
}

describe.skipIf(reason)('LAN hosts', () => {
  let lan: Lan;
  beforeAll(async () => {
    lan = await createLan(['alpha', 'beta']);
  });
  afterAll(() => lan?.close());

  it('gives each host its own name and address', async () => {
    const alpha = lan.host('alpha');
    const beta = lan.host('beta');
    expect((await alpha.run('hostname', [])).stdout.trim()).toBe('alpha');
    expect((await beta.run('hostname', [])).stdout.trim()).toBe('beta');
    const addresses = (await alpha.run('ip', ['-o', 'addr', 'show', 'dev', 'eth0'])).stdout;
    expect(addresses).toContain(`inet ${alpha.address}/24`);
    expect(addresses).toContain(`inet6 ${alpha.address6}/64`);
    expect(alpha.address).not.toBe(beta.address);
  });

  it('carries multicast from one host to another', async () => {
    const alpha = lan.host('alpha');
    const listener = alpha.spawn(process.execPath, ['-e', LISTEN, alpha.address]);
    await listener.waitFor(/listening/);
    const sent = await lan.host('beta').run(process.execPath, ['-e', SEND]);
    expect(sent.code).toBe(0);
    await listener.waitFor(/got hello/, 5_000);
    expect(listener.output()).toContain(`from ${lan.host('beta').address}`);
  });

  it('runs a real appliance on one host that another host calls', async () => {
    const appliance = await lan.host('alpha').startAppliance();
    const got = await lan
      .host('beta')
      .run('curl', ['-sS', '--max-time', '5', `${appliance.baseUrl}/healthz`]);
    expect(got.stdout).toBe('ok');
    // Unplugged, alpha is out of reach; plugged back, it answers again.
    await lan.host('alpha').setLinkUp(false);
    const cut = await lan
      .host('beta')
      .run('curl', ['-sS', '--max-time', '1', `${appliance.baseUrl}/healthz`]);
    expect(cut.code).not.toBe(0);
    await lan.host('alpha').setLinkUp(true);
    const back = await lan
      .host('beta')
      .run('curl', ['-sS', '--max-time', '5', `${appliance.baseUrl}/healthz`]);
    expect(back.stdout).toBe('ok');
    expect(await appliance.stop()).toBe(0);
  }, 90_000);
});

describe.skipIf(reason)('LAN teardown', () => {
  it('removes every namespace and process, even one that ignores SIGTERM and its detached child', async () => {
    const lan = await createLan(['gamma']);
    const stubborn = lan
      .host('gamma')
      .spawn('sh', ['-c', "trap '' TERM; setsid sleep 600 & echo started; wait"]);
    await stubborn.waitFor(/started/);
    const names = lan.hosts.map((host) => host.netns);
    const pids = execFileSync('ip', ['netns', 'pids', names[0]]).toString().split(/\s+/).filter(Boolean);
    expect(pids.length).toBeGreaterThanOrEqual(2);
    await lan.close();
    expect(namespaces()).not.toContain(names[0]);
    for (const pid of pids) expect(processRuns(Number(pid))).toBe(false);
  }, 30_000);
});
