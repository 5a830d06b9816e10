// bench/kv: throughput of an endpoint doing one kv::set and one kv::get (through the worker → main
// thread bridge and PostgreSQL), next to the Hello World endpoint of the same appliance, measured in
// the same run. The server runs on core 1, this load generator on core 0.
//   npm run bench:kv [-- --seconds 10 --connections 4]
// The ratio kv/hello shows what a KV round trip costs relative to a script that does no I/O.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { canPin, ownerToken, percentile, pinSelf, startAppliance } from '../support/appliance.js';
import { call, load } from '../support/http-load.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '4' },
  },
});
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const SERVER_CORE = 1;
pinSelf(0);

// Each call writes its own key (one key shared by all calls would measure row-lock contention).
const KV_SOURCE = `
kv::set("bench", ctx.request_id, #{ visits: 1, path: ctx.path });
kv::get("bench", ctx.request_id)
`;

// Reads only: separates the bridge and query cost from the cost of a durable write (WAL flush).
const KV_READ_SOURCE = `#{ found: kv::get("bench", "missing") }`;

function summary(name, { latencies, failures }) {
  return {
    name,
    rps: latencies.length / SECONDS,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failures,
  };
}

const scratch = mkdtempSync(join(tmpdir(), 'picloud-bench-kv-'));
chmodSync(scratch, 0o755);
const appliance = await startAppliance(
  join(scratch, 'data'),
  { PICLOUD_LOG_LEVEL: 'warn', PICLOUD_PUBLIC_RATE_LIMIT: '100000000' },
  SERVER_CORE,
);
try {
  const token = await ownerToken(appliance.port);
  const agent = new Agent({ keepAlive: true });
  const script = await call(
    agent,
    appliance.port,
    'POST',
    '/api/v1/admin/scripts',
    { app: 'default', name: 'kv-bench', source: KV_SOURCE },
    token,
  );
  if (script.status !== 201) throw new Error(`script: ${script.status} ${script.body}`);
  for (const [name, source, path] of [['kv-read-bench', KV_READ_SOURCE, '/kv-read']]) {
    const created = await call(
      agent,
      appliance.port,
      'POST',
      '/api/v1/admin/scripts',
      { app: 'default', name, source },
      token,
    );
    const routed = await call(
      agent,
      appliance.port,
      'POST',
      '/api/v1/admin/apps/default/routes',
      { script: name, methods: ['GET'], path },
      token,
    );
    if (created.status !== 201 || routed.status !== 201)
      throw new Error(`${name}: ${created.body} ${routed.body}`);
  }
  const route = await call(
    agent,
    appliance.port,
    'POST',
    '/api/v1/admin/apps/default/routes',
    { script: 'kv-bench', methods: ['GET'], path: '/kv' },
    token,
  );
  if (route.status !== 201) throw new Error(`route: ${route.status} ${route.body}`);
  // The route goes live once the orchestrator has the change (LISTEN/NOTIFY): wait for it.
  let check = await call(agent, appliance.port, 'GET', '/kv');
  for (let tries = 0; check.status === 404 && tries < 100; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 30));
    check = await call(agent, appliance.port, 'GET', '/kv');
  }
  if (check.status !== 200 || !check.body.includes('"visits":1')) {
    throw new Error(`kv endpoint: ${check.status} ${check.body}`);
  }
  agent.destroy();

  // Warm up both endpoints (JIT, compiled scripts, connection pool).
  await load(appliance.port, '/hello', performance.now() + 1_000, CONNECTIONS);
  await load(appliance.port, '/kv', performance.now() + 1_000, CONNECTIONS);
  await load(appliance.port, '/kv-read', performance.now() + 1_000, CONNECTIONS);
  const hello = summary(
    'Hello World endpoint (baseline)',
    await load(appliance.port, '/hello', performance.now() + SECONDS * 1_000, CONNECTIONS),
  );
  const read = summary(
    'kv::get endpoint (read only)',
    await load(appliance.port, '/kv-read', performance.now() + SECONDS * 1_000, CONNECTIONS),
  );
  const kv = summary(
    'kv::set + kv::get endpoint',
    await load(appliance.port, '/kv', performance.now() + SECONDS * 1_000, CONNECTIONS),
  );

  console.log(
    `bench/kv — ${SECONDS} s per case, ${CONNECTIONS} connections, server on core ${canPin ? SERVER_CORE : 'any (taskset unavailable)'}`,
  );
  console.log(
    `${'case'.padEnd(34)}${'req/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'errors'.padStart(8)}`,
  );
  for (const r of [hello, read, kv]) {
    console.log(
      `${r.name.padEnd(34)}${r.rps.toFixed(0).padStart(9)}${r.p50.toFixed(2).padStart(9)}${r.p99.toFixed(2).padStart(9)}${String(r.failures).padStart(8)}`,
    );
  }
  console.log(
    `\nkv endpoint throughput: ${(kv.rps / hello.rps).toFixed(2)}x the Hello World endpoint's (${kv.rps.toFixed(0)} vs ${hello.rps.toFixed(0)} req/s)`,
  );
  console.log(`kv::get-only throughput: ${(read.rps / hello.rps).toFixed(2)}x the Hello World endpoint's`);
  if (hello.failures + read.failures + kv.failures > 0) process.exitCode = 1;
} finally {
  await appliance.stop();
  rmSync(scratch, { recursive: true, force: true });
}
