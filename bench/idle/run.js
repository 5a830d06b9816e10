// bench/idle: CPU used by the whole idle appliance — node plus every PostgreSQL process — read from
// /proc over a quiet window, with RSS/PSS and wake-ups per process; an idle bare `node` process is
// measured in the same window as the baseline. Nothing may poll: target < 1% of one core — also with
// triggers configured: before settling, the bench adds a per-minute cron trigger and a queue trigger
// whose consumer has handled one message (pg-boss installed, the queue polled); --bare skips that.
// mDNS is on while it measures: the bench runs itself in a network namespace of its own (an interface
// with a private address and the multicast route, nothing added to this machine's network), where the
// appliance listens on every interface, answers for its `.local` name and announces `_picloud._tcp`;
// --no-mdns (or a machine that cannot make namespaces: not root, no iproute2) measures without.
//   npm run bench:idle [-- --seconds 60 --settle 20 --check --bare --no-mdns]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ownerToken, startAppliance } from '../support/appliance.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    settle: { type: 'string', default: '20' },
    check: { type: 'boolean' },
    bare: { type: 'boolean' },
    'no-mdns': { type: 'boolean' },
    /** Internal: set when the bench has re-run itself inside its namespace. */
    'in-netns': { type: 'string' },
  },
});

/** Why this machine cannot make the namespace, or null. */
function namespaceUnavailable() {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return 'needs Linux and root';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    execFileSync('unshare', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'needs iproute2 and util-linux';
  }
  return null;
}

if (!values['no-mdns'] && !values['in-netns']) {
  const unavailable = namespaceUnavailable();
  if (unavailable) {
    console.log(`mDNS not measured (${unavailable}): the appliance runs on 127.0.0.1, mDNS off`);
  } else {
    // One namespace: loopback (the embedded PostgreSQL, the bench's API calls) and a "LAN"
    // interface with a private address and the multicast route mDNS needs.
    const netns = `picloud-bench-idle-${process.pid}`;
    const ip = (...args) => execFileSync('ip', args, { stdio: 'pipe' });
    let code = 1;
    try {
      ip('netns', 'add', netns);
      ip('-n', netns, 'link', 'set', 'lo', 'up');
      // A veth pair with both ends inside: eth0 has a carrier, nothing leaves the namespace.
      ip('-n', netns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1');
      ip('-n', netns, 'link', 'set', 'eth1', 'up');
      ip('-n', netns, 'addr', 'add', '10.77.0.11/24', 'dev', 'eth0');
      ip('-n', netns, 'link', 'set', 'eth0', 'multicast', 'on', 'up');
      ip('-n', netns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0');
      const self = [
        process.execPath,
        fileURLToPath(import.meta.url),
        ...process.argv.slice(2),
        '--in-netns',
        netns,
      ];
      const run = spawnSync(
        'ip',
        [
          'netns',
          'exec',
          netns,
          'unshare',
          '--uts',
          'sh',
          '-c',
          'hostname picloud-bench && exec "$@"',
          'sh',
          ...self,
        ],
        { stdio: 'inherit' },
      );
      code = run.status ?? 1;
    } finally {
      // Whatever a failed run left in the namespace dies with it.
      for (const pid of execFileSync('ip', ['netns', 'pids', netns], { encoding: 'utf8' })
        .split(/\s+/)
        .filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {}
      }
      execFileSync('ip', ['netns', 'del', netns], { stdio: 'ignore' });
    }
    process.exit(code);
  }
}
const mdns = Boolean(values['in-netns']);
const seconds = Number(values.seconds);
// After start-up V8 keeps compacting and shrinking the heaps of the main and worker threads for a
// few seconds (its memory reducer): that is start-up work, not idling.
const settleSeconds = Number(values.settle);
const TARGET_PERCENT = 1;
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

function stat(pid) {
  // Fields after the command name (which may contain spaces) start at index 0 = state.
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    ppid: Number(rest[1]),
    ticks: Number(rest[11]) + Number(rest[12]),
    name: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')),
  };
}

function status(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  let pssKb = 0;
  try {
    pssKb = Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {}
  return {
    rssKb: field('VmRSS'),
    pssKb,
    wakeups: field('voluntary_ctxt_switches') + field('nonvoluntary_ctxt_switches'),
  };
}

/** The pid and all its descendants. */
function tree(root) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const { ppid } = stat(entry);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {}
  }
  const pids = [root];
  for (let i = 0; i < pids.length; i++) pids.push(...(children.get(pids[i]) ?? []));
  return pids;
}

function sample(pids) {
  const result = new Map();
  for (const pid of pids) {
    try {
      result.set(pid, {
        ...stat(pid),
        ...status(pid),
        cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, 2).join(' '),
      });
    } catch {}
  }
  return result;
}

const scratch = mkdtempSync(join(tmpdir(), 'picloud-bench-idle-'));
chmodSync(scratch, 0o755);
const bare = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 1e9)'], { stdio: 'ignore' });
/** An app with a per-minute cron trigger and a queue trigger that has consumed one message (`port`: the panel's). */
async function configureTriggers(port) {
  const token = await ownerToken(port);
  const api = async (method, path, body) => {
    const response = await fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status >= 300)
      throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  await api('POST', '/admin/apps', { slug: 'idle', name: 'Idle' });
  await api('POST', '/admin/scripts', { app: 'idle', name: 'minutely', source: '#{ ok: true }' });
  await api('POST', '/admin/scripts', {
    app: 'idle',
    name: 'consumer',
    source: 'print(ctx.body.to_json()); ()',
  });
  await api('POST', '/admin/apps/idle/triggers', { script: 'minutely', kind: 'cron', schedule: '0 * * * *' });
  await api('POST', '/admin/apps/idle/triggers', { script: 'consumer', kind: 'queue', queue: 'jobs' });
  await api('POST', '/admin/apps/idle/queues/jobs/messages', { payload: { hello: 'queue' } });
  for (let i = 0; i < 50; i++) {
    const logs = await fetch(`http://127.0.0.1:${port}/api/v1/admin/logs?app=idle`, {
      headers: { authorization: `Bearer ${token}` },
    }).then((response) => response.json());
    if (logs.items.some((item) => item.trigger === 'queue')) return;
    await sleep(100);
  }
  throw new Error('the queue message was not consumed');
}

const appliance = await startAppliance(join(scratch, 'data'), mdns ? { PICLOUD_HOST: '0.0.0.0' } : {});
try {
  if (!values.bare) await configureTriggers(appliance.panelPort);
  if (mdns) {
    // Measure only once the appliance answers for its name (probing done).
    for (let i = 0; i < 50 && !appliance.output().includes('answering for picloud-bench.local'); i++)
      await sleep(100);
    if (!appliance.output().includes('answering for picloud-bench.local'))
      throw new Error(`mDNS did not start:\n${appliance.output()}`);
  }
  await sleep(settleSeconds * 1_000);
  const pids = tree(appliance.child.pid);
  const before = sample(pids);
  const bareBefore = sample([bare.pid]);
  await sleep(seconds * 1_000);
  const after = sample(pids);
  const bareAfter = sample([bare.pid]);

  const percent = (ticks) => (ticks / CLOCK_TICKS / seconds) * 100;
  console.log(
    `bench/idle — ${seconds} s of idleness after ${settleSeconds} s of settling, ${after.size} processes (node + PostgreSQL)`,
  );
  console.log(
    mdns
      ? 'mDNS on: answering for picloud-bench.local and announcing _picloud._tcp (in a network namespace of its own)'
      : 'mDNS off',
  );
  console.log(
    values.bare
      ? 'no triggers configured'
      : 'configured: a cron trigger firing every minute, a queue trigger (pg-boss installed, queue polled every 2 s)',
  );
  console.log(
    'process'.padEnd(44),
    'cpu %'.padStart(7),
    'wakeups/s'.padStart(10),
    'RSS MB'.padStart(8),
    'PSS MB'.padStart(8),
  );
  let totalTicks = 0;
  let totalRss = 0;
  let totalPss = 0;
  for (const [pid, end] of after) {
    const start = before.get(pid) ?? { ticks: end.ticks, wakeups: end.wakeups };
    totalTicks += end.ticks - start.ticks;
    totalRss += end.rssKb;
    totalPss += end.pssKb;
    const name = (end.name === 'node' ? 'node (picloud server)' : end.cmd || end.name).slice(0, 44);
    console.log(
      name.padEnd(44),
      percent(end.ticks - start.ticks)
        .toFixed(2)
        .padStart(7),
      ((end.wakeups - start.wakeups) / seconds).toFixed(2).padStart(10),
      (end.rssKb / 1024).toFixed(1).padStart(8),
      (end.pssKb / 1024).toFixed(1).padStart(8),
    );
  }
  const bareEnd = bareAfter.get(bare.pid);
  const bareStart = bareBefore.get(bare.pid);
  const total = percent(totalTicks);
  console.log(
    'TOTAL appliance'.padEnd(44),
    total.toFixed(2).padStart(7),
    ''.padStart(10),
    (totalRss / 1024).toFixed(1).padStart(8),
    (totalPss / 1024).toFixed(1).padStart(8),
  );
  console.log(
    'baseline: bare idle node'.padEnd(44),
    percent(bareEnd.ticks - bareStart.ticks)
      .toFixed(2)
      .padStart(7),
    ((bareEnd.wakeups - bareStart.wakeups) / seconds).toFixed(2).padStart(10),
    (bareEnd.rssKb / 1024).toFixed(1).padStart(8),
    (bareEnd.pssKb / 1024).toFixed(1).padStart(8),
  );
  console.log(
    `idle CPU ${total.toFixed(2)}% of one core (target < ${TARGET_PERCENT}%): ${total < TARGET_PERCENT ? 'PASS' : 'FAIL'}`,
  );
  if (values.check && total >= TARGET_PERCENT) process.exitCode = 1;
} finally {
  await appliance.stop();
  bare.kill();
  rmSync(scratch, { recursive: true, force: true });
}
