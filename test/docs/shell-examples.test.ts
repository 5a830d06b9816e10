/**
 * Every shell example of README.md and docs/ runs against a real appliance — `picloud start` on a fresh
 * database, listening on every interface as it does by default — as a reader would paste them, so the
 * examples cannot rot: a call that fails, or prints something else than its comment says, fails this
 * test. Blocks that cannot run here (installing packages, starting the appliance itself, systemd) say
 * why, in a `<!-- docs-test: not run (…) -->` line the test requires.
 *
 * One appliance serves every document, in the order a reader meets them: docs/security.md's first-run
 * example creates the owner (from this machine's LAN address, with the set-up code the banner printed),
 * the README's walk-through and the API reference build on it, and docs/backup.md's restore comes last.
 * What a reader fills in is filled in: the ports, `pic_…` (and `$TOKEN`) with an admin token made by
 * `picloud token create`, `picloud.local` with this machine's address, the set-up code.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../server/paths.js';
import {
  type ApplianceProcess,
  killLeftoverApplianceProcesses,
  PICLOUD_BIN,
  runCli,
  startApplianceProcess,
} from '../support/appliance-process.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { LAN_ADDRESS } from '../support/machine.js';
import { type ExampleTarget, runShellExamples, shellBlocks } from '../support/shell-examples.js';

/** In the order they build on each other. */
const DOCUMENTS = [
  'docs/security.md',
  'README.md',
  'docs/http-api.md',
  'docs/modules.md',
  'docs/triggers.md',
  'docs/deploy.md',
  'docs/backup.md',
  'docs/desktop.md',
  'docs/lan-names.md',
  'docs/cluster.md',
  'docs/https.md',
];

let database: TestDatabase;
let dataDir: string;
let home: string;
let appliance: ApplianceProcess;
let target: ExampleTarget;

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'picloud-docs-'));
  chmodSync(dataDir, 0o755);
  home = join(dataDir, 'home');
  mkdirSync(home);
  const env = { PICLOUD_DATA_DIR: dataDir, PICLOUD_DATABASE_URL: database.url, PICLOUD_LOG_LEVEL: 'warn' };
  // mDNS off: on every interface of this machine it would announce names on the real network (the
  // mDNS tests run between network namespaces of their own, test/lan/).
  appliance = await startApplianceProcess(
    {
      ...env,
      PICLOUD_HOST: '0.0.0.0',
      PICLOUD_PANEL_PORT: '0',
      PICLOUD_MDNS: 'off',
    },
    // A first start migrates a fresh database: on a loaded machine that takes a while.
    90_000,
  );
  const setupCode = /set-up code: ([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})/.exec(appliance.output())?.[1];
  if (setupCode === undefined) throw new Error(`no set-up code printed:\n${appliance.output()}`);
  // The token the README has the reader make, made with the README's command.
  const made = await runCli(['token', 'create', '--name', 'docs', '--scope', 'admin', '--json'], env);
  if (made.code !== 0) throw new Error(`picloud token create: ${made.stderr}`);
  const token = (JSON.parse(made.stdout) as { token: string }).token;
  // "Another machine" is this one through its LAN address, when it has one.
  const machine = LAN_ADDRESS ?? 'localhost';
  // The HTTPS ports the appliance got (free ones, as PICLOUD_PORT is 0).
  const runtime = JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8'));
  target = {
    replacements: [
      ['localhost:8080', `localhost:${appliance.port}`],
      ['localhost:8081', `localhost:${appliance.panelPort}`],
      ['picloud.local:8080', `${machine}:${appliance.port}`],
      ['picloud.local:8081', `${machine}:${appliance.panelPort}`],
      ['localhost:8443', `localhost:${runtime.httpsPort}`],
      ['localhost:8444', `localhost:${runtime.panelHttpsPort}`],
      ['K7QF-2MZP-9XRA', setupCode],
      ['pic_…', token],
    ],
    env: {
      ...env,
      TOKEN: token,
      // What `picloud login` would ask for at a terminal (the shell here has none).
      PICLOUD_TOKEN: token,
      HOME: home,
      PICLOUD_CREDENTIALS: join(home, 'credentials.json'),
    },
    picloudBin: PICLOUD_BIN,
    cwd: home,
  };
}, 150_000);

afterAll(async () => {
  await appliance?.stop();
  await database?.drop();
  await killLeftoverApplianceProcesses();
  rmSync(dataDir, { recursive: true, force: true });
});

describe.sequential.each(DOCUMENTS)('the shell examples of %s', (document) => {
  const blocks = shellBlocks(readFileSync(join(PACKAGE_ROOT, document), 'utf8'));

  it('run against a real appliance and print what they say', async () => {
    const run = await runShellExamples(blocks, target);
    expect(run.failures, run.output.slice(-4000)).toEqual([]);
  }, 120_000);

  it('say why when they are not run', () => {
    for (const block of blocks.filter((b) => b.notRun !== null)) {
      expect(block.notRun?.trim().length, `${document}:${block.line}`).toBeGreaterThan(5);
    }
  });
});

it('covers every document with a shell example', () => {
  const withExamples = ['README.md', ...docsFiles()].filter(
    (file) => shellBlocks(readFileSync(join(PACKAGE_ROOT, file), 'utf8')).length > 0,
  );
  expect(new Set(DOCUMENTS)).toEqual(new Set(withExamples));
});

function docsFiles(): string[] {
  return readdirSync(join(PACKAGE_ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);
}
