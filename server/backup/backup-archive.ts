/**
 * One backup archive: writing it (database export, sealed secret files, manifest, packed, then moved
 * into place with a rename so a reader never sees half a backup) and opening one (unpacked under the
 * bounds of server/archive/, every file checked against the manifest's size and SHA-256 before
 * anything may use it).
 */
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import type pg from 'pg';
import {
  ArchiveRefusedError,
  type ExtractLimits,
  extractArchive,
  packArchive,
  sha256File,
} from '../archive/safe-archive.js';
import { PicloudError } from '../errors/catalogue.js';
import { passphraseProblem } from '../security/passphrase-seal.js';
import { API_VERSION, PRODUCT_VERSION, SDK_VERSION } from '../version.js';
import { exportDatabase } from './database-export.js';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  type BackupManifest,
  parseBackupManifest,
} from './manifest.js';
import { readSecretFiles, sealSecretFiles } from './secret-files.js';

/** Why a backup was made. */
export type BackupKind = BackupManifest['kind'];

/** The file name of the sealed secret files inside an archive. */
export const SEALED_SECRETS_FILE = 'secrets.sealed.json';

/** The file names of backups in the backup folder. */
export const BACKUP_FILE_NAME =
  /^picloud-\d{8}T\d{6}Z-(manual|scheduled|pre-restore)-[0-9a-f]{8}\.backup\.tgz$/;

/** Paths a backup archive may hold. */
export function isBackupPath(path: string): boolean {
  return (
    path === 'manifest.json' ||
    path === SEALED_SECRETS_FILE ||
    /^db\/[a-z0-9_.]{1,80}\.(tsv|json)$/.test(path)
  );
}

/** Free bytes for this user on the file system holding `dir`. */
export function freeBytes(dir: string): number {
  const stats = statfsSync(dir);
  return Number(stats.bavail) * Number(stats.bsize);
}

/** Refuses (PICLOUD_ERR_BACKUP_DISK_FULL) when `dir`'s file system has less than `floor` bytes free. */
export function checkFreeSpace(dir: string, floor: number): void {
  const free = freeBytes(dir);
  if (free < floor) {
    throw new PicloudError(
      'PICLOUD_ERR_BACKUP_DISK_FULL',
      `Only ${Math.floor(free / 1048576)} MiB free in ${dir}, below the floor of ${Math.floor(floor / 1048576)} MiB (PICLOUD_BACKUP_MIN_FREE_MB): no backup was written`,
    );
  }
}

/** Every file under `dir`, as archive paths. */
function listFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(path, base));
    else out.push(relative(base, path).split('\\').join('/'));
  }
  return out.sort();
}

/** UTC time as a file-name stamp: 20260102T030405Z. */
export function fileStamp(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** What {@link writeBackupArchive} needs. */
export interface WriteBackupOptions {
  pool: pg.Pool;
  /** The data folder (its secret files go into the seal). */
  dataDir: string;
  /** Where the archive goes. */
  backupDir: string;
  source: 'embedded' | 'external';
  kind: BackupKind;
  /** Seals the secret files under it; without one they stay out of the backup. */
  passphrase: string | null;
  /** Free bytes that must remain on the backup folder's file system. */
  minFreeBytes: number;
  now?: Date;
}

/** A backup archive on disk. */
export interface BackupInfo {
  /** File name in the backup folder. */
  name: string;
  size: number;
  id: string;
  kind: BackupKind;
  created_at: string;
  product: string;
  schema: number;
  /** `sealed`: the secret files are inside, under a passphrase; `omitted`: they are not. */
  secrets: 'sealed' | 'omitted';
}

/** The info of a backup from its manifest. */
export function backupInfo(name: string, size: number, manifest: BackupManifest): BackupInfo {
  return {
    name,
    size,
    id: manifest.id,
    kind: manifest.kind,
    created_at: manifest.created_at,
    product: manifest.product,
    schema: manifest.schema,
    secrets: manifest.secrets.sealed ? 'sealed' : 'omitted',
  };
}

/** fsyncs a file or folder (a rename is durable only once its folder is). */
function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a backup into `backupDir`: staged in a `.partial-*` folder and file, then renamed into place.
 * @throws PICLOUD_ERR_BACKUP_DISK_FULL below the free-space floor (before or while writing).
 */
export async function writeBackupArchive(options: WriteBackupOptions): Promise<BackupInfo> {
  const now = options.now ?? new Date();
  const problem = options.passphrase === null ? null : passphraseProblem(options.passphrase);
  if (problem) throw new PicloudError('PICLOUD_ERR_BACKUP_PASSPHRASE', problem);
  mkdirSync(options.backupDir, { recursive: true, mode: 0o700 });
  checkFreeSpace(options.backupDir, options.minFreeBytes);
  const id = randomUUID();
  const staging = join(options.backupDir, `.partial-${id}`);
  const partialFile = `${staging}.tgz`;
  const name = `picloud-${fileStamp(now)}-${options.kind}-${id.slice(0, 8)}.backup.tgz`;
  mkdirSync(staging, { mode: 0o700 });
  try {
    const database = await exportDatabase(options.pool, staging, options.source, () =>
      checkFreeSpace(options.backupDir, options.minFreeBytes),
    );
    let secrets: BackupManifest['secrets'] = { sealed: false, names: [] };
    if (options.passphrase !== null) {
      const files = readSecretFiles(options.dataDir);
      const sealed = await sealSecretFiles(files, options.passphrase, id);
      writeFileSync(join(staging, SEALED_SECRETS_FILE), JSON.stringify(sealed), { mode: 0o600 });
      secrets = { sealed: true, file: SEALED_SECRETS_FILE, names: files.map((f) => f.name) };
    }
    const paths = listFiles(staging);
    const files = [];
    for (const path of paths) {
      files.push({
        path,
        size: statSync(join(staging, path)).size,
        sha256: await sha256File(join(staging, path)),
      });
    }
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      format_version: BACKUP_FORMAT_VERSION,
      id,
      created_at: now.toISOString(),
      kind: options.kind,
      product: PRODUCT_VERSION,
      sdk: SDK_VERSION,
      api: API_VERSION,
      schema: database.migrations.at(-1)?.version ?? 0,
      database,
      secrets,
      files,
    };
    writeFileSync(join(staging, 'manifest.json'), JSON.stringify(manifest, null, 2), { mode: 0o600 });
    checkFreeSpace(options.backupDir, options.minFreeBytes);
    await packArchive(staging, ['manifest.json', ...paths], partialFile);
    fsyncPath(partialFile);
    const target = join(options.backupDir, name);
    renameSync(partialFile, target);
    fsyncPath(options.backupDir);
    return backupInfo(name, statSync(target).size, manifest);
  } finally {
    rmSync(staging, { recursive: true, force: true });
    rmSync(partialFile, { force: true });
  }
}

/** An unpacked backup whose files all match its manifest. */
export interface VerifiedBackup {
  manifest: BackupManifest;
  /** The folder it was unpacked into (the caller removes it). */
  dir: string;
}

/**
 * Unpacks `source` into `workDir` (which must not exist) and checks it: a manifest that parses, every
 * file it lists present with its size and SHA-256, no file it does not list, and every file the
 * manifest's sections name among them.
 * @throws PICLOUD_ERR_BACKUP_INVALID with a message naming the first problem.
 */
export async function openBackupArchive(
  source: Readable,
  workDir: string,
  limits: ExtractLimits,
): Promise<VerifiedBackup> {
  let extracted: Awaited<ReturnType<typeof extractArchive>>;
  try {
    extracted = await extractArchive(source, workDir, limits, isBackupPath);
  } catch (error) {
    if (error instanceof ArchiveRefusedError) throw invalid(error.message);
    throw error;
  }
  if (!extracted.some((f) => f.path === 'manifest.json'))
    throw invalid('The archive has no manifest.json: not a PiCloud backup');
  const parsed = parseBackupManifest(readFileSync(join(workDir, 'manifest.json'), 'utf8'));
  if ('error' in parsed) throw invalid(parsed.error);
  const listed = new Map(parsed.files.map((f) => [f.path, f]));
  const present = new Map(extracted.filter((f) => f.path !== 'manifest.json').map((f) => [f.path, f]));
  for (const [path, file] of listed) {
    const actual = present.get(path);
    if (!actual) throw invalid(`The manifest lists ${path}, which the archive lacks (truncated?)`);
    if (actual.size !== file.size)
      throw invalid(`${path} has ${actual.size} bytes; the manifest says ${file.size}`);
    if (actual.sha256 !== file.sha256)
      throw invalid(`${path} does not match its SHA-256 in the manifest: the backup is damaged`);
  }
  for (const path of present.keys()) {
    if (!listed.has(path)) throw invalid(`The archive holds ${path}, which its manifest does not list`);
  }
  const named = [
    ...parsed.database.tables.map((t) => t.file),
    ...(parsed.database.pgboss ? [parsed.database.pgboss.queues_file, parsed.database.pgboss.jobs.file] : []),
    ...(parsed.secrets.sealed ? [parsed.secrets.file ?? ''] : []),
  ];
  for (const path of named) {
    if (!listed.has(path))
      throw invalid(`The manifest names ${path || 'a sealed secrets file'} but does not list it`);
  }
  return { manifest: parsed, dir: workDir };
}

function invalid(message: string): PicloudError {
  return new PicloudError('PICLOUD_ERR_BACKUP_INVALID', message);
}

/** Reads only the manifest of a backup file (its first entry): for listing. Null when unreadable. */
export async function readBackupManifest(path: string): Promise<BackupManifest | null> {
  const { Parser } = await import('tar');
  return new Promise((resolve) => {
    let done = false;
    const finish = (value: BackupManifest | null) => {
      if (done) return;
      done = true;
      stream.destroy();
      resolve(value);
    };
    const parser = new Parser({ brotli: false, zstd: false, maxMetaEntrySize: 1024 * 1024 });
    parser.on('entry', (entry) => {
      if (entry.path !== 'manifest.json' || entry.size > 4 * 1024 * 1024) {
        entry.resume();
        finish(null);
        return;
      }
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      entry.on('end', () => {
        const parsed = parseBackupManifest(Buffer.concat(chunks).toString('utf8'));
        finish('error' in parsed ? null : parsed);
      });
    });
    parser.on('error', () => finish(null));
    parser.on('end', () => finish(null));
    const stream = createReadStream(path);
    stream.on('error', () => finish(null));
    stream.pipe(parser as unknown as NodeJS.WritableStream);
  });
}
