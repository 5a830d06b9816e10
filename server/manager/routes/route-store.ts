/**
 * Custom HTTP routes of an app: methods, a path pattern with parameters and an optional trailing
 * wildcard, an optional host (one the app claims), and the endpoint script they run. Two routes of the
 * same app conflict when they share host and path shape and any method. A route may require callers to
 * present an API token with a scope (`required_scope`); the orchestrator checks it before the script runs.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, RoutesTable } from '../../db/schema.js';
import { PicloudError } from '../../errors/catalogue.js';
import { claimCovers, parseHostClaim } from '../../routing/host-claim.js';
import { parseMethods, parsePathPattern } from '../../routing/path-pattern.js';
import { isScope, SCOPE_NAMES } from '../../security/scopes.js';
import { announce, writeTransaction } from '../change-feed.js';
import { isUuid } from '../ids.js';

type Db = Kysely<Database> | Transaction<Database>;

/** A route as the API shows it. */
export interface RouteView {
  id: string;
  app_id: string;
  script_id: string;
  script_name: string;
  methods: string[];
  path: string;
  host: string | null;
  /** Callers must present an API token with this scope; null: anonymous. */
  required_scope: string | null;
  created_at: string;
  updated_at: string;
}

/** Fields of a new or changed route; `script` is an id or a name within the app. */
export interface RouteInput {
  script: string;
  methods: string[];
  path: string;
  host?: string | null;
  /** A scope name, or null (or absent) for an anonymous route. */
  required_scope?: string | null;
}

async function views(db: Db, rows: Selectable<RoutesTable>[]): Promise<RouteView[]> {
  if (rows.length === 0) return [];
  const scripts = await db
    .selectFrom('scripts')
    .select(['id', 'name'])
    .where(
      'id',
      'in',
      rows.map((r) => r.script_id),
    )
    .execute();
  const names = new Map(scripts.map((s) => [s.id, s.name]));
  return rows.map((row) => ({
    id: row.id,
    app_id: row.app_id,
    script_id: row.script_id,
    script_name: names.get(row.script_id) ?? '',
    methods: row.methods,
    path: row.path,
    host: row.host,
    required_scope: row.required_scope,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  }));
}

/** Validates a route against its app; returns the normalised row fields. */
async function validate(trx: Transaction<Database>, appId: string, input: RouteInput, exceptId?: string) {
  // Route writes of one app take turns: the conflict check below has no constraint behind it, so two
  // concurrent writes would each miss the other's route.
  await trx.selectFrom('apps').select('id').where('id', '=', appId).forNoKeyUpdate().execute();
  const pattern = parsePathPattern(input.path);
  if ('error' in pattern)
    throw new PicloudError('PICLOUD_ERR_ROUTE_INVALID', `Invalid path "${input.path}": ${pattern.error}`);
  const methods = parseMethods(input.methods);
  if ('error' in methods)
    throw new PicloudError('PICLOUD_ERR_ROUTE_INVALID', `Invalid methods: ${methods.error}`);

  const requiredScope = input.required_scope ?? null;
  if (requiredScope !== null && !isScope(requiredScope)) {
    throw new PicloudError(
      'PICLOUD_ERR_ROUTE_INVALID',
      `Unknown scope "${requiredScope}" (scopes: ${SCOPE_NAMES.join(', ')})`,
    );
  }

  let host: string | null = null;
  if (input.host !== undefined && input.host !== null && input.host !== '') {
    const parsed = parseHostClaim(input.host);
    if ('error' in parsed || parsed.kind !== 'exact') {
      throw new PicloudError(
        'PICLOUD_ERR_ROUTE_INVALID',
        `Invalid host "${input.host}": a route's host is one exact host name`,
      );
    }
    const claims = await trx
      .selectFrom('app_domains')
      .select(['pattern', 'kind'])
      .where('app_id', '=', appId)
      .execute();
    if (!claims.some((claim) => claimCovers(claim, parsed.pattern))) {
      throw new PicloudError(
        'PICLOUD_ERR_ROUTE_INVALID',
        `The app does not claim "${parsed.pattern}" (its claims: ${claims.map((c) => c.pattern).join(', ') || 'none'})`,
      );
    }
    host = parsed.pattern;
  }

  const script = await trx
    .selectFrom('scripts')
    .select(['id', 'kind', 'name'])
    .where('app_id', '=', appId)
    .where(isUuid(input.script) ? 'id' : 'name', '=', input.script)
    // Held until commit: a concurrent save cannot make it a module under the new route.
    .forShare()
    .executeTakeFirst();
  if (!script)
    throw new PicloudError('PICLOUD_ERR_SCRIPT_NOT_FOUND', `The app has no script "${input.script}"`);
  if (script.kind !== 'endpoint') {
    throw new PicloudError(
      'PICLOUD_ERR_ROUTE_INVALID',
      `"${script.name}" is a module; routes run endpoint scripts`,
    );
  }

  let others = trx
    .selectFrom('routes')
    .selectAll()
    .where('app_id', '=', appId)
    .where('path_shape', '=', pattern.shape)
    .where((eb) => (host === null ? eb('host', 'is', null) : eb('host', '=', host)));
  if (exceptId) others = others.where('id', '!=', exceptId);
  for (const other of await others.execute()) {
    const shared = other.methods.filter((m) => (methods as string[]).includes(m));
    if (shared.length > 0) {
      throw new PicloudError(
        'PICLOUD_ERR_ROUTE_CONFLICT',
        `${shared.join(', ')} ${other.path}${other.host ? ` on ${other.host}` : ''} already runs another script in this app`,
        { route: { id: other.id, methods: other.methods, path: other.path, host: other.host } },
      );
    }
  }
  return {
    script_id: script.id,
    methods: methods as string[],
    path: pattern.path,
    path_shape: pattern.shape,
    host,
    required_scope: requiredScope,
  };
}

/** The routes of an app, by path then methods. */
export async function listRoutes(db: Db, appId: string): Promise<RouteView[]> {
  return views(
    db,
    await db
      .selectFrom('routes')
      .selectAll()
      .where('app_id', '=', appId)
      .orderBy('path')
      .orderBy('id')
      .execute(),
  );
}

async function requireRoute(db: Db, appId: string, id: string): Promise<Selectable<RoutesTable>> {
  const row = isUuid(id)
    ? await db
        .selectFrom('routes')
        .selectAll()
        .where('app_id', '=', appId)
        .where('id', '=', id)
        .executeTakeFirst()
    : undefined;
  if (!row) throw new PicloudError('PICLOUD_ERR_ROUTE_NOT_FOUND', `The app has no route ${id}`);
  return row;
}

/** One route. */
export async function getRoute(db: Db, appId: string, id: string): Promise<RouteView> {
  return (await views(db, [await requireRoute(db, appId, id)]))[0];
}

/** Adds a route. */
export async function createRoute(
  db: Kysely<Database>,
  appId: string,
  input: RouteInput,
): Promise<RouteView> {
  return writeTransaction(db, async (trx) => {
    const fields = await validate(trx, appId, input);
    const row = await trx
      .insertInto('routes')
      .values({ app_id: appId, ...fields })
      .returningAll()
      .executeTakeFirstOrThrow();
    await announce(trx, { topic: 'routes', app: appId });
    return (await views(trx, [row]))[0];
  });
}

/** Changes a route; unspecified fields keep their values. */
export async function updateRoute(
  db: Kysely<Database>,
  appId: string,
  id: string,
  changes: Partial<RouteInput>,
): Promise<RouteView> {
  return writeTransaction(db, async (trx) => {
    const current = await requireRoute(trx, appId, id);
    const fields = await validate(
      trx,
      appId,
      {
        script: changes.script ?? current.script_id,
        methods: changes.methods ?? current.methods,
        path: changes.path ?? current.path,
        host: changes.host === undefined ? current.host : changes.host,
        required_scope:
          changes.required_scope === undefined ? current.required_scope : changes.required_scope,
      },
      current.id,
    );
    const row = await trx
      .updateTable('routes')
      .set({ ...fields, updated_at: new Date() })
      .where('id', '=', current.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await announce(trx, { topic: 'routes', app: appId });
    return (await views(trx, [row]))[0];
  });
}

/** Deletes a route. */
export async function deleteRoute(db: Kysely<Database>, appId: string, id: string): Promise<void> {
  await writeTransaction(db, async (trx) => {
    const route = await requireRoute(trx, appId, id);
    await trx.deleteFrom('routes').where('id', '=', route.id).execute();
    await announce(trx, { topic: 'routes', app: appId });
  });
}
