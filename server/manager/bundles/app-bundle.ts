/**
 * App bundles (`.picloud.tgz`): one app, portable between appliances. A bundle holds the app as an
 * {@link AppSpec} (settings, host claims, scripts — with every version when asked — routes, triggers),
 * its KV data when asked, its secrets' names, and their values only sealed under a passphrase; plus a
 * manifest with every file's size and SHA-256. Importing checks everything first (the archive, the
 * manifest, every script compiled, conflicts with this appliance's slugs and host claims), can answer
 * the plan without writing (dry run), and writes all of it in one transaction or nothing.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Kysely } from 'kysely';
import { ArchiveRefusedError, extractArchive, packArchive, sha256File } from '../../archive/safe-archive.js';
import type { ScriptChecker } from '../../contracts/script-checker.js';
import type { Database, JsonValue } from '../../db/schema.js';
import { PicloudError } from '../../errors/catalogue.js';
import {
  openWithPassphrase,
  passphraseProblem,
  SealOpenError,
  sealWithPassphrase,
} from '../../security/passphrase-seal.js';
import { PRODUCT_VERSION, SDK_VERSION } from '../../version.js';
import { type AppSpec, checkAppSpec, parseAppSpec } from '../app-spec/app-spec.js';
import { type AppPlan, applyAppSpec } from '../app-spec/apply-app-spec.js';
import { readAppSpec } from '../app-spec/read-app-spec.js';
import { sealSecret } from '../secrets/secret-cipher.js';
import type { SecretKeyring } from '../secrets/secret-key.js';
import type { SecretStore } from '../secrets/secret-store.js';

const ManifestSchema = Type.Object(
  {
    format: Type.Literal('picloud-app-bundle'),
    format_version: Type.Literal(1),
    id: Type.String({ pattern: '^[0-9a-f-]{36}$' }),
    created_at: Type.String({ maxLength: 40 }),
    product: Type.String({ maxLength: 40 }),
    sdk: Type.String({ maxLength: 20 }),
    slug: Type.String({ maxLength: 63 }),
    history: Type.Boolean(),
    kv: Type.Boolean(),
    secrets: Type.Object(
      { names: Type.Array(Type.String({ maxLength: 128 }), { maxItems: 10_000 }), sealed: Type.Boolean() },
      { additionalProperties: false },
    ),
    files: Type.Array(
      Type.Object(
        {
          path: Type.String({ maxLength: 64 }),
          size: Type.Integer({ minimum: 0 }),
          sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
        },
        { additionalProperties: false },
      ),
      { maxItems: 10 },
    ),
  },
  { additionalProperties: false },
);
type BundleManifest = Static<typeof ManifestSchema>;

const BUNDLE_PATHS = new Set(['manifest.json', 'app.json', 'kv.jsonl', 'secrets.sealed.json']);
/** Bounds of an uploaded bundle: 64 MiB packed, 256 MiB unpacked. */
export const BUNDLE_LIMITS = {
  maxCompressedBytes: 64 * 1024 * 1024,
  maxTotalBytes: 256 * 1024 * 1024,
  maxEntryBytes: 256 * 1024 * 1024,
  maxEntries: 4,
};

/** What to put in a bundle. */
export interface ExportOptions {
  history: boolean;
  kv: boolean;
  /** Seals the secrets' values under it; without one only their names travel. */
  passphrase: string | null;
}

function invalid(message: string): PicloudError {
  return new PicloudError('PICLOUD_ERR_BUNDLE_INVALID', message);
}

/**
 * Writes the bundle of `appId` into a fresh temporary file; the caller streams it and removes it.
 * @returns the file's path and its suggested name.
 */
export async function exportAppBundle(
  db: Kysely<Database>,
  secrets: SecretStore,
  appId: string,
  options: ExportOptions,
): Promise<{ path: string; name: string; cleanup: () => void }> {
  const problem = options.passphrase === null ? null : passphraseProblem(options.passphrase);
  if (problem) throw new PicloudError('PICLOUD_ERR_BACKUP_PASSPHRASE', problem);
  const spec = await readAppSpec(db, appId, { history: options.history });
  const id = randomUUID();
  const dir = join(tmpdir(), `picloud-bundle-${id}`);
  mkdirSync(dir, { mode: 0o700 });
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    writeFileSync(join(dir, 'app.json'), JSON.stringify(spec));
    const paths = ['app.json'];
    if (options.kv) {
      const rows = await db
        .selectFrom('kv_entries')
        .select(['collection', 'key', 'value', 'expires_at'])
        .where('app_id', '=', appId)
        .orderBy('collection')
        .orderBy('key')
        .execute();
      writeFileSync(
        join(dir, 'kv.jsonl'),
        rows.map((r) => JSON.stringify({ ...r, expires_at: r.expires_at?.toISOString() ?? null })).join('\n'),
      );
      paths.push('kv.jsonl');
    }
    const names = (await secrets.list(appId)).map((s) => s.name);
    if (options.passphrase !== null) {
      const values = (await secrets.values([appId])).get(appId) ?? [];
      const sealed = await sealWithPassphrase(
        Buffer.from(JSON.stringify(values)),
        options.passphrase,
        `app bundle ${id}`,
      );
      writeFileSync(join(dir, 'secrets.sealed.json'), JSON.stringify(sealed));
      paths.push('secrets.sealed.json');
    }
    const files = [];
    for (const path of paths) {
      files.push({ path, size: statSync(join(dir, path)).size, sha256: await sha256File(join(dir, path)) });
    }
    const manifest: BundleManifest = {
      format: 'picloud-app-bundle',
      format_version: 1,
      id,
      created_at: new Date().toISOString(),
      product: PRODUCT_VERSION,
      sdk: SDK_VERSION,
      slug: spec.app.slug,
      history: options.history,
      kv: options.kv,
      secrets: { names, sealed: options.passphrase !== null },
      files,
    };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
    const path = join(dir, `${spec.app.slug}.picloud.tgz`);
    await packArchive(dir, ['manifest.json', ...paths], path);
    return { path, name: `${spec.app.slug}.picloud.tgz`, cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}

/** What to do with a bundle. */
export interface ImportOptions {
  /** Import under this slug instead (host claims another app holds are then left out). */
  as: string | null;
  dryRun: boolean;
  passphrase: string | null;
}

/** The outcome of an import. */
export interface ImportResult {
  plan: AppPlan;
  applied: boolean;
  app: { id: string; slug: string } | null;
  kv_entries: number;
  /** `restored`: values came with the passphrase; `names-only`: set them again (listed in `secret_names`). */
  secrets: 'restored' | 'names-only' | 'none';
  secret_names: string[];
}

/** Unpacks and checks a bundle; returns its manifest and folder (removed by the caller). */
async function openBundle(source: Readable, dir: string): Promise<BundleManifest> {
  let extracted: Awaited<ReturnType<typeof extractArchive>>;
  try {
    extracted = await extractArchive(source, dir, BUNDLE_LIMITS, (path) => BUNDLE_PATHS.has(path));
  } catch (error) {
    if (error instanceof ArchiveRefusedError) throw invalid(error.message);
    throw error;
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  } catch {
    throw invalid('The bundle has no readable manifest.json: not a PiCloud app bundle');
  }
  if (!Value.Check(ManifestSchema, manifest)) {
    const first = Value.Errors(ManifestSchema, manifest).First();
    throw invalid(`The bundle's manifest.json is invalid at ${first?.path || '/'}: ${first?.message}`);
  }
  const listed = new Map(manifest.files.map((f) => [f.path, f]));
  for (const file of extracted.filter((f) => f.path !== 'manifest.json')) {
    const expected = listed.get(file.path);
    if (!expected) throw invalid(`The bundle holds ${file.path}, which its manifest does not list`);
    if (expected.size !== file.size || expected.sha256 !== file.sha256) {
      throw invalid(
        `${file.path} does not match its size and SHA-256 in the manifest: the bundle is damaged`,
      );
    }
    listed.delete(file.path);
  }
  if (listed.size > 0)
    throw invalid(`The manifest lists ${[...listed.keys()].join(', ')}, which the bundle lacks`);
  if (!manifest.files.some((f) => f.path === 'app.json')) throw invalid('The bundle has no app.json');
  return manifest;
}

interface KvLine {
  collection: string;
  key: string;
  value: JsonValue;
  expires_at: string | null;
}

function readKv(dir: string): KvLine[] {
  const text = readFileSync(join(dir, 'kv.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line, index) => {
      let entry: KvLine;
      try {
        entry = JSON.parse(line) as KvLine;
      } catch {
        throw invalid(`kv.jsonl line ${index + 1} is not JSON`);
      }
      const ok =
        typeof entry.collection === 'string' &&
        entry.collection.length >= 1 &&
        entry.collection.length <= 128 &&
        typeof entry.key === 'string' &&
        entry.key.length >= 1 &&
        entry.key.length <= 256 &&
        entry.value !== undefined &&
        (entry.expires_at === null || !Number.isNaN(Date.parse(entry.expires_at)));
      if (!ok) throw invalid(`kv.jsonl line ${index + 1} is not a KV entry`);
      return entry;
    });
}

/**
 * Imports a bundle (see the file comment).
 * @throws PICLOUD_ERR_BUNDLE_INVALID, _CONFLICT, SCRIPT_COMPILE…, BACKUP_PASSPHRASE — nothing written.
 */
export async function importAppBundle(
  db: Kysely<Database>,
  checker: ScriptChecker,
  keyring: SecretKeyring,
  source: Readable,
  options: ImportOptions,
): Promise<ImportResult> {
  const dir = join(tmpdir(), `picloud-import-${randomUUID()}`);
  try {
    const manifest = await openBundle(source, dir);
    let spec: AppSpec;
    try {
      spec = parseAppSpec(JSON.parse(readFileSync(join(dir, 'app.json'), 'utf8')));
    } catch (error) {
      if (error instanceof PicloudError) throw invalid(`app.json: ${error.message}`);
      throw invalid('app.json is not JSON');
    }
    if (options.as) spec = { ...spec, app: { ...spec.app, slug: options.as } };
    const kv = manifest.kv ? readKv(dir) : [];
    let secretValues: { name: string; value: string }[] = [];
    if (manifest.secrets.sealed && options.passphrase !== null) {
      try {
        const plain = await openWithPassphrase(
          JSON.parse(readFileSync(join(dir, 'secrets.sealed.json'), 'utf8')),
          options.passphrase,
          `app bundle ${manifest.id}`,
        );
        secretValues = JSON.parse(plain.toString('utf8')) as { name: string; value: string }[];
      } catch (error) {
        if (error instanceof SealOpenError)
          throw new PicloudError('PICLOUD_ERR_BACKUP_PASSPHRASE', error.message);
        throw invalid('secrets.sealed.json is malformed');
      }
    }
    const checked = checkAppSpec(spec, checker);
    const result = await applyAppSpec(db, checked, {
      mode: 'import',
      dryRun: options.dryRun,
      skipConflictingDomains: options.as !== null,
      extra: async (trx, appId) => {
        for (const entry of kv) {
          await trx
            .insertInto('kv_entries')
            .values({
              app_id: appId,
              collection: entry.collection,
              key: entry.key,
              value: JSON.stringify(entry.value),
              expires_at: entry.expires_at === null ? null : new Date(entry.expires_at),
            })
            .execute();
        }
        if (secretValues.length > 0) {
          const key = keyring.forWriting();
          for (const secret of secretValues) {
            await trx
              .insertInto('app_secrets')
              .values({
                app_id: appId,
                name: secret.name,
                ...sealSecret(key, appId, secret.name, secret.value),
              })
              .execute();
          }
        }
      },
    });
    return {
      plan: result.plan,
      applied: result.applied,
      app: result.app,
      kv_entries: kv.length,
      secrets:
        secretValues.length > 0 ? 'restored' : manifest.secrets.names.length > 0 ? 'names-only' : 'none',
      secret_names: manifest.secrets.names,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
