// bench/kv: an endpoint doing one kv::set and one kv::get (through the executor's service calls and
// the manager's KV store) against a bare Fastify route doing the same two statements through `pg`, on
// the same database (the appliance's own PostgreSQL), measured with wrk in the same run at 1 and 64
// connections. A read-only pair (kv::get of a missing key against one SELECT) separates the cost of
// a durable write. The servers run on core 1, wrk on core 0; baseline and PiCloud alternate (A B A B …)
// and each side keeps its best run.
//   npm run bench:kv [-- --seconds 5 --runs 2 --check]
// Target: kv::set + kv::get ≥ 50% of the bare route's throughput at 64 connections.
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { canPin, createRoutedScript, ownerToken, pinSelf, startAppliance } from '../support/appliance.js';
import { call } from '../support/http-load.js';
import { alternate, hasWrk, spawnBareServer, WRK_BENCH_OPTIONS } from '../support/wrk.js';

const { values } = parseArgs({ options: WRK_BENCH_OPTIONS });
const SECONDS = Number(values.seconds);
const RUNS = Number(values.runs);
const SERVER_CORE = 1;
const LOAD_CORE = 0;
const TARGET = 0.5;
if (!hasWrk) {
  console.error('bench/kv needs wrk (Debian package `wrk`)');
  process.exit(2);
}
pinSelf(LOAD_CORE);

// Each call writes its own key (one key shared by all calls would measure row-lock contention).
const SCRIPTS = [
  {
    name: 'kv-bench',
    path: '/kv',
    source: `kv::set("bench", ctx.request_id, #{ visits: 1, path: ctx.path });\nkv::get("bench", ctx.request_id)`,
  },
  { name: 'kv-read-bench', path: '/kv-read', source: '#{ found: kv::get("bench", "missing") }' },
];

/** The same two statements, straight through pg, on the appliance's database. */
const BARE_KV = `
  import { randomUUID } from 'node:crypto';
  import Fastify from 'fastify';
  import pg from 'pg';
  const pool = new pg.Pool({ connectionString: process.env.BENCH_DATABASE_URL, max: 10 });
  const { rows: [app] } = await pool.query("SELECT id FROM apps WHERE slug = 'default'");
  const app_ = Fastify();
  app_.get('/kv', async (request) => {
    const key = randomUUID();
    await pool.query(
      'INSERT INTO kv_entries (app_id, collection, key, value) VALUES ($1, $2, $3, $4::jsonb) ' +
        'ON CONFLICT (app_id, collection, key) DO UPDATE SET value = excluded.value, updated_at = now()',
      [app.id, 'bare', key, JSON.stringify({ visits: 1, path: request.url })],
    );
    const { rows } = await pool.query(
      'SELECT value FROM kv_entries WHERE app_id = $1 AND collection = $2 AND key = $3',
      [app.id, 'bare', key],
    );
    return rows[0].value;
  });
  app_.get('/kv-read', async () => {
    const { rows } = await pool.query(
      'SELECT value FROM kv_entries WHERE app_id = $1 AND collection = $2 AND key = $3',
      [app.id, 'bare', 'missing'],
    );
    return { found: rows[0]?.value ?? null };
  });
  await app_.listen({ port: 0, host: '127.0.0.1' });
  console.log(app_.server.address().port);`;

/** The appliance's embedded PostgreSQL: port from its postmaster.pid, password from the data folder. */
function databaseUrl(dataDir) {
  const port = readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')
    .split('\n')[3]
    .trim();
  const password = readFileSync(join(dataDir, 'postgres.password'), 'utf8').trim();
  return `postgres://picloud:${encodeURIComponent(password)}@127.0.0.1:${port}/picloud`;
}

const scratch = mkdtempSync(join(tmpdir(), 'picloud-bench-kv-'));
chmodSync(scratch, 0o755);
const dataDir = join(scratch, 'data');
const appliance = await startAppliance(
  dataDir,
  { PICLOUD_LOG_LEVEL: 'warn', PICLOUD_PUBLIC_RATE_LIMIT: '100000000' },
  SERVER_CORE,
);
let bare = null;
try {
  bare = await spawnBareServer(BARE_KV, SERVER_CORE, { BENCH_DATABASE_URL: databaseUrl(dataDir) });
  const token = await ownerToken(appliance.panelPort);
  const agent = new Agent({ keepAlive: true });
  for (const { name, path, source } of SCRIPTS)
    await createRoutedScript(agent, appliance.panelPort, token, { name, source }, { methods: ['GET'], path });
  const check = await call(agent, appliance.port, 'GET', '/kv');
  if (check.status !== 200 || !check.body.includes('"visits":1'))
    throw new Error(`kv endpoint: ${check.status} ${check.body}`);
  agent.destroy();

  // Warm up both servers (JIT, compiled scripts, connection pools).
  for (const { path } of SCRIPTS) {
    await alternate({
      baselinePort: bare.port,
      subjectPort: appliance.port,
      request: { url: path },
      connections: 64,
      runs: 1,
      seconds: 1,
      core: LOAD_CORE,
    });
  }

  const rows = [];
  for (const connections of [1, 64]) {
    for (const { path } of SCRIPTS) {
      const pair = await alternate({
        baselinePort: bare.port,
        subjectPort: appliance.port,
        request: { url: path },
        connections,
        runs: RUNS,
        seconds: SECONDS,
        core: LOAD_CORE,
      });
      rows.push({
        name: path === '/kv' ? 'kv::set + kv::get' : 'kv::get (missing key)',
        connections,
        ...pair,
      });
    }
  }
  console.log(
    `bench/kv — wrk, ${SECONDS} s per run, best of ${RUNS} alternating runs, servers on core ${SERVER_CORE}, wrk on core ${LOAD_CORE}${canPin ? '' : ' (taskset unavailable: not pinned)'}`,
  );
  console.log(
    '| case | conns | Fastify+pg req/s | Fastify+pg p99 ms | PiCloud req/s | PiCloud p50 ms | PiCloud p99 ms | req/s ratio | errors |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const { name, connections, baseline, subject } of rows) {
    console.log(
      `| ${name} | ${connections} | ${baseline.rps.toFixed(0)} | ${baseline.p99.toFixed(2)} | ${subject.rps.toFixed(0)} | ${subject.p50.toFixed(2)} | ${subject.p99.toFixed(2)} | ${(subject.rps / baseline.rps).toFixed(2)} | ${subject.errors + baseline.errors} |`,
    );
  }
  const kv = rows.find((r) => r.name === 'kv::set + kv::get' && r.connections === 64);
  const ratio = kv.subject.rps / kv.baseline.rps;
  const errors = rows.reduce((sum, r) => sum + r.subject.errors, 0);
  const pass = ratio >= TARGET && errors === 0;
  console.log(
    `\nkv::set + kv::get at 64 connections: ${(ratio * 100).toFixed(0)}% of the bare Fastify+pg route (target ≥ ${TARGET * 100}%), ${errors} errors → ${pass ? 'PASS' : 'FAIL'}`,
  );
  if (values.check && !pass) process.exitCode = 1;
} finally {
  bare?.stop();
  await appliance.stop();
  rmSync(scratch, { recursive: true, force: true });
}
