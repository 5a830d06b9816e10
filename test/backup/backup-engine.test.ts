/**
 * The backup engine against real PostgreSQL: a backup of one appliance restored into another database
 * gives back the same rows in every table (apps, scripts with their versions, routes, triggers, KV,
 * secrets with the passphrase, pg-boss queue messages); without the passphrase everything but the
 * secrets comes back and the result says so; a wrong passphrase, an archive from a newer schema or a
 * restore over data without confirmation change nothing.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupService } from '../../server/backup/backup-service.js';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';
import { backupServiceFor, populate, tableDump } from './backup-fixtures.js';

let source: TestAppliance;
let target: TestAppliance;
const backupDir = mkdtempSync(join(tmpdir(), 'picloud-backups-'));
const PASSPHRASE = 'correct horse battery staple';

const serviceFor = (appliance: TestAppliance, dir = backupDir) => backupServiceFor(appliance, dir);

beforeAll(async () => {
  source = await startTestAppliance();
  target = await startTestAppliance();
  await populate(source);
  // The audit entry of the last request is written just after its response: let it land.
  await new Promise((resolve) => setTimeout(resolve, 500));
}, 120_000);

afterAll(async () => {
  await source?.stop();
  await target?.stop();
  rmSync(backupDir, { recursive: true, force: true });
});

describe('a backup restored into another database', () => {
  it('brings back every table, secrets included with the passphrase', async () => {
    const info = await serviceFor(source).create({ kind: 'manual', passphrase: PASSPHRASE });
    expect(info.secrets).toBe('sealed');
    const before = await tableDump(source.appliance.database.pool);
    expect(before['pgboss.job']).toHaveLength(1);
    expect(before.script_versions.length).toBeGreaterThanOrEqual(4);
    expect(before.app_secrets).toHaveLength(1);
    const report = await serviceFor(target).restoreFile(join(backupDir, info.name), {
      passphrase: PASSPHRASE,
      confirmReplace: true,
    });
    expect(report.secrets).toBe('restored');
    expect(report.secretsSkipped).toBe(0);
    expect(report.preRestoreBackup?.kind).toBe('pre-restore');
    expect(await tableDump(target.appliance.database.pool)).toEqual(before);
    expect(readFileSync(join(target.dataDir, 'secrets.key'), 'utf8')).toBe(
      readFileSync(join(source.dataDir, 'secrets.key'), 'utf8'),
    );
    // The appliance CA travels sealed too: devices that trust the source trust the restored appliance.
    expect(readFileSync(join(target.dataDir, 'ca.pem'), 'utf8')).toBe(
      readFileSync(join(source.dataDir, 'ca.pem'), 'utf8'),
    );
    expect(statSync(join(target.dataDir, 'ca.pem')).mode & 0o777).toBe(0o600);
  });
});

describe('refusals change nothing', () => {
  let name: string;
  beforeAll(async () => {
    name = (await serviceFor(source).create({ kind: 'manual', passphrase: PASSPHRASE })).name;
  });

  it('a wrong passphrase', async () => {
    const before = await tableDump(target.appliance.database.pool);
    const key = readFileSync(join(target.dataDir, 'secrets.key'), 'utf8');
    await expect(
      serviceFor(target).restoreFile(join(backupDir, name), {
        passphrase: 'not the passphrase',
        confirmReplace: true,
      }),
    ).rejects.toMatchObject({ code: 'PICLOUD_ERR_BACKUP_PASSPHRASE' });
    expect(await tableDump(target.appliance.database.pool)).toEqual(before);
    expect(readFileSync(join(target.dataDir, 'secrets.key'), 'utf8')).toBe(key);
  });

  it('a restore over data without confirmation', async () => {
    const before = await tableDump(target.appliance.database.pool);
    await expect(
      serviceFor(target).restoreFile(join(backupDir, name), {
        passphrase: PASSPHRASE,
        confirmReplace: false,
      }),
    ).rejects.toMatchObject({ code: 'PICLOUD_ERR_BACKUP_CONFIRM_REQUIRED' });
    expect(await tableDump(target.appliance.database.pool)).toEqual(before);
  });

  it('a backup with a migration this build does not know', async () => {
    const service = serviceFor(target);
    const migrations = [...service.options.migrations];
    const shorter = new BackupService({ ...service.options, migrations: migrations.slice(0, -1) });
    const before = await tableDump(target.appliance.database.pool);
    await expect(
      shorter.restoreFile(join(backupDir, name), { passphrase: PASSPHRASE, confirmReplace: true }),
    ).rejects.toMatchObject({
      code: 'PICLOUD_ERR_BACKUP_INCOMPATIBLE',
      message: expect.stringContaining('newer PiCloud'),
    });
    expect(await tableDump(target.appliance.database.pool)).toEqual(before);
  });
});

describe('without the passphrase', () => {
  it('restores everything but the secrets, and says so', async () => {
    const fresh = await startTestAppliance();
    try {
      const info = await serviceFor(source).create({ kind: 'manual', passphrase: PASSPHRASE });
      const report = await serviceFor(fresh).restoreFile(join(backupDir, info.name), {
        passphrase: null,
        confirmReplace: true,
      });
      expect(report.secrets).toBe('not-restored');
      expect(report.secretsSkipped).toBe(1);
      expect(report.message).toMatch(/everything but secrets: 1 secret/);
      const restored = await tableDump(fresh.appliance.database.pool);
      const original = await tableDump(source.appliance.database.pool);
      expect(restored.app_secrets).toEqual([]);
      expect({ ...restored, app_secrets: [] }).toEqual({ ...original, app_secrets: [] });
    } finally {
      await fresh.stop();
    }
  });

  it('a backup made without a passphrase holds no secret file and says so', async () => {
    const info = await serviceFor(source).create({ kind: 'manual', passphrase: null });
    expect(info.secrets).toBe('omitted');
  });
});

describe('rotation', () => {
  it('keeps the newest scheduled backups; manual ones stay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'picloud-rotation-'));
    try {
      const service = serviceFor(source, dir);
      const manual = await service.create({ kind: 'manual', passphrase: null });
      const made = [];
      for (let i = 0; i < 3; i++) made.push(await service.create({ kind: 'scheduled', passphrase: null }));
      const names = (await service.list()).map((b) => b.name).sort();
      expect(names).toEqual([manual.name, made[1].name, made[2].name].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
