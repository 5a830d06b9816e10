// bench/endpoints: latency of a hello-world script endpoint, alone and while hostile scripts (an
// infinite loop, runaway recursion, a huge allocation, a throw, a throw of megabytes) are called at the same time, next to a
// bare Fastify route measured in the same run. The server runs on core 1, this load generator on core 0.
//   npm run bench:endpoints [-- --seconds 10 --connections 4 --check]
// Target: hello-world p99 under 20 ms while the hostile scripts run, each hostile call ending in its
// clear error.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { canPin, ownerToken, percentile, pinned, pinSelf, startAppliance } from '../support/appliance.js';
import { call as callWith, load as loadWith } from '../support/http-load.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '4' },
    check: { type: 'boolean' },
  },
});
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const TARGET_P99_MS = 20;
const SERVER_CORE = 1;
pinSelf(0);

const HOSTILE = [
  { name: 'loop', source: 'let x = 0; loop { x += 1; }', code: 'PICLOUD_ERR_SCRIPT_LIMIT' },
  { name: 'recursion', source: 'fn down(n) { down(n + 1) } down(0)', code: 'PICLOUD_ERR_SCRIPT_LIMIT' },
  { name: 'allocation', source: 'let s = "x"; loop { s += s; }', code: 'PICLOUD_ERR_SCRIPT_LIMIT' },
  { name: 'throw', source: 'throw #{ status: 400, message: "refused" };', code: 'PICLOUD_ERR_SCRIPT_THROWN' },
  // A thrown value of several megabytes: its message and details are capped, not sent whole.
  {
    name: 'big-throw',
    source: 'let s = ""; s.pad(1000000, "x"); throw #{ status: 400, message: s, details: [s, s] };',
    code: 'PICLOUD_ERR_SCRIPT_THROWN',
  },
];

/** The owner's token while setting up; the load itself is anonymous. */
let token = null;
const call = (agent, port, method, path, body) => callWith(agent, port, method, path, body, token);
const load = (port, path, until) => loadWith(port, path, until, CONNECTIONS);

/** One caller per hostile script, back to back until `until`. */
async function hostileLoad(port, until) {
  const agent = new Agent({ keepAlive: true, maxSockets: HOSTILE.length });
  const results = Object.fromEntries(HOSTILE.map((h) => [h.name, { calls: 0, expected: 0, times: [] }]));
  await Promise.all(
    HOSTILE.map(async (hostile) => {
      while (performance.now() < until) {
        const response = await call(agent, port, 'GET', `/hostile/${hostile.name}`);
        const result = results[hostile.name];
        result.calls += 1;
        result.times.push(response.ms);
        try {
          if (JSON.parse(response.body).error?.code === hostile.code) result.expected += 1;
        } catch {}
      }
    }),
  );
  agent.destroy();
  return results;
}

async function bareFastify() {
  const source = `
    import Fastify from 'fastify';
    const app = Fastify();
    app.get('/hello', async (request) => ({ message: 'Hello, ' + (request.query.name ?? 'world') + '!', sdk: '1.1' }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    console.log(app.server.address().port);`;
  const [command, args] = pinned(SERVER_CORE, process.execPath, ['--input-type=module', '-e', source]);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve) =>
    child.stdout.once('data', (chunk) => resolve(Number(chunk.toString().trim()))),
  );
  return { port, stop: () => child.kill('SIGTERM') };
}

function row(name, { latencies, failures }) {
  const rps = latencies.length / SECONDS;
  return {
    name,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1),
    rps,
    failures,
  };
}

const scratch = mkdtempSync(join(tmpdir(), 'picloud-bench-endpoints-'));
chmodSync(scratch, 0o755);
// The per-address limit stays on (its cost is part of what is measured) but high enough for one
// load generator to be a whole LAN.
const appliance = await startAppliance(
  join(scratch, 'data'),
  { PICLOUD_LOG_LEVEL: 'warn', PICLOUD_PUBLIC_RATE_LIMIT: process.env.BENCH_RATE_LIMIT ?? '100000000' },
  SERVER_CORE,
);
const bare = await bareFastify();
try {
  token = await ownerToken(appliance.panelPort);
  const setupAgent = new Agent({ keepAlive: true });
  for (const hostile of HOSTILE) {
    await call(setupAgent, appliance.panelPort, 'POST', '/api/v1/admin/scripts', {
      app: 'default',
      name: `hostile-${hostile.name}`,
      source: hostile.source,
    });
    await call(setupAgent, appliance.panelPort, 'POST', '/api/v1/admin/apps/default/routes', {
      script: `hostile-${hostile.name}`,
      methods: ['GET'],
      path: `/hostile/${hostile.name}`,
    });
  }
  setupAgent.destroy();
  // The endpoints themselves are anonymous: the load carries no token.
  token = null;
  // Warm up both servers (JIT, compiled-script caches).
  await load(bare.port, '/hello', performance.now() + 1_000);
  await load(appliance.port, '/hello', performance.now() + 1_000);

  const baseline = row(
    'bare Fastify route (baseline)',
    await load(bare.port, '/hello', performance.now() + SECONDS * 1_000),
  );
  const alone = row(
    'PiCloud /hello',
    await load(appliance.port, '/hello', performance.now() + SECONDS * 1_000),
  );
  const until = performance.now() + SECONDS * 1_000;
  const [underFire, hostile] = await Promise.all([
    load(appliance.port, '/hello', until),
    hostileLoad(appliance.port, until),
  ]);
  const attacked = row('PiCloud /hello + hostile scripts', underFire);

  console.log(
    `bench/endpoints — ${SECONDS} s per case, ${CONNECTIONS} connections, server on core ${SERVER_CORE}${canPin ? '' : ' (taskset unavailable: not pinned)'}`,
  );
  console.log(
    'case'.padEnd(36),
    'p50 ms'.padStart(8),
    'p99 ms'.padStart(8),
    'max ms'.padStart(8),
    'req/s'.padStart(8),
    'p99 ratio'.padStart(10),
    'errors'.padStart(7),
  );
  for (const r of [baseline, alone, attacked]) {
    console.log(
      r.name.padEnd(36),
      r.p50.toFixed(2).padStart(8),
      r.p99.toFixed(2).padStart(8),
      r.max.toFixed(1).padStart(8),
      r.rps.toFixed(0).padStart(8),
      `${(r.p99 / baseline.p99).toFixed(1)}x`.padStart(10),
      String(r.failures).padStart(7),
    );
  }
  console.log(
    '\nhostile script'.padEnd(16),
    'calls'.padStart(7),
    'clear error'.padStart(12),
    'median ms'.padStart(10),
  );
  let hostileOk = true;
  for (const h of HOSTILE) {
    const r = hostile[h.name];
    const times = r.times.sort((a, b) => a - b);
    if (r.expected !== r.calls || r.calls === 0) hostileOk = false;
    console.log(
      h.name.padEnd(15),
      String(r.calls).padStart(7),
      `${r.expected}/${r.calls} ${h.code.replace('PICLOUD_ERR_', '')}`.padStart(12),
      percentile(times, 50).toFixed(1).padStart(10),
    );
  }
  const pass = attacked.p99 < TARGET_P99_MS && attacked.failures === 0 && hostileOk;
  console.log(
    `\nhello p99 under hostile load ${attacked.p99.toFixed(2)} ms (target < ${TARGET_P99_MS} ms), hostile calls all clear errors: ${hostileOk} → ${pass ? 'PASS' : 'FAIL'}`,
  );
  if (values.check && !pass) process.exitCode = 1;
} finally {
  bare.stop();
  await appliance.stop();
  rmSync(scratch, { recursive: true, force: true });
}
