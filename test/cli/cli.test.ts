/**
 * The `picloud` command as a user runs it: version, status, start-up errors with clear messages.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { latestSchemaVersion, readMigrations } from '../../server/db/migrator.js';
import { MIGRATIONS_DIR } from '../../server/paths.js';
import { PRODUCT_VERSION, SDK_VERSION } from '../../server/version.js';
import {
  killLeftoverApplianceProcesses,
  runCli,
  startApplianceProcess,
} from '../support/appliance-process.js';

const scratch = mkdtempSync(join(tmpdir(), 'picloud-cli-'));
// Run as root, PostgreSQL runs as an unprivileged user that must be able to pass through here.
chmodSync(scratch, 0o755);
afterAll(async () => {
  await killLeftoverApplianceProcesses();
  rmSync(scratch, { recursive: true, force: true });
});
const schema = latestSchemaVersion(readMigrations(MIGRATIONS_DIR));

describe('picloud version', () => {
  it('prints every surface version', async () => {
    const { code, stdout } = await runCli(['version'], {});
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(
      `picloud ${PRODUCT_VERSION} (sdk ${SDK_VERSION}, api v1, schema ${schema}, wire v1)`,
    );
  });

  it('--json is machine-readable', async () => {
    const { stdout } = await runCli(['version', '--json'], {});
    expect(JSON.parse(stdout)).toEqual({ product: PRODUCT_VERSION, sdk: '1.3', api: 1, schema, wire: 1 });
  });
});

describe('usage errors', () => {
  it('an unknown command exits 2 with the usage', async () => {
    const { code, stderr } = await runCli(['launch'], {});
    expect(code).toBe(2);
    expect(stderr).toContain('unknown command "launch"');
    expect(stderr).toContain('Usage: picloud <command>');
  });

  it('an unknown option is refused', async () => {
    const { code, stderr } = await runCli(['version', '--jsn'], {});
    expect(code).toBe(2);
    expect(stderr).toMatch(/Unknown option '--jsn'/);
  });
});

describe('picloud start refuses bad configuration', () => {
  it.each([
    [{ PICLOUD_PORT: 'http' }, /PICLOUD_PORT='http'/],
    [{ PICLOUD_DATABASE_URL: 'mysql://db/x' }, /PICLOUD_DATABASE_URL/],
    [{ PICLOUD_LOG_LEVEL: 'chatty' }, /PICLOUD_LOG_LEVEL='chatty'/],
  ])('%o', async (env, message) => {
    const { code, stderr } = await runCli(['start'], { PICLOUD_DATA_DIR: join(scratch, 'unused'), ...env });
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
  });

  it('a data folder that cannot be created', async () => {
    const blocker = join(scratch, 'a-file');
    writeFileSync(blocker, '');
    const { code, stderr } = await runCli(['start'], { PICLOUD_DATA_DIR: join(blocker, 'data') });
    expect(code).toBe(1);
    expect(stderr).toMatch(/PICLOUD_DATA_DIR=.*a-file\/data cannot be created/);
  });

  it('an unreachable external database', async () => {
    const { code, stderr } = await runCli(['start'], {
      PICLOUD_DATA_DIR: join(scratch, 'external'),
      PICLOUD_DATABASE_URL: 'postgres://picloud:x@127.0.0.1:1/picloud',
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/could not start: .*ECONNREFUSED/);
  });
});

describe('picloud status', () => {
  it('says "not running" with exit code 3 when nothing runs', async () => {
    const dataDir = join(scratch, 'idle');
    mkdirSync(dataDir);
    const { code, stdout } = await runCli(['status'], { PICLOUD_DATA_DIR: dataDir });
    expect(code).toBe(3);
    expect(stdout).toContain('PiCloud is not running');
  });

  it('reports a running appliance, and a second start on the same data folder is refused', async () => {
    const dataDir = join(scratch, 'running');
    const appliance = await startApplianceProcess({ PICLOUD_DATA_DIR: dataDir });
    try {
      const human = await runCli(['status'], { PICLOUD_DATA_DIR: dataDir });
      expect(human.code).toBe(0);
      expect(human.stdout).toContain(`PiCloud ${PRODUCT_VERSION} is running (pid ${appliance.child.pid}`);
      expect(human.stdout).toContain('health:    ok');
      expect(human.stdout).toContain(`panel:     http://localhost:${appliance.panelPort}/`);
      expect(human.stdout).toContain(`endpoints: http://localhost:${appliance.port}/`);
      const json = JSON.parse((await runCli(['status', '--json'], { PICLOUD_DATA_DIR: dataDir })).stdout);
      expect(json).toMatchObject({
        running: true,
        healthy: true,
        port: appliance.port,
        panelPort: appliance.panelPort,
        panelUrl: `http://localhost:${appliance.panelPort}/`,
        localUrl: `http://localhost:${appliance.port}/`,
        database: 'embedded',
      });
      expect(appliance.panelPort).not.toBe(appliance.port);
      expect(json.versions).toMatchObject({ schema });

      const second = await runCli(['start'], { PICLOUD_DATA_DIR: dataDir, PICLOUD_PORT: '0' });
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(
        `PiCloud is already running with data folder ${dataDir} (pid ${appliance.child.pid})`,
      );
    } finally {
      expect(await appliance.stop()).toBe(0);
    }
    expect((await runCli(['status'], { PICLOUD_DATA_DIR: dataDir })).code).toBe(3);
  }, 60_000);

  it('a data folder PostgreSQL cannot write to is a clear error', async () => {
    const dataDir = join(scratch, 'read-only');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o500);
    try {
      const { code, stderr } = await runCli(['start'], { PICLOUD_DATA_DIR: join(dataDir, 'inner') });
      expect(code).toBe(1);
      expect(stderr).toMatch(/PICLOUD_DATA_DIR=.*inner/);
    } finally {
      chmodSync(dataDir, 0o700);
    }
  });
});
