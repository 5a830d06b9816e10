// bench/startup: how long `picloud start` takes until /healthz answers ok, first run (initdb included) and warm,
// next to the start-up of a bare Fastify process measured in the same run.
//   npm run bench:startup [-- --runs 5 --check]
// Targets on the reference machine (2 cores): warm ≤ 1.5 s, first run ≤ 5 s.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median, startAppliance } from '../support/appliance.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, check: { type: 'boolean' } },
});
const runs = Number(values.runs);
const TARGETS = { firstRun: 5_000, warm: 1_500 };

/** Spawn-to-listening of a one-route Fastify server: the floor any Node server pays. */
async function bareFastifyMs() {
  const source = `
    import Fastify from 'fastify';
    const app = Fastify();
    app.get('/healthz', async () => 'ok');
    await app.listen({ port: 0, host: '127.0.0.1' });
    console.log('ready');`;
  const started = performance.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => chunk.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`bare fastify exited ${code}`)));
  });
  const elapsed = performance.now() - started;
  child.kill('SIGTERM');
  return elapsed;
}

const scratch = mkdtempSync(join(tmpdir(), 'picloud-bench-startup-'));
chmodSync(scratch, 0o755); // as root, PostgreSQL's unprivileged user must pass through
try {
  const baseline = [];
  for (let i = 0; i < runs; i++) baseline.push(await bareFastifyMs());

  const firstRuns = [];
  const warm = [];
  for (let i = 0; i < Math.max(1, Math.min(runs, 3)); i++) {
    const dataDir = join(scratch, `first-${i}`);
    const appliance = await startAppliance(dataDir);
    firstRuns.push(await appliance.healthyMs());
    await appliance.stop();
    if (i === 0) {
      for (let j = 0; j < runs; j++) {
        const again = await startAppliance(dataDir);
        warm.push(await again.healthyMs());
        await again.stop();
      }
    }
  }

  const base = median(baseline);
  const rows = [
    ['bare Fastify process (baseline)', base, null],
    ['picloud start, warm', median(warm), TARGETS.warm],
    ['picloud start, first run (initdb)', median(firstRuns), TARGETS.firstRun],
  ];
  console.log(
    `bench/startup — median of ${runs} warm, ${firstRuns.length} first runs (spawn → /healthz answers ok)`,
  );
  console.log('case'.padEnd(36), 'ms'.padStart(8), 'ratio'.padStart(8), 'target'.padStart(9), '');
  let failed = false;
  for (const [name, ms, target] of rows) {
    const verdict = target === null ? '' : ms <= target ? 'PASS' : 'FAIL';
    if (verdict === 'FAIL') failed = true;
    console.log(
      name.padEnd(36),
      ms.toFixed(0).padStart(8),
      `${(ms / base).toFixed(1)}x`.padStart(8),
      (target === null ? '' : `≤${target}`).padStart(9),
      verdict,
    );
  }
  if (values.check && failed) process.exitCode = 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
