// bench/slow-io: 200 concurrent calls to an endpoint whose script calls a local HTTP server that answers
// after 1 s (allow-listed for the app), while the Hello World endpoint is called on 4 other connections.
// Baselines in the same run: a bare Fastify route making the same upstream call with fetch, and Hello
// World's latency with no slow calls in flight. The appliance and the bare server run on core 1; the
// load, the slow upstream and this script on core 0.
//   npm run bench:slow-io [-- --calls 200 --delay 1000 --check]
// Targets: every slow call completes in ≤ 1.5 s; Hello World's p99 during the slow calls ≤ 20 ms.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  canPin,
  createRoutedScript,
  ownerToken,
  percentile,
  pinSelf,
  startAppliance,
} from '../support/appliance.js';
import { call, load } from '../support/http-load.js';
import { spawnBareServer } from '../support/wrk.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '200' },
    delay: { type: 'string', default: '1000' },
    check: { type: 'boolean' },
  },
});
const CALLS = Number(values.calls);
const DELAY_MS = Number(values.delay);
const SERVER_CORE = 1;
const LOAD_CORE = 0;
const TARGET = { slowMs: DELAY_MS * 1.5, helloP99: 20 };
/** A call still unanswered after this long counts as failed (ms). */
const GIVE_UP_MS = 15_000;
pinSelf(LOAD_CORE);

/** The slow upstream: answers every request after DELAY_MS. */
const upstream = createServer((req, res) => {
  setTimeout(() => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ slow: true, path: req.url }));
  }, DELAY_MS);
});
upstream.keepAliveTimeout = 60_000;
await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
const upstreamUrl = `http://127.0.0.1:${upstream.address().port}/device`;

const BARE = `
  import Fastify from 'fastify';
  const app = Fastify();
  app.get('/slow-io', async () => {
    const response = await fetch(process.env.BENCH_UPSTREAM);
    return { status: response.status, body: await response.json() };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(app.server.address().port);`;

/** GET `path` once; resolves with status and milliseconds (status 0 when given up or failed). */
function timedGet(agent, port, path) {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = request({ host: '127.0.0.1', port, path, agent, timeout: GIVE_UP_MS }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - started }));
    });
    req.on('timeout', () => req.destroy(new Error('gave up')));
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
    req.end();
  });
}

/** CALLS concurrent slow calls to `port`, with Hello World load on `helloPort` meanwhile (if any). */
async function burst(port, helloPort) {
  const agent = new Agent({ keepAlive: true, maxSockets: CALLS });
  const calls = Promise.all(Array.from({ length: CALLS }, () => timedGet(agent, port, '/slow-io')));
  let settled = false;
  const hello =
    helloPort === null
      ? null
      : (async () => {
          // Hello World on 4 connections for as long as the slow calls are in flight.
          const latencies = [];
          let failures = 0;
          while (!settled) {
            const slice = await load(helloPort, '/hello', performance.now() + 100, 4);
            latencies.push(...slice.latencies);
            failures += slice.failures;
          }
          return { latencies: latencies.sort((a, b) => a - b), failures };
        })();
  const results = await calls;
  settled = true;
  agent.destroy();
  const times = results.map((r) => r.ms).sort((a, b) => a - b);
  return {
    ok: results.filter((r) => r.status === 200).length,
    max: times.at(-1),
    p50: percentile(times, 50),
    hello: hello === null ? null : await hello,
  };
}

const scratch = mkdtempSync(join(tmpdir(), 'picloud-bench-slow-io-'));
chmodSync(scratch, 0o755);
const appliance = await startAppliance(
  join(scratch, 'data'),
  { PICLOUD_LOG_LEVEL: 'warn', PICLOUD_PUBLIC_RATE_LIMIT: '100000000' },
  SERVER_CORE,
);
const bare = await spawnBareServer(BARE, SERVER_CORE, { BENCH_UPSTREAM: upstreamUrl });
try {
  const token = await ownerToken(appliance.panelPort);
  const agent = new Agent({ keepAlive: true });
  const allowed = await call(
    agent,
    appliance.panelPort,
    'PATCH',
    '/api/v1/admin/apps/default',
    { http_allow_hosts: ['127.0.0.1'] },
    token,
  );
  if (allowed.status !== 200) throw new Error(`allow-list: ${allowed.status} ${allowed.body}`);
  await createRoutedScript(
    agent,
    appliance.panelPort,
    token,
    {
      name: 'slow-io',
      source: `let answer = http::get(${JSON.stringify(upstreamUrl)});\n#{ status: answer.status, body: answer.body }`,
    },
    { methods: ['GET'], path: '/slow-io' },
  );
  const check = await call(agent, appliance.port, 'GET', '/slow-io');
  if (check.status !== 200) throw new Error(`slow-io endpoint: ${check.status} ${check.body}`);
  agent.destroy();

  // Hello World alone, then warm-ups of both slow routes.
  await load(appliance.port, '/hello', performance.now() + 1_000, 4);
  const alone = await load(appliance.port, '/hello', performance.now() + 3_000, 4);
  await burst(bare.port, null);
  const baseline = await burst(bare.port, null);
  const picloud = await burst(appliance.port, appliance.port);

  const helloP99 = percentile(picloud.hello.latencies, 99);
  console.log(
    `bench/slow-io — ${CALLS} concurrent calls to an endpoint waiting ${DELAY_MS} ms on an upstream, Hello World on 4 connections meanwhile; servers on core ${SERVER_CORE}${canPin ? '' : ' (taskset unavailable: not pinned)'}`,
  );
  console.log('| case | completed | p50 ms | slowest ms | ratio to baseline |');
  console.log('|---|---|---|---|---|');
  console.log(
    `| bare Fastify + fetch (baseline) | ${baseline.ok}/${CALLS} | ${baseline.p50.toFixed(0)} | ${baseline.max.toFixed(0)} | 1.00 |`,
  );
  console.log(
    `| PiCloud http::get | ${picloud.ok}/${CALLS} | ${picloud.p50.toFixed(0)} | ${picloud.max.toFixed(0)} | ${(picloud.max / baseline.max).toFixed(2)} |`,
  );
  console.log('\n| Hello World | requests | p50 ms | p99 ms | errors |');
  console.log('|---|---|---|---|---|');
  console.log(
    `| alone (baseline) | ${alone.latencies.length} | ${percentile(alone.latencies, 50).toFixed(2)} | ${percentile(alone.latencies, 99).toFixed(2)} | ${alone.failures} |`,
  );
  console.log(
    `| during the slow calls | ${picloud.hello.latencies.length} | ${percentile(picloud.hello.latencies, 50).toFixed(2)} | ${helloP99.toFixed(2)} | ${picloud.hello.failures} |`,
  );
  const pass =
    picloud.ok === CALLS &&
    picloud.max <= TARGET.slowMs &&
    helloP99 <= TARGET.helloP99 &&
    picloud.hello.failures === 0;
  console.log(
    `\nslowest call ${picloud.max.toFixed(0)} ms (target ≤ ${TARGET.slowMs}), ${picloud.ok}/${CALLS} completed, Hello World p99 ${helloP99.toFixed(2)} ms (target ≤ ${TARGET.helloP99}) → ${pass ? 'PASS' : 'FAIL'}`,
  );
  if (values.check && !pass) process.exitCode = 1;
} finally {
  bare.stop();
  await appliance.stop();
  upstream.close();
  upstream.closeAllConnections();
  rmSync(scratch, { recursive: true, force: true });
}
