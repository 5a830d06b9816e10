/**
 * Applies a verified backup (see backup-archive.ts) to a database and a data folder: opens the sealed
 * secret files when a passphrase is given (a wrong one refuses the restore before anything changes),
 * loads the database in one write transaction — the change feed's, as every control-plane change:
 * its changes are announced on commit (never on rollback) and followed by this node before the
 * restore returns, and the request's audit entry commits with it — and installs the secret files
 * just before that transaction commits (undone if the commit fails). Without the passphrase
 * everything but the secrets is restored, and the result says so.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { MigrationFile } from '../db/migrator.js';
import type { Database } from '../db/schema.js';
import { kyselyOnConnection } from '../db/single-connection.js';
import { PicloudError } from '../errors/catalogue.js';
import { announce, writeTransaction } from '../manager/change-feed.js';
import { loadSecretKey, secretKeyId } from '../manager/secrets/secret-key.js';
import { SealOpenError } from '../security/passphrase-seal.js';
import type { VerifiedBackup } from './backup-archive.js';
import { fileStamp } from './backup-archive.js';
import {
  type DatabaseImportResult,
  importDatabase,
  prepareDatabaseImport,
  RestoreRefusedError,
} from './database-import.js';
import {
  type InstalledSecretFiles,
  installSecretFiles,
  openSecretFiles,
  type SecretFile,
} from './secret-files.js';

/** What a restore did, for the person who asked. */
export interface RestoreResult extends DatabaseImportResult {
  /** The backup's id and time. */
  backup: { id: string; created_at: string; product: string; schema: number };
  /**
   * `restored`: the secret files and every secret came back. `not-restored`: the backup's secret files
   * are sealed and no passphrase was given — secrets sealed under another key were left out.
   * `not-in-backup`: the backup holds no secret files (made without a passphrase).
   */
  secrets: 'restored' | 'not-restored' | 'not-in-backup';
  /** Secret files of the data folder that were replaced, kept aside under these paths. */
  keptAside: string[];
  /** One line for a person. */
  message: string;
}

/** What a restore needs. */
export interface RestoreTarget {
  /** The appliance's database handle: the restore's changes are followed as its writes' are. */
  db: Kysely<Database>;
  /** A dedicated connection to the database to replace (the transaction and its COPY streams). */
  client: pg.ClientBase;
  /** The data folder that receives the secret files. */
  dataDir: string;
  migrations: MigrationFile[];
  installPgBoss: () => Promise<void>;
}

/** The id of the secrets key in `files`, or of the data folder's current key; null when neither. */
function readableKeyId(files: SecretFile[] | null, dataDir: string): string | null {
  const restored = files?.find((f) => f.name === 'secrets.key');
  if (restored) {
    const text = restored.data.toString('utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(text))
      throw new PicloudError('PICLOUD_ERR_BACKUP_INVALID', "The backup's secrets.key is malformed");
    return secretKeyId(Buffer.from(text, 'hex'));
  }
  try {
    return loadSecretKey(dataDir, { create: false })?.id ?? null;
  } catch {
    return null;
  }
}

/**
 * Opens the backup's sealed secret files with `passphrase`: null when there are none or no passphrase
 * was given. Called before anything changes: a wrong passphrase refuses the whole restore.
 * @throws PicloudError BACKUP_PASSPHRASE for a wrong passphrase, BACKUP_INVALID for a malformed seal.
 */
export async function openBackupSecrets(
  backup: VerifiedBackup,
  passphrase: string | null,
): Promise<SecretFile[] | null> {
  const { manifest } = backup;
  if (!manifest.secrets.sealed || passphrase === null) return null;
  const sealed: unknown = JSON.parse(readFileSync(join(backup.dir, manifest.secrets.file ?? ''), 'utf8'));
  try {
    return await openSecretFiles(sealed, passphrase, manifest.id);
  } catch (error) {
    if (error instanceof SealOpenError)
      throw new PicloudError('PICLOUD_ERR_BACKUP_PASSPHRASE', error.message);
    throw new PicloudError('PICLOUD_ERR_BACKUP_INVALID', (error as Error).message);
  }
}

/**
 * Restores `backup` into `target`, with the secret files {@link openBackupSecrets} opened (or null).
 * @throws PicloudError: BACKUP_PASSPHRASE (wrong passphrase), BACKUP_INCOMPATIBLE (the database refused
 *   it) — in both cases nothing changed.
 */
export async function restoreBackup(
  backup: VerifiedBackup,
  target: RestoreTarget,
  files: SecretFile[] | null,
): Promise<RestoreResult> {
  const { manifest } = backup;
  const keyId = readableKeyId(files, target.dataDir);
  const stamp = fileStamp(new Date());
  let installed: InstalledSecretFiles | null = null;
  let result: DatabaseImportResult;
  try {
    await prepareDatabaseImport(target.client, manifest.database, target);
    result = await writeTransaction(
      target.db,
      async (trx) => {
        const imported = await importDatabase(target.client, backup.dir, manifest.database, {
          migrations: target.migrations,
          readableSecretKeyIds: keyId === null ? [] : [keyId],
          announce: (change) => announce(trx, change),
        });
        // Last before COMMIT: a rollback from here on (the audit entry, COMMIT itself) undoes them.
        if (files) installed = installSecretFiles(target.dataDir, files, stamp);
        return imported;
      },
      kyselyOnConnection(target.client),
    );
  } catch (error) {
    (installed as InstalledSecretFiles | null)?.undo();
    if (error instanceof RestoreRefusedError)
      throw new PicloudError('PICLOUD_ERR_BACKUP_INCOMPATIBLE', error.message);
    throw error;
  }
  const secrets = files ? 'restored' : manifest.secrets.sealed ? 'not-restored' : 'not-in-backup';
  const skipped = result.secretsSkipped;
  const message =
    secrets === 'restored'
      ? 'Restored everything, secrets included.'
      : skipped === 0
        ? "Restored everything (no secret needed the backup's key)."
        : secrets === 'not-restored'
          ? `Restored everything but secrets: ${skipped} secret(s) were left out because no passphrase was given. Restore again with the passphrase, or set them again.`
          : `Restored everything but secrets: ${skipped} secret(s) were left out because the backup was made without a passphrase (its secrets.key is not inside). Set them again.`;
  return {
    ...result,
    backup: {
      id: manifest.id,
      created_at: manifest.created_at,
      product: manifest.product,
      schema: manifest.schema,
    },
    secrets,
    keptAside: (installed as InstalledSecretFiles | null)?.keptAside ?? [],
    message,
  };
}
