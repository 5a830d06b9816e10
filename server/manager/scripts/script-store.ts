/**
 * Scripts and their immutable versions. Saving compiles first — a script that does not compile is
 * refused with diagnostics and nothing is written. Every save of new source (or kind) appends a
 * version; a rollback appends a copy of an old version, so history is never rewritten.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { ScriptImport } from '../../contracts/script-checker.js';
import type { Database, ScriptKind, ScriptsTable } from '../../db/schema.js';
import { PicloudError } from '../../errors/catalogue.js';
import { requireAppById } from '../apps/app-store.js';
import { APPLIANCE, type CallerRights } from '../auth/caller-rights.js';
import { announce, type WriteTransaction, writeTransaction } from '../change-feed.js';
import { isUniqueViolation } from '../db-errors.js';
import { isUuid } from '../ids.js';
import type { ScriptChecker } from '../manager-deps.js';
import { decodeCursor, PAGE_LIMITS, type Page, type PageQuery, toPage } from '../pagination.js';
import { lockAppScripts, refuseIfImported, saveImports } from './script-imports.js';

type Db = Kysely<Database> | Transaction<Database>;

/** A script without its source, for lists. */
export interface ScriptSummary {
  id: string;
  app_id: string;
  name: string;
  kind: ScriptKind;
  description: string;
  version: number;
  created_at: string;
  updated_at: string;
}

/** A script with its live source. */
export interface ScriptView extends ScriptSummary {
  source: string;
}

/** A saved version. */
export interface VersionView {
  version: number;
  kind: ScriptKind;
  message: string;
  created_at: string;
  source?: string;
}

function summary(row: Selectable<ScriptsTable>): ScriptSummary {
  return {
    id: row.id,
    app_id: row.app_id,
    name: row.name,
    kind: row.kind,
    description: row.description,
    version: row.current_version,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

function view(row: Selectable<ScriptsTable>): ScriptView {
  return { ...summary(row), source: row.source };
}

/** Loads a script by id, or throws PICLOUD_ERR_SCRIPT_NOT_FOUND. */
export async function requireScript(
  db: Db,
  id: string,
  forUpdate = false,
): Promise<Selectable<ScriptsTable>> {
  let query = db
    .selectFrom('scripts')
    .selectAll()
    .where('id', '=', isUuid(id) ? id : '00000000-0000-0000-0000-000000000000');
  if (forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw new PicloudError('PICLOUD_ERR_SCRIPT_NOT_FOUND', `No script with id ${id}`);
  return row;
}

/**
 * Refuses source that does not compile (or a module of the wrong shape), with the engine's diagnostics
 * as details; returns the script's imports.
 */
function compileOrThrow(checker: ScriptChecker, source: string, kind: ScriptKind): ScriptImport[] {
  const { diagnostics, imports } = checker.analyze(source, kind);
  if (diagnostics.length > 0) {
    diagnostics.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    const first = diagnostics[0];
    const where = first.line === null ? '' : ` (line ${first.line}, column ${first.column})`;
    const [code, text] =
      first.kind === 'ModuleShape'
        ? (['PICLOUD_ERR_MODULE_SHAPE', 'The module has the wrong shape'] as const)
        : first.kind === 'ImportPath'
          ? (['PICLOUD_ERR_MODULE_IMPORT', 'The script has an import the manager cannot check'] as const)
          : (['PICLOUD_ERR_SCRIPT_COMPILE', 'The script does not compile'] as const);
    throw new PicloudError(code, `${text}: ${first.message}${where}`, { diagnostics });
  }
  return imports;
}

function nameTakenError(name: string): PicloudError {
  return new PicloudError('PICLOUD_ERR_SCRIPT_NAME_TAKEN', `The app already has a script named "${name}"`);
}

/** A concurrent save that took the name between our check and our write reads as NAME_TAKEN too. */
async function guardingName<T>(name: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (name !== undefined && isUniqueViolation(error, 'scripts_app_id_name_key')) throw nameTakenError(name);
    throw error;
  }
}

async function nameTaken(db: Db, appId: string, name: string, exceptId?: string): Promise<boolean> {
  let query = db.selectFrom('scripts').select('id').where('app_id', '=', appId).where('name', '=', name);
  if (exceptId) query = query.where('id', '!=', exceptId);
  return (await query.executeTakeFirst()) !== undefined;
}

/** Input of {@link createScript}. */
export interface NewScript {
  appId: string;
  name: string;
  kind: ScriptKind;
  source: string;
  description?: string;
  message?: string;
}

/** Compiles, then stores a new script as version 1. */
export async function createScript(
  db: Kysely<Database>,
  checker: ScriptChecker,
  input: NewScript,
  caller: CallerRights = APPLIANCE,
): Promise<ScriptView> {
  const imports = compileOrThrow(checker, input.source, input.kind);
  return guardingName(input.name, () =>
    writeTransaction(db, async (trx) => {
      await requireAppById(trx, input.appId);
      await lockAppScripts(trx, input.appId);
      if (await nameTaken(trx, input.appId, input.name)) throw nameTakenError(input.name);
      const row = await trx
        .insertInto('scripts')
        .values({
          app_id: input.appId,
          name: input.name,
          kind: input.kind,
          source: input.source,
          description: input.description ?? '',
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('script_versions')
        .values({
          script_id: row.id,
          version: 1,
          source: row.source,
          kind: row.kind,
          message: input.message ?? 'Created',
        })
        .execute();
      await saveImports(
        trx,
        { id: row.id, appId: row.app_id, name: row.name, kind: row.kind, before: null, caller },
        imports,
      );
      await announce(trx, { topic: 'scripts', app: row.app_id, script: row.id });
      return view(row);
    }),
  );
}

/** Lists scripts, optionally of one app and kind, ordered by name. */
export async function listScripts(
  db: Db,
  filter: { appId?: string; kind?: ScriptKind },
  query: PageQuery,
): Promise<Page<ScriptSummary>> {
  const limit = query.limit ?? PAGE_LIMITS.default;
  let select = db
    .selectFrom('scripts')
    .selectAll()
    .orderBy('name')
    .orderBy('id')
    .limit(limit + 1);
  if (filter.appId) select = select.where('app_id', '=', filter.appId);
  if (filter.kind) select = select.where('kind', '=', filter.kind);
  if (query.cursor) {
    const [name, id] = decodeCursor(query.cursor, 2);
    // Compared with a uuid column: anything else would be a database error, not a bad request.
    if (typeof name !== 'string' || typeof id !== 'string' || !isUuid(id))
      throw new PicloudError('PICLOUD_ERR_HTTP_BAD_CURSOR');
    select = select.where((eb) =>
      eb.or([eb('name', '>', name), eb.and([eb('name', '=', name), eb('id', '>', id)])]),
    );
  }
  return toPage(await select.execute(), limit, (row) => [row.name, row.id], summary);
}

/** One script with its source. */
export async function getScript(db: Db, id: string): Promise<ScriptView> {
  return view(await requireScript(db, id));
}

/** Appends a version and makes it live; shared by saves and rollbacks. */
async function appendVersion(
  trx: WriteTransaction,
  script: Selectable<ScriptsTable>,
  source: string,
  kind: ScriptKind,
  message: string,
  imports: readonly ScriptImport[],
  caller: CallerRights,
  extra: { name?: string; description?: string } = {},
): Promise<ScriptView> {
  if (kind === 'module' && script.kind === 'endpoint') {
    const route = await trx
      .selectFrom('routes')
      .select('id')
      .where('script_id', '=', script.id)
      .executeTakeFirst();
    if (route) {
      throw new PicloudError(
        'PICLOUD_ERR_SCRIPT_KIND_CONFLICT',
        'Routes run this endpoint: delete them before making it a module',
      );
    }
    // Trigger creation holds the script row FOR SHARE, so the two cannot race.
    const trigger = await trx
      .selectFrom('triggers')
      .select('id')
      .where('script_id', '=', script.id)
      .executeTakeFirst();
    if (trigger) {
      throw new PicloudError(
        'PICLOUD_ERR_SCRIPT_KIND_CONFLICT',
        'Triggers run this endpoint: delete them before making it a module',
      );
    }
  }
  await saveImports(
    trx,
    {
      id: script.id,
      appId: script.app_id,
      name: extra.name ?? script.name,
      kind,
      before: { name: script.name, kind: script.kind },
      caller,
    },
    imports,
  );
  const version = script.current_version + 1;
  await trx
    .insertInto('script_versions')
    .values({ script_id: script.id, version, source, kind, message })
    .execute();
  const row = await trx
    .updateTable('scripts')
    .set({ ...extra, source, kind, current_version: version, updated_at: new Date() })
    .where('id', '=', script.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await announce(trx, { topic: 'scripts', app: row.app_id, script: row.id });
  return view(row);
}

/** Input of {@link updateScript}. */
export interface ScriptChanges {
  name?: string;
  description?: string;
  kind?: ScriptKind;
  source?: string;
  message?: string;
}

/** Saves changes; new source or kind compiles first and becomes a new version. */
export async function updateScript(
  db: Kysely<Database>,
  checker: ScriptChecker,
  id: string,
  changes: ScriptChanges,
  caller: CallerRights = APPLIANCE,
): Promise<ScriptView> {
  const current = await requireScript(db, id);
  const source = changes.source ?? current.source;
  const kind = changes.kind ?? current.kind;
  const codeChanged = source !== current.source || kind !== current.kind;
  const imports = codeChanged ? compileOrThrow(checker, source, kind) : null;
  return guardingName(changes.name, () =>
    writeTransaction(db, async (trx) => {
      await lockAppScripts(trx, current.app_id);
      const script = await requireScript(trx, id, true);
      if (
        changes.name !== undefined &&
        changes.name !== script.name &&
        (await nameTaken(trx, script.app_id, changes.name, script.id))
      ) {
        throw nameTakenError(changes.name);
      }
      const extra = {
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...(changes.description !== undefined ? { description: changes.description } : {}),
      };
      if (source !== script.source || kind !== script.kind) {
        const checked = imports ?? compileOrThrow(checker, source, kind);
        return appendVersion(trx, script, source, kind, changes.message ?? '', checked, caller, extra);
      }
      if (extra.name !== undefined && extra.name !== script.name) {
        // A rename: importers name a module by its name.
        const { imports: current } = checker.analyze(script.source, script.kind);
        await saveImports(
          trx,
          {
            id: script.id,
            appId: script.app_id,
            name: extra.name,
            kind: script.kind,
            before: script,
            caller,
          },
          current,
        );
      }
      const row = await trx
        .updateTable('scripts')
        .set({ ...extra, updated_at: new Date() })
        .where('id', '=', script.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await announce(trx, { topic: 'scripts', app: row.app_id, script: row.id });
      return view(row);
    }),
  );
}

/** Makes an old version live again, as a new version (history stays immutable). */
export async function rollbackScript(
  db: Kysely<Database>,
  checker: ScriptChecker,
  id: string,
  version: number,
  caller: CallerRights = APPLIANCE,
): Promise<ScriptView> {
  const { app_id: appId } = await requireScript(db, id);
  return writeTransaction(db, async (trx) => {
    await lockAppScripts(trx, appId);
    const script = await requireScript(trx, id, true);
    const old = await trx
      .selectFrom('script_versions')
      .selectAll()
      .where('script_id', '=', script.id)
      .where('version', '=', version)
      .executeTakeFirst();
    if (!old)
      throw new PicloudError(
        'PICLOUD_ERR_SCRIPT_VERSION_NOT_FOUND',
        `Script ${id} has no version ${version}`,
      );
    // The engine may have grown stricter since: a rollback is a save like any other.
    const imports = compileOrThrow(checker, old.source, old.kind);
    return appendVersion(
      trx,
      script,
      old.source,
      old.kind,
      `Rollback to version ${version}`,
      imports,
      caller,
    );
  });
}

/** Deletes a script with its versions and routes; a module others import stays (409 naming them). */
export async function deleteScript(db: Kysely<Database>, id: string): Promise<void> {
  const { app_id: appId } = await requireScript(db, id);
  await writeTransaction(db, async (trx) => {
    await lockAppScripts(trx, appId);
    const script = await requireScript(trx, id, true);
    await refuseIfImported(trx, script, 'change them before deleting it');
    await trx.deleteFrom('scripts').where('id', '=', script.id).execute();
    await announce(trx, { topic: 'scripts', app: script.app_id, script: script.id });
    await announce(trx, { topic: 'routes', app: script.app_id });
  });
}

/** Versions of a script, newest first. */
export async function listVersions(db: Db, id: string, query: PageQuery): Promise<Page<VersionView>> {
  const script = await requireScript(db, id);
  const limit = query.limit ?? PAGE_LIMITS.default;
  let select = db
    .selectFrom('script_versions')
    .select(['version', 'kind', 'message', 'created_at'])
    .where('script_id', '=', script.id)
    .orderBy('version', 'desc')
    .limit(limit + 1);
  if (query.cursor) {
    const [version] = decodeCursor(query.cursor, 1);
    if (!Number.isInteger(version)) throw new PicloudError('PICLOUD_ERR_HTTP_BAD_CURSOR');
    select = select.where('version', '<', version as number);
  }
  return toPage(
    await select.execute(),
    limit,
    (row) => [row.version],
    (row) => ({
      version: row.version,
      kind: row.kind,
      message: row.message,
      created_at: row.created_at.toISOString(),
    }),
  );
}

/** One version with its source. */
export async function getVersion(db: Db, id: string, version: number): Promise<VersionView> {
  const script = await requireScript(db, id);
  const row = await db
    .selectFrom('script_versions')
    .selectAll()
    .where('script_id', '=', script.id)
    .where('version', '=', version)
    .executeTakeFirst();
  if (!row)
    throw new PicloudError('PICLOUD_ERR_SCRIPT_VERSION_NOT_FOUND', `Script ${id} has no version ${version}`);
  return {
    version: row.version,
    kind: row.kind,
    message: row.message,
    created_at: row.created_at.toISOString(),
    source: row.source,
  };
}
