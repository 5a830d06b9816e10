// bench/idle: CPU used by the whole idle appliance — node plus every PostgreSQL process — read from
// /proc over a quiet window, with RSS/PSS and wake-ups per process; an idle bare `node` process is
// measured in the same window as the baseline. Nothing may poll: target < 1% of one core — also with
// triggers configured: before settling, the bench adds a per-minute cron trigger and a queue trigger
// whose consumer has handled one message (pg-boss installed, the queue polled); --bare skips that.
//   npm run bench:idle [-- --seconds 60 --settle 20 --check --bare]
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { ownerToken, startAppliance } from '../support/appliance.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    settle: { type: 'string', default: '20' },
    check: { type: 'boolean' },
    bare: { type: 'boolean' },
  },
});
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

const appliance = await startAppliance(join(scratch, 'data'));
try {
  if (!values.bare) await configureTriggers(appliance.panelPort);
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
