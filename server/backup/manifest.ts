/**
 * The manifest of a whole-appliance backup (`manifest.json` at the archive's root): what made it, what
 * it holds, and the size and SHA-256 of every other file. A restore parses it against this schema and
 * checks every file against it before changing anything; a manifest that lies (a file it does not
 * list, a size or digest that differs, a table name that is no identifier) refuses the backup.
 */
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** The archive format this build writes and reads. */
export const BACKUP_FORMAT = 'picloud-backup';
/** Bumped when a reader of the previous version could no longer read what this one writes. */
export const BACKUP_FORMAT_VERSION = 1;

const Identifier = Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$' });
const FilePath = Type.String({ pattern: '^[a-z0-9][a-z0-9._/-]{0,200}$' });
const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

/** One table's rows, as PostgreSQL COPY text in `file`. */
const TableSchema = Type.Object(
  {
    name: Identifier,
    file: FilePath,
    columns: Type.Array(Identifier, { minItems: 1, maxItems: 200 }),
    rows: Count,
  },
  { additionalProperties: false },
);

/** Why a backup holds its secret files or not. */
const SecretsSchema = Type.Object(
  {
    /** True: `file` holds the secret files, sealed under a passphrase. False: none are in the backup. */
    sealed: Type.Boolean(),
    file: Type.Optional(FilePath),
    /** The secret files inside the seal (e.g. `secrets.key`). */
    names: Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' }), { maxItems: 16 }),
  },
  { additionalProperties: false },
);

/** The manifest's schema. */
export const BackupManifestSchema = Type.Object(
  {
    format: Type.Literal(BACKUP_FORMAT),
    format_version: Type.Literal(BACKUP_FORMAT_VERSION),
    id: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' }),
    created_at: Type.String({ maxLength: 40 }),
    kind: Type.Union([Type.Literal('manual'), Type.Literal('scheduled'), Type.Literal('pre-restore')]),
    product: Type.String({ maxLength: 40 }),
    sdk: Type.String({ maxLength: 20 }),
    api: Type.Integer(),
    schema: Type.Integer({ minimum: 1, maximum: 100_000 }),
    database: Type.Object(
      {
        source: Type.Union([Type.Literal('embedded'), Type.Literal('external')]),
        server_version: Type.String({ maxLength: 200 }),
        /** The applied migrations of the backed-up database: a restore checks them against its own. */
        migrations: Type.Array(
          Type.Object(
            {
              version: Type.Integer({ minimum: 1 }),
              name: Type.String({ maxLength: 200 }),
              checksum: Sha256,
            },
            { additionalProperties: false },
          ),
          { maxItems: 100_000 },
        ),
        tables: Type.Array(TableSchema, { maxItems: 500 }),
        sequences: Type.Array(
          Type.Object(
            { name: Identifier, value: Type.Union([Type.Integer(), Type.Null()]) },
            { additionalProperties: false },
          ),
          { maxItems: 500 },
        ),
        /** pg-boss's queues of PiCloud and their messages, or null when pg-boss was never installed. */
        pgboss: Type.Union([
          Type.Null(),
          Type.Object(
            {
              version: Type.Integer({ minimum: 1 }),
              queues_file: FilePath,
              jobs: TableSchema,
            },
            { additionalProperties: false },
          ),
        ]),
      },
      { additionalProperties: false },
    ),
    secrets: SecretsSchema,
    files: Type.Array(
      Type.Object({ path: FilePath, size: Count, sha256: Sha256 }, { additionalProperties: false }),
      { maxItems: 1_000 },
    ),
  },
  { additionalProperties: false },
);

/** A backup's manifest. */
export type BackupManifest = Static<typeof BackupManifestSchema>;
/** One table of {@link BackupManifest}. */
export type BackupTable = Static<typeof TableSchema>;

/**
 * Parses and checks manifest text.
 * @returns the manifest, or `{ error }` saying what is wrong.
 */
export function parseBackupManifest(text: string): BackupManifest | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'manifest.json is not JSON' };
  }
  const format = (value as { format?: unknown; format_version?: unknown } | null) ?? {};
  if (format.format !== BACKUP_FORMAT) return { error: 'manifest.json does not describe a PiCloud backup' };
  if (format.format_version !== BACKUP_FORMAT_VERSION) {
    return {
      error: `The backup has format version ${String(format.format_version)}; this PiCloud reads version ${BACKUP_FORMAT_VERSION}`,
    };
  }
  if (!Value.Check(BackupManifestSchema, value)) {
    const first = Value.Errors(BackupManifestSchema, value).First();
    return { error: `manifest.json is invalid at ${first?.path || '/'}: ${first?.message ?? 'unknown'}` };
  }
  return value;
}
