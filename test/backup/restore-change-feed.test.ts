/**
 * A restore announces its changes through the change feed, as every control-plane write does: a
 * restore that fails — even at its very end, after every app was announced, when the secret files
 * cannot be installed — notifies nothing and changes nothing; a restore that succeeds notifies after
 * its commit (every listener then reads the restored data), and this appliance follows it before the
 * restore returns: the restored routes answer at once, without waiting for NOTIFY.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGE_CHANNEL, type Change } from '../../server/contracts/changes.js';
import { followCommits } from '../../server/manager/change-feed.js';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';
import { requestWithHost } from '../support/http.js';
import { backupServiceFor, populate } from './backup-fixtures.js';

let source: TestAppliance;
let target: TestAppliance;
let archive: string;
const backupDir = mkdtempSync(join(tmpdir(), 'picloud-restore-feed-'));
const PASSPHRASE = 'correct horse battery staple';

const serviceFor = (appliance: TestAppliance, dataDir = appliance.dataDir) =>
  backupServiceFor(appliance, backupDir, dataDir);

/**
 * What reaches the target: NOTIFYs on the change channel (each with whether the restored app was
 * visible to another connection when it arrived) and the changes this appliance's followers applied
 * (with the same visibility check).
 */
async function watch(appliance: TestAppliance) {
  const listener = new pg.Client({ connectionString: appliance.database.url });
  await listener.connect();
  const reader = new pg.Client({ connectionString: appliance.database.url });
  await reader.connect();
  const gardenVisible = async () =>
    (await reader.query("SELECT 1 FROM apps WHERE slug = 'garden'")).rowCount === 1;
  const notified: { change: Change; visible: Promise<boolean> }[] = [];
  listener.on('notification', (message) => {
    notified.push({ change: JSON.parse(message.payload ?? '{}'), visible: gardenVisible() });
  });
  await listener.query(`LISTEN ${CHANGE_CHANNEL}`);
  const followed: { changes: readonly Change[]; visible: boolean }[] = [];
  const unfollow = followCommits(appliance.appliance.database.db, {
    async applyCommitted(changes) {
      followed.push({ changes, visible: await gardenVisible() });
    },
  });
  return {
    notified,
    followed,
    async close() {
      unfollow();
      await listener.end();
      await reader.end();
    },
  };
}

beforeAll(async () => {
  source = await startTestAppliance();
  target = await startTestAppliance();
  await populate(source);
  archive = join(
    backupDir,
    (await serviceFor(source).create({ kind: 'manual', passphrase: PASSPHRASE })).name,
  );
}, 120_000);

afterAll(async () => {
  await source?.stop();
  await target?.stop();
  rmSync(backupDir, { recursive: true, force: true });
});

describe('a restore through the change feed', () => {
  it('that fails after announcing every app notifies nothing and changes nothing', async () => {
    const seen = await watch(target);
    try {
      // The secret files go into a folder that does not exist: installing them, the last step before
      // COMMIT, fails after the whole database was loaded and every app announced.
      const missing = join(backupDir, 'no-such-data-folder');
      await expect(
        serviceFor(target, missing).restoreFile(archive, { passphrase: PASSPHRASE, confirmReplace: true }),
      ).rejects.toThrow(/ENOENT/);
      // A NOTIFY sent on commit would be here well within this time.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(seen.notified).toEqual([]);
      expect(seen.followed).toEqual([]);
      const apps = (await target.api('GET', '/api/v1/admin/apps')).body.items.map((a: any) => a.slug);
      expect(apps).toEqual(['default']);
    } finally {
      await seen.close();
    }
  });

  it('that succeeds is followed here before it returns, and notified after its commit', async () => {
    const seen = await watch(target);
    try {
      const report = await serviceFor(target).restoreFile(archive, {
        passphrase: PASSPHRASE,
        confirmReplace: true,
      });
      expect(report.secrets).toBe('restored');
      // 1. This appliance's followers applied the restore's changes before it returned, after COMMIT.
      const { rows } = await target.database.pool.query("SELECT id::text FROM apps WHERE slug = 'garden'");
      const gardenId = rows[0].id;
      expect(seen.followed).toHaveLength(1);
      expect(seen.followed[0].visible).toBe(true);
      expect(seen.followed[0].changes).toEqual(
        expect.arrayContaining([
          { topic: 'apps', app: gardenId },
          { topic: 'triggers', app: gardenId },
        ]),
      );
      // …so the restored route answers at once: no waiting for NOTIFY.
      expect((await requestWithHost(`${target.baseUrl}/water/roses`, 'garden.lan')).status).toBe(200);
      // 2. Every other process gets the same changes by NOTIFY, sent on commit: the data is visible.
      await expect.poll(() => seen.notified.length).toBeGreaterThanOrEqual(seen.followed[0].changes.length);
      expect(seen.notified.map((n) => n.change)).toEqual(seen.followed[0].changes);
      for (const notification of seen.notified) expect(await notification.visible).toBe(true);
    } finally {
      await seen.close();
    }
  });
});
