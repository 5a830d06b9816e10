/**
 * The acceptance scenario of whole-appliance backups, as a user runs it — real `picloud` processes,
 * each with its own embedded PostgreSQL:
 *  1. an appliance serves a KV endpoint that 4 clients write to without pause;
 *  2. `picloud backup create` runs meanwhile (PiCloud keeps serving);
 *  3. `picloud backup restore` puts it into a fresh data folder, and a second appliance starts there on
 *     another port: every write acknowledged before the backup started is there, and the apps, scripts
 *     with their versions, routes, triggers and secrets (the passphrase was given) are identical;
 *  4. a damaged or truncated copy of the backup is refused with a clear error and changes nothing.
 */
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApplianceProcess,
  killLeftoverApplianceProcesses,
  runCli,
  startApplianceProcess,
} from '../support/appliance-process.js';
import { requestWithHost } from '../support/http.js';
import { populate, SECRET_VALUE } from './backup-fixtures.js';

const PASSPHRASE = 'a long and lovely passphrase';
const work = mkdtempSync(join(tmpdir(), 'picloud-backup-e2e-'));
// Run as root, PostgreSQL runs as the `picloud` user, who must be able to pass through this folder.
chmodSync(work, 0o755);
const source = { dataDir: join(work, 'source'), backups: join(work, 'backups') };
const target = { dataDir: join(work, 'target') };
const env = (dataDir: string) => ({
  PICLOUD_DATA_DIR: dataDir,
  PICLOUD_BACKUP_SCHEDULE: 'off',
  PICLOUD_BACKUP_MIN_FREE_MB: '1',
});

/** An appliance process with an admin token, and its API. */
interface Running {
  process: ApplianceProcess;
  base: string;
  token: string;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

async function run(dataDir: string): Promise<Running> {
  const process = await startApplianceProcess(env(dataDir));
  const base = `http://127.0.0.1:${process.port}`;
  const panel = `http://127.0.0.1:${process.panelPort}`;
  // A fresh install needs its owner first (set-up from this machine needs no code); a restored one has it.
  await fetch(`${panel}/api/v1/auth/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'owner', password: 'correct horse battery staple' }),
  });
  const made = await runCli(
    ['token', 'create', '--name', 'test', '--scope', 'admin', '--json'],
    env(dataDir),
  );
  expect(made.code, made.stderr).toBe(0);
  const token = JSON.parse(made.stdout).token as string;
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${panel}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  return { process, base, token, api };
}

/** What must survive a backup: the garden app as the API shows it. */
async function appState(appliance: Running) {
  const apps = (await appliance.api('GET', '/api/v1/admin/apps')).body.items;
  const scripts = (await appliance.api('GET', '/api/v1/admin/scripts?app=garden&limit=200')).body.items;
  const versions: Record<string, unknown> = {};
  for (const script of scripts) {
    const list = (await appliance.api('GET', `/api/v1/admin/scripts/${script.id}/versions`)).body.items;
    versions[script.name] = await Promise.all(
      list.map(
        async (v: { version: number }) =>
          (await appliance.api('GET', `/api/v1/admin/scripts/${script.id}/versions/${v.version}`)).body,
      ),
    );
  }
  const routes = (await appliance.api('GET', '/api/v1/admin/apps/garden/routes')).body;
  const triggers = (await appliance.api('GET', '/api/v1/admin/apps/garden/triggers')).body;
  const secrets = (await appliance.api('GET', '/api/v1/admin/apps/garden/secrets')).body;
  return { apps, scripts, versions, routes, triggers, secrets };
}

async function kvValue(appliance: Running, key: string): Promise<unknown> {
  const response = await appliance.api('GET', `/api/v1/admin/apps/garden/kv/writes/${key}`);
  return response.status === 200 ? response.body.value : undefined;
}

let primary: Running;
let backupFile: string;
const acknowledgedBeforeBackup: string[] = [];

beforeAll(async () => {
  primary = await run(source.dataDir);
  await populate(primary);
  const saved = await primary.api('POST', '/api/v1/admin/scripts', {
    app: 'garden',
    name: 'write',
    source: 'kv::set("writes", ctx.params.key, ctx.params.n); #{ ok: true }',
  });
  expect(saved.status).toBe(201);
  await primary.api('POST', '/api/v1/admin/scripts', {
    app: 'garden',
    name: 'reveal',
    source: 'secret::get("TOKEN")',
  });
  await primary.api('POST', '/api/v1/admin/apps/garden/routes', {
    script: 'write',
    methods: ['POST'],
    path: '/w/:key/:n',
  });
  await primary.api('POST', '/api/v1/admin/apps/garden/routes', {
    script: 'reveal',
    methods: ['GET'],
    path: '/reveal',
  });
}, 120_000);

afterAll(async () => {
  await killLeftoverApplianceProcesses();
  rmSync(work, { recursive: true, force: true });
});

/** Calls a route of the garden app (through its host claim). */
function garden(appliance: Running, method: string, path: string) {
  return requestWithHost(`${appliance.base}${path}`, 'garden.lan', { method });
}

describe('a backup taken while 4 clients write', () => {
  it('is written while PiCloud serves', async () => {
    let writing = true;
    let backupStarted = false;
    // 1. Four clients write without pause; each write acknowledged before the backup starts is noted.
    const clients = [0, 1, 2, 3].map(async (client) => {
      for (let n = 0; writing; n++) {
        const key = `c${client}-${n}`;
        const response = await garden(primary, 'POST', `/w/${key}/${n}`);
        expect(response.status, response.text).toBe(200);
        if (!backupStarted) acknowledgedBeforeBackup.push(key);
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // 2. The backup starts; writes keep coming while it runs.
    backupStarted = true;
    const made = await runCli(
      ['backup', 'create', '--passphrase-stdin', '--to', source.backups, '--json'],
      env(source.dataDir),
      `${PASSPHRASE}\n`,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    writing = false;
    await Promise.all(clients);
    expect(made.code, made.stderr).toBe(0);
    const info = JSON.parse(made.stdout);
    expect(info).toMatchObject({ kind: 'manual', secrets: 'sealed' });
    backupFile = join(source.backups, info.name);
    expect(statSync(backupFile).size).toBeGreaterThan(0);
    expect(acknowledgedBeforeBackup.length).toBeGreaterThan(20);
    const listed = await runCli(['backup', 'list', '--json'], {
      ...env(source.dataDir),
      PICLOUD_BACKUP_DIR: source.backups,
    });
    expect(JSON.parse(listed.stdout).items.map((b: { name: string }) => b.name)).toEqual([info.name]);
  }, 120_000);

  it('restores into a fresh data folder: every acknowledged write, the apps and the secrets are there', async () => {
    const restored = await runCli(
      ['backup', 'restore', backupFile, '--passphrase-stdin', '--json'],
      env(target.dataDir),
      `${PASSPHRASE}\n`,
    );
    expect(restored.code, restored.stderr).toBe(0);
    const report = JSON.parse(restored.stdout);
    expect(report).toMatchObject({ secrets: 'restored', secretsSkipped: 0, preRestoreBackup: null });
    const second = await run(target.dataDir);
    try {
      expect(second.process.port).not.toBe(primary.process.port);
      for (const key of acknowledgedBeforeBackup) {
        expect(await kvValue(second, key), key).toBe(key.split('-')[1]);
      }
      const before = await appState(primary);
      const after = await appState(second);
      expect(after).toEqual(before);
      expect(after.versions.water).toHaveLength(2);
      const revealed = await garden(second, 'GET', '/reveal');
      expect(revealed.text).toBe(SECRET_VALUE);
    } finally {
      await second.process.stop();
    }
  }, 180_000);

  it('refuses a damaged or truncated backup with a clear error and changes nothing', async () => {
    const damaged = join(work, 'damaged.tgz');
    const bytes = readFileSync(backupFile);
    const flipped = Buffer.from(bytes);
    flipped[Math.floor(flipped.length / 2)] ^= 0xff;
    writeFileSync(damaged, flipped);
    const truncated = join(work, 'truncated.tgz');
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const notABackup = join(work, 'not-a-backup.tgz');
    copyFileSync(join(source.dataDir, 'postgres.password'), notABackup);
    for (const file of [damaged, truncated, notABackup]) {
      const refused = await runCli(
        ['backup', 'restore', file, '--passphrase-stdin', '--yes'],
        env(target.dataDir),
        `${PASSPHRASE}\n`,
      );
      expect(refused.code, file).toBe(1);
      expect(refused.stderr).toMatch(/damaged|truncated|not a PiCloud backup|SHA-256/);
    }
    // Nothing changed: no pre-restore backup was needed, and the restored appliance still has it all.
    const second = await run(target.dataDir);
    try {
      const listed = await second.api('GET', '/api/v1/admin/backups');
      expect(listed.body.items).toEqual([]);
      expect(await appState(second)).toEqual(await appState(primary));
      expect(await kvValue(second, acknowledgedBeforeBackup[0])).toBe('0');
    } finally {
      await second.process.stop();
    }
  }, 180_000);
});
