/**
 * PiCloud's mDNS responder on the wire, between network namespaces, observed by a raw mDNS peer that
 * shares none of its code: the RFC 6762 probe-and-announce schedule and then silence (nothing on a
 * timer), legacy unicast answers, known-answer suppression, the per-record rate limit under a flood,
 * hostile packets (malformed, truncated, looping, oversized, huge queries) that change nothing, a forged
 * conflicting answer that is reported, and goodbyes on stop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLan,
  type Lan,
  type LanHost,
  type LanProcess,
  lanHostsUnavailable,
} from '../support/lan-hosts.js';

const reason = lanHostsUnavailable();
if (reason) console.warn(`skipping: ${reason}`);

const NODE = new URL('./fixtures/lan-names-node.mjs', import.meta.url).pathname;
const TOOL = new URL('./fixtures/mdns-tool.mjs', import.meta.url).pathname;
const RESOLVE = new URL('./fixtures/mdns-resolve.mjs', import.meta.url).pathname;

interface Seen {
  t: number;
  from: string;
  port: number;
  type: 'query' | 'response';
  id: number;
  questions: string[];
  answers: { name: string; type: string; ttl: number; data?: string }[];
  authorities: string[];
}

function jsonLines<T>(output: string): T[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as T);
}

async function tool(host: LanHost, ...args: string[]) {
  const got = await host.run(process.execPath, [TOOL, host.address, ...args], { timeoutMs: 60_000 });
  return { code: got.code, lines: jsonLines<Record<string, unknown>>(got.stdout), stderr: got.stderr };
}

async function resolves(from: LanHost, name: string): Promise<string[] | null> {
  const got = await from.run(process.execPath, [RESOLVE, from.address, name, 'A', '4000']);
  return got.code === 0 ? (JSON.parse(got.stdout).addresses as string[]) : null;
}

describe.skipIf(reason)('the mDNS responder on the wire', () => {
  let lan: Lan;
  let alpha: LanHost;
  let beta: LanHost;
  let mallory: LanHost;
  let node: LanProcess;
  let watcher: LanProcess;

  beforeAll(async () => {
    lan = await createLan(['alpha', 'beta', 'mallory']);
    alpha = lan.host('alpha');
    beta = lan.host('beta');
    mallory = lan.host('mallory');
    // Beta listens before alpha starts, to see everything alpha sends from its first packet on.
    watcher = beta.spawn(process.execPath, [TOOL, beta.address, 'listen', '600']);
    await watcher.waitFor(/listening/);
    node = alpha.spawn(process.execPath, [NODE, 'garden.local']);
    await node.waitFor(/"name":"garden.local","state":"announced"/);
  }, 60_000);
  afterAll(() => lan?.close());

  it('probes three times 250 ms apart, announces twice a second apart, then stays silent', async () => {
    // Six seconds of nothing from alpha after its announcements: no periodic traffic.
    await new Promise((done) => setTimeout(done, 6_000));
    const fromAlpha = jsonLines<Seen>(watcher.output()).filter((packet) => packet.from === alpha.address);
    const probes = fromAlpha.filter(
      (packet) => packet.type === 'query' && packet.questions.includes('garden.local ANY'),
    );
    expect(probes).toHaveLength(3);
    expect(probes[0].authorities).toEqual([
      `garden.local A ${alpha.address}`,
      `garden.local AAAA ${alpha.address6}`,
    ]);
    const gaps = probes.slice(1).map((probe, i) => probe.t - probes[i].t);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(200);
    for (const gap of gaps) expect(gap).toBeLessThan(600);
    const announcements = fromAlpha.filter(
      (packet) =>
        packet.type === 'response' && packet.answers.some((answer) => answer.name === 'garden.local'),
    );
    expect(announcements).toHaveLength(2);
    expect(announcements[0].t).toBeGreaterThan(probes[2].t);
    expect(announcements[1].t - announcements[0].t).toBeGreaterThanOrEqual(900);
    expect(announcements[0].answers).toContainEqual({
      name: 'garden.local',
      type: 'A',
      ttl: 120,
      data: alpha.address,
    });
    // Everything alpha sent happened within its first few seconds (probes, announcements of its names).
    const last = Math.max(...fromAlpha.map((packet) => packet.t));
    const first = Math.min(...fromAlpha.map((packet) => packet.t));
    expect(last - first).toBeLessThan(4_000);
  });

  it('answers a legacy resolver (not from port 5353) by unicast, echoing its id, with a short TTL', async () => {
    const got = await tool(mallory, 'legacy', 'garden.local');
    expect(got.code).toBe(0);
    expect(got.lines[0]).toMatchObject({
      from: alpha.address,
      id: 4242,
      questions: ['garden.local A'],
      answers: [{ name: 'garden.local', type: 'A', ttl: 10, data: alpha.address }],
    });
  });

  it('leaves out an answer the asker already knows', async () => {
    await new Promise((done) => setTimeout(done, 1_100)); // past the per-record rate limit
    const knowing = await tool(mallory, 'known', 'garden.local', alpha.address);
    expect(knowing.lines).toEqual([]);
    await new Promise((done) => setTimeout(done, 1_100));
    const stale = await tool(mallory, 'known', 'garden.local', '10.77.0.99');
    expect(stale.lines).toHaveLength(1);
  });

  it('multicasts a record at most once a second, however fast it is asked', async () => {
    await new Promise((done) => setTimeout(done, 1_100));
    const got = await tool(mallory, 'flood', 'garden.local', '3000');
    const { seconds, answers } = got.lines[0] as { seconds: number; answers: number };
    expect(answers).toBeGreaterThanOrEqual(1);
    expect(answers).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
  }, 60_000);

  it('survives malformed, looping, truncated, oversized and huge packets, and still answers', async () => {
    const got = await tool(mallory, 'garbage', 'garden.local');
    expect(got.code).toBe(0);
    expect(node.child.exitCode).toBeNull();
    expect(await resolves(beta, 'garden.local')).toEqual([alpha.address]);
    node.child.kill('SIGUSR2');
    const output = await node.waitFor(/"stats"/);
    const stats = jsonLines<{ stats?: Record<string, number> }>(output).find((line) => line.stats)?.stats;
    // Counted as dropped, not decoded (a burst this fast also overflows the socket's buffer: some never
    // reach it, which is the kernel's business).
    expect(stats?.oversized).toBeGreaterThanOrEqual(1);
    expect(stats?.malformed).toBeGreaterThanOrEqual(10);
    // The forged SRV and TXT for garden.local are not A records: no conflict came of them.
    expect(node.output()).not.toContain('"state":"conflict"');
  }, 60_000);

  it('reports a forged answer for its name with other data as a conflict, naming the sender', async () => {
    const got = await tool(mallory, 'forge', 'garden.local', '10.77.0.66');
    expect(got.code).toBe(0);
    const output = await node.waitFor(/"state":"conflict"/);
    expect(
      jsonLines<{ status?: { name: string; conflictWith?: string } }>(output).find(
        (line) => line.status?.name === 'garden.local' && line.status.conflictWith,
      )?.status,
    ).toMatchObject({
      name: 'garden.local',
      state: 'conflict',
      conflictWith: mallory.address,
    });
    expect(output).toContain(`garden.local is already used by ${mallory.address} on the LAN`);
    expect(await resolves(beta, 'garden.local')).toBeNull();
    // The machine's own name is unaffected.
    expect(await resolves(beta, 'alpha.local')).toEqual([alpha.address]);
  });

  it('announces an address the host gets later, as soon as the kernel reports it (no polling)', async () => {
    await alpha.run('ip', ['addr', 'add', '10.77.0.21/24', 'dev', 'eth0']);
    await node.waitFor(/addresses changed: announcing 10\.77\.0\.11, 10\.77\.0\.21/);
    const both = await resolves(beta, 'alpha.local');
    expect(both?.sort()).toEqual([alpha.address, '10.77.0.21']);
    await alpha.run('ip', ['addr', 'del', '10.77.0.21/24', 'dev', 'eth0']);
    await node.waitFor(/addresses changed: announcing 10\.77\.0\.11"/);
    expect(await resolves(beta, 'alpha.local')).toEqual([alpha.address]);
    // Let the change's second announcement (a second later) go out before the next test listens.
    await new Promise((done) => setTimeout(done, 1_200));
  });

  it('says goodbye (TTL 0) for its names when it stops', async () => {
    const before = watcher.output().length;
    node.child.kill('SIGTERM');
    await node.waitFor(/"closed":true/);
    await new Promise((done) => setTimeout(done, 300));
    const goodbyes = jsonLines<Seen>(watcher.output().slice(before))
      .filter((packet) => packet.from === alpha.address && packet.type === 'response')
      .flatMap((packet) => packet.answers);
    expect(goodbyes).toContainEqual({ name: 'alpha.local', type: 'A', ttl: 0, data: alpha.address });
    expect(goodbyes.some((answer) => answer.type === 'SRV' && answer.ttl === 0)).toBe(true);
    expect(goodbyes.every((answer) => answer.ttl === 0)).toBe(true);
  });
});

describe.skipIf(reason)('names two hosts want at once', () => {
  let lan: Lan;
  afterAll(() => lan?.close());

  it('a second host with the same host name moves to <name>-2.local and "(2)", as RFC 6762 §9 asks', async () => {
    lan = await createLan(['one', 'two', 'three']);
    const [one, two, three] = lan.hosts;
    const first = one.spawn(process.execPath, [NODE], { env: { HOST_LABEL: 'twin' } });
    await first.waitFor(/"name":"twin.local","state":"announced"/);
    const second = two.spawn(process.execPath, [NODE], { env: { HOST_LABEL: 'twin' } });
    await second.waitFor(/"name":"twin-2.local","state":"announced"/);
    expect(second.output()).toContain(
      `twin.local is used by ${one.address} on the LAN: answering as twin-2.local instead`,
    );
    await second.waitFor(/announcing \\"PiCloud on twin \(2\)\\"/);
    expect(await resolves(three, 'twin.local')).toEqual([one.address]);
    expect(await resolves(three, 'twin-2.local')).toEqual([two.address]);
    expect(first.output()).not.toContain('"state":"conflict"');
  }, 60_000);

  it('two hosts probing for one name at the same moment: exactly one gets it (§8.2 tie-break)', async () => {
    const [one, two, three] = lan.hosts;
    const a = one.spawn(process.execPath, [NODE, 'shared.local'], { env: { HOST_LABEL: 'left' } });
    const b = two.spawn(process.execPath, [NODE, 'shared.local'], { env: { HOST_LABEL: 'right' } });
    const settled = /"name":"shared.local","state":"(announced|conflict)"/;
    await Promise.all([a.waitFor(settled), b.waitFor(settled)]);
    const states = [a, b].map((node) => settled.exec(node.output())?.[1]).sort();
    expect(states).toEqual(['announced', 'conflict']);
    const winner = settled.exec(a.output())?.[1] === 'announced' ? one : two;
    expect(await resolves(three, 'shared.local')).toEqual([winner.address]);
  }, 60_000);
});
