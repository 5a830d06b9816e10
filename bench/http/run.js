// bench/http: PiCloud's script endpoints against bare Fastify routes doing the same, measured with wrk
// in the same run, at 1 and 64 connections. The servers run on core 1, wrk on core 0; each case runs
// baseline and PiCloud alternately (A B A B …) and keeps each side's best run, so a noisy neighbour
// hurts both alike.
//   npm run bench:http [-- --seconds 5 --runs 2 --check]
// Target: hello ≥ 40% of Fastify's throughput at 64 connections, with p99 ≤ 3× Fastify's.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { canPin, createRoutedScript, ownerToken, pinSelf, startAppliance } from '../support/appliance.js';
import { alternate, hasWrk, spawnBareServer, WRK_BENCH_OPTIONS } from '../support/wrk.js';

const { values } = parseArgs({ options: WRK_BENCH_OPTIONS });
const SECONDS = Number(values.seconds);
const RUNS = Number(values.runs);
const SERVER_CORE = 1;
const LOAD_CORE = 0;
const TARGET = { throughput: 0.4, p99: 3 };
if (!hasWrk) {
  console.error('bench/http needs wrk (Debian package `wrk`)');
  process.exit(2);
}
pinSelf(LOAD_CORE);

const ECHO_BODY = JSON.stringify({
  device: 'thermostat-kitchen',
  readings: [21.5, 21.25, 21.0],
  unit: 'celsius',
  at: '2026-01-01T12:00:00Z',
});

/** Each case: the PiCloud script and route, the request, and what bare Fastify does for it. */
const CASES = [
  {
    name: 'hello',
    // The seeded Hello World endpoint, as a fresh install serves it.
    path: '/hello',
    request: { method: 'GET', url: '/hello' },
  },
  {
    name: 'json echo',
    script: { name: 'echo', source: 'ctx.body' },
    route: { methods: ['POST'], path: '/echo' },
    request: {
      method: 'POST',
      url: '/echo',
      body: ECHO_BODY,
      headers: { 'content-type': 'application/json' },
    },
  },
  {
    name: 'route params',
    script: { name: 'params', source: '#{ user: ctx.params.user, post: ctx.params.post }' },
    route: { methods: ['GET'], path: '/users/:user/posts/:post' },
    request: { method: 'GET', url: '/users/ada/posts/42' },
  },
];

const BARE_FASTIFY = `
  import Fastify from 'fastify';
  const app = Fastify();
  app.get('/hello', async (request) => ({ message: 'Hello, ' + (request.query.name ?? 'world') + '!', sdk: '1.2' }));
  app.post('/echo', async (request) => request.body);
  app.get('/users/:user/posts/:post', async (request) => ({ user: request.params.user, post: request.params.post }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(app.server.address().port);`;

const scratch = mkdtempSync(join(tmpdir(), 'picloud-bench-http-'));
chmodSync(scratch, 0o755);
const appliance = await startAppliance(
  join(scratch, 'data'),
  // The per-address limit stays on (its cost is part of what is measured), high enough for one
  // load generator to be a whole LAN.
  { PICLOUD_LOG_LEVEL: 'warn', PICLOUD_PUBLIC_RATE_LIMIT: '100000000' },
  SERVER_CORE,
);
const bare = await spawnBareServer(BARE_FASTIFY, SERVER_CORE);
try {
  const token = await ownerToken(appliance.panelPort);
  const agent = new Agent({ keepAlive: true });
  for (const { script, route } of CASES) {
    if (script) await createRoutedScript(agent, appliance.panelPort, token, script, route);
  }
  agent.destroy();

  // Warm up both servers (JIT, compiled scripts, the pool's cost estimates).
  for (const { request } of CASES) {
    await alternate({
      baselinePort: bare.port,
      subjectPort: appliance.port,
      request,
      connections: 64,
      runs: 1,
      seconds: 1,
      core: LOAD_CORE,
    });
  }

  const rows = [];
  for (const connections of [1, 64]) {
    for (const { name, request } of CASES) {
      const pair = await alternate({
        baselinePort: bare.port,
        subjectPort: appliance.port,
        request,
        connections,
        runs: RUNS,
        seconds: SECONDS,
        core: LOAD_CORE,
      });
      rows.push({ name, connections, ...pair });
    }
  }

  console.log(
    `bench/http — wrk, ${SECONDS} s per run, best of ${RUNS} alternating runs, servers on core ${SERVER_CORE}, wrk on core ${LOAD_CORE}${canPin ? '' : ' (taskset unavailable: not pinned)'}`,
  );
  console.log(
    '| case | conns | Fastify req/s | Fastify p50 ms | Fastify p99 ms | PiCloud req/s | PiCloud p50 ms | PiCloud p99 ms | req/s ratio | p99 ratio | errors |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const { name, connections, baseline, subject } of rows) {
    console.log(
      `| ${name} | ${connections} | ${baseline.rps.toFixed(0)} | ${baseline.p50.toFixed(3)} | ${baseline.p99.toFixed(2)} | ${subject.rps.toFixed(0)} | ${subject.p50.toFixed(3)} | ${subject.p99.toFixed(2)} | ${(subject.rps / baseline.rps).toFixed(2)} | ${(subject.p99 / baseline.p99).toFixed(1)}x | ${subject.errors + baseline.errors} |`,
    );
  }
  const hello = rows.find((r) => r.name === 'hello' && r.connections === 64);
  const ratio = hello.subject.rps / hello.baseline.rps;
  const p99Ratio = hello.subject.p99 / hello.baseline.p99;
  const errors = rows.reduce((sum, r) => sum + r.subject.errors, 0);
  const pass = ratio >= TARGET.throughput && p99Ratio <= TARGET.p99 && errors === 0;
  console.log(
    `\nhello at 64 connections: ${(ratio * 100).toFixed(0)}% of Fastify's throughput (target ≥ ${TARGET.throughput * 100}%), p99 ${p99Ratio.toFixed(1)}× Fastify's (target ≤ ${TARGET.p99}×), ${errors} errors → ${pass ? 'PASS' : 'FAIL'}`,
  );
  if (values.check && !pass) process.exitCode = 1;
} finally {
  bare.stop();
  await appliance.stop();
  rmSync(scratch, { recursive: true, force: true });
}
