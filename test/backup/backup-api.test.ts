/**
 * `/api/v1/admin/backups` on a running appliance: write, list, download, delete; restore an uploaded
 * backup over live data (confirmation required; the appliance serves the restored state at once); and
 * what an attacker would send — archives whose manifest lies, uploads over the bound, a wrong
 * passphrase, tokens without the admin scope — refused with nothing changed.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../server/manager/auth/token-store.js';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';
import { requestWithHost } from '../support/http.js';
import { tarOf } from '../support/tar-builder.js';
import { populate, tableDump } from './backup-fixtures.js';

const PASSPHRASE = 'correct horse battery staple';
let pc: TestAppliance;
/**
 * The appliance's rows, but the audit log (every request, refused ones too, is audited), the API
 * tokens (their last use moves with every request) and the execution logs (written in batches, late).
 */
const dump = () =>
  tableDump(pc.appliance.database.pool, { skip: ['audit_log', 'api_tokens', 'execution_logs'] });

beforeAll(async () => {
  pc = await startTestAppliance({ backupMinFreeMb: 1, backupMaxMb: 1, backupSchedule: null });
  await populate(pc);
}, 60_000);
afterAll(async () => {
  await pc?.stop();
});

/** Uploads `body` to the restore route. */
async function upload(body: Buffer, { confirm = true, passphrase = PASSPHRASE as string | null } = {}) {
  const response = await fetch(
    `${pc.panelUrl}/api/v1/admin/backups:restore${confirm ? '?confirm=replace' : ''}`,
    {
      method: 'POST',
      headers: {
        authorization: `Bearer ${pc.token}`,
        'content-type': 'application/gzip',
        ...(passphrase ? { 'x-picloud-passphrase': passphrase } : {}),
      },
      body: new Uint8Array(body),
    },
  );
  return { status: response.status, body: await response.json() };
}

async function download(name: string): Promise<Buffer> {
  const response = await fetch(`${pc.panelUrl}/api/v1/admin/backups/${name}`, {
    headers: { authorization: `Bearer ${pc.token}` },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/gzip');
  return Buffer.from(await response.arrayBuffer());
}

let backup: { name: string; size: number };
let archive: Buffer;

describe('writing and reading backups', () => {
  it('writes one, lists it with the schedule, and downloads it', async () => {
    const made = await pc.api('POST', '/api/v1/admin/backups', { passphrase: PASSPHRASE });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({ kind: 'manual', secrets: 'sealed', schema: expect.any(Number) });
    backup = made.body;
    const listed = await pc.api('GET', '/api/v1/admin/backups');
    expect(listed.body.items).toEqual([made.body]);
    expect(listed.body.schedule).toMatchObject({ cron: null, next_at: null, keep: 7, seals_secrets: false });
    archive = await download(backup.name);
    expect(archive.length).toBe(backup.size);
  });

  it('refuses a short passphrase, and names outside the folder', async () => {
    expect((await pc.api('POST', '/api/v1/admin/backups', { passphrase: 'short' })).body.error.code).toBe(
      'PICLOUD_ERR_BACKUP_PASSPHRASE',
    );
    for (const name of ['..%2F..%2Fpostgres.password', 'secrets.key', 'picloud-x.backup.tgz']) {
      const response = await pc.api('GET', `/api/v1/admin/backups/${name}`);
      expect(response.status, name).toBe(404);
    }
  });

  it('needs the admin scope', async () => {
    const { token } = await createToken(pc.appliance.database.db, {
      name: 'reader',
      scopes: ['apps:read', 'scripts:write', 'secrets:write'],
      appId: null,
      expiresAt: null,
      createdBy: 'test',
    });
    for (const [method, path] of [
      ['GET', '/api/v1/admin/backups'],
      ['POST', '/api/v1/admin/backups'],
      ['GET', `/api/v1/admin/backups/${backup.name}`],
      ['POST', '/api/v1/admin/backups:restore'],
    ]) {
      const response = await fetch(`${pc.panelUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status, path).toBe(403);
    }
  });
});

describe('restoring an upload over live data', () => {
  it('needs a confirmation; without it nothing changes', async () => {
    await pc.api('POST', '/api/v1/admin/apps', { slug: 'later', name: 'Made after the backup' });
    const before = await dump();
    const refused = await upload(archive, { confirm: false });
    expect(refused).toMatchObject({
      status: 409,
      body: { error: { code: 'PICLOUD_ERR_BACKUP_CONFIRM_REQUIRED' } },
    });
    expect(await dump()).toEqual(before);
  });

  it('refuses a wrong passphrase with nothing changed', async () => {
    const before = await dump();
    const refused = await upload(archive, { passphrase: 'the wrong passphrase' });
    expect(refused).toMatchObject({
      status: 422,
      body: { error: { code: 'PICLOUD_ERR_BACKUP_PASSPHRASE' } },
    });
    expect(await dump()).toEqual(before);
  });

  it('replaces the data; the appliance serves the restored state at once, and kept the old one aside', async () => {
    const restored = await upload(archive);
    expect(restored.status, JSON.stringify(restored.body)).toBe(200);
    expect(restored.body).toMatchObject({ secrets: 'restored', preRestoreBackup: { kind: 'pre-restore' } });
    const apps = (await pc.api('GET', '/api/v1/admin/apps')).body.items.map((a: { slug: string }) => a.slug);
    expect(apps).toEqual(['default', 'garden']);
    // Routing followed the restore through the change channel.
    await expect
      .poll(async () => (await requestWithHost(`${pc.baseUrl}/water/roses`, 'garden.lan')).status)
      .toBe(200);
    const listed = (await pc.api('GET', '/api/v1/admin/backups')).body.items;
    expect(listed.map((b: { kind: string }) => b.kind).sort()).toEqual(['manual', 'pre-restore']);
  });
});

/** An archive with `manifest` and `files`, gzipped. */
function archiveOf(manifest: unknown, files: Record<string, string>): Buffer {
  return gzipSync(
    tarOf([
      { path: 'manifest.json', body: JSON.stringify(manifest) },
      ...Object.entries(files).map(([path, body]) => ({ path, body })),
    ]),
  );
}

describe('uploads an attacker would send', () => {
  let manifest: any;
  let files: Record<string, string>;
  const work = mkdtempSync(join(tmpdir(), 'picloud-lies-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  beforeAll(async () => {
    // The genuine backup, unpacked: each test changes one thing and packs it again.
    const { extractArchive } = await import('../../server/archive/safe-archive.js');
    const { Readable } = await import('node:stream');
    const dir = join(work, 'genuine');
    const extracted = await extractArchive(
      Readable.from([archive]),
      dir,
      {
        maxCompressedBytes: 1e8,
        maxTotalBytes: 1e8,
        maxEntryBytes: 1e8,
        maxEntries: 1000,
      },
      () => true,
    );
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    files = Object.fromEntries(
      extracted
        .filter((f) => f.path !== 'manifest.json')
        .map((f) => [f.path, readFileSync(join(dir, f.path), 'utf8')]),
    );
  });

  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  const lies: [string, () => Buffer, RegExp][] = [
    [
      'a file whose size differs',
      () => archiveOf(manifest, { ...files, 'db/apps.tsv': `${files['db/apps.tsv']}x` }),
      /has \d+ bytes; the manifest says/,
    ],
    [
      'a file changed together with its size, but not its digest',
      () => {
        const changed = files['db/apps.tsv'].replace('garden', 'gardex');
        return archiveOf(manifest, { ...files, 'db/apps.tsv': changed });
      },
      /SHA-256/,
    ],
    [
      'a file the manifest does not list',
      () => archiveOf(manifest, { ...files, 'db/extra.tsv': 'x' }),
      /does not list/,
    ],
    [
      'a file the manifest lists but the archive lacks',
      () => {
        const { 'db/apps.tsv': _gone, ...rest } = files;
        return archiveOf(manifest, rest);
      },
      /lacks/,
    ],
    [
      'a table whose file is not listed',
      () => {
        const lying = structuredClone(manifest);
        lying.database.tables[0].file = 'db/elsewhere.tsv';
        return archiveOf(lying, files);
      },
      /does not list/,
    ],
    [
      'a table name that is no identifier',
      () => {
        const lying = structuredClone(manifest);
        lying.database.tables[0].name = 'apps; DROP TABLE admins';
        return archiveOf(lying, files);
      },
      /manifest.json is invalid/,
    ],
    [
      'a row count that differs from its file',
      () => {
        const lying = structuredClone(manifest);
        const apps = lying.database.tables.find((t: { name: string }) => t.name === 'apps');
        apps.rows += 1;
        return archiveOf(lying, files);
      },
      /holds 2 rows, its manifest says 3/,
    ],
    [
      'a forged row with a digest to match',
      () => {
        const lying = structuredClone(manifest);
        const forged = `${files['db/admins.tsv']}not\ta\tvalid\trow\n`;
        const entry = lying.files.find((f: { path: string }) => f.path === 'db/admins.tsv');
        entry.size = Buffer.byteLength(forged);
        entry.sha256 = sha(forged);
        return archiveOf(lying, { ...files, 'db/admins.tsv': forged });
      },
      /refused the backup's data/,
    ],
    [
      'a manifest that is not JSON',
      () => gzipSync(tarOf([{ path: 'manifest.json', body: '{' }])),
      /not JSON/,
    ],
    ['no manifest at all', () => gzipSync(tarOf([{ path: 'db/apps.tsv', body: '' }])), /no manifest/],
    ['a path traversal', () => gzipSync(tarOf([{ path: '../../secrets.key', body: 'x' }])), /unsafe/],
    [
      'a symbolic link',
      () => gzipSync(tarOf([{ path: 'manifest.json', type: 'SymbolicLink', linkpath: '/etc/shadow' }])),
      /regular files/,
    ],
  ];

  it.each(lies)('refuses %s, changing nothing', async (_name, build, message) => {
    const before = await dump();
    const key = readFileSync(join(pc.dataDir, 'secrets.key'), 'utf8');
    const refused = await upload(build());
    expect(refused.status, JSON.stringify(refused.body)).toBe(422);
    expect(refused.body.error.code).toMatch(/PICLOUD_ERR_BACKUP_(INVALID|INCOMPATIBLE)/);
    expect(refused.body.error.message).toMatch(message);
    expect(await dump()).toEqual(before);
    expect(readFileSync(join(pc.dataDir, 'secrets.key'), 'utf8')).toBe(key);
  });

  it('bounds uploads: over PICLOUD_BACKUP_MAX_MB is refused before it is read', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, 1);
    const refused = await upload(big);
    expect(refused).toMatchObject({
      status: 413,
      body: { error: { code: 'PICLOUD_ERR_HTTP_BODY_TOO_LARGE' } },
    });
    writeFileSync(join(work, 'unused'), '');
  });

  it('bounds uploads without a length: a chunked stream stops at the bound', async () => {
    const chunks = (async function* () {
      for (let i = 0; i < 40; i++) yield Buffer.alloc(64 * 1024, i);
    })();
    const response = await fetch(`${pc.panelUrl}/api/v1/admin/backups:restore?confirm=replace`, {
      method: 'POST',
      headers: { authorization: `Bearer ${pc.token}`, 'content-type': 'application/gzip' },
      body: chunks as unknown as BodyInit,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(422);
    expect((await response.json()).error.code).toBe('PICLOUD_ERR_BACKUP_INVALID');
  });

  it('refuses another content type', async () => {
    const response = await pc.api('POST', '/api/v1/admin/backups:restore', { archive: 'x' });
    expect(response.status).toBe(415);
  });
});

describe('deleting', () => {
  it('removes a backup from the folder', async () => {
    expect((await pc.api('DELETE', `/api/v1/admin/backups/${backup.name}`)).status).toBe(204);
    expect((await pc.api('GET', `/api/v1/admin/backups/${backup.name}`)).status).toBe(404);
  });
});
