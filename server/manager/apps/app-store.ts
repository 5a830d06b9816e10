/**
 * Apps in the database: the isolation boundary of everything else. Slug renames keep the old slug in
 * `app_slug_history` so links keep working (the API answers them with a permanent redirect); taking
 * over a slug another app retired needs an explicit `force`, after a `slug:check`.
 */
import { isIP } from 'node:net';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AppsTable, Database } from '../../db/schema.js';
import { PicloudError } from '../../errors/catalogue.js';
import { applianceReachedBy } from '../../outbound/appliance-entries.js';
import { MAX_ALLOW_HOSTS, parseHostEntry } from '../../outbound/host-policy.js';
import { currentMachineHosts, type MachineHosts } from '../../routing/machine-hosts.js';
import { APPLIANCE, type CallerRights } from '../auth/caller-rights.js';
import { announce, writeTransaction } from '../change-feed.js';
import { isUniqueViolation } from '../db-errors.js';
import { isUuid } from '../ids.js';
import { decodeCursor, PAGE_LIMITS, type Page, type PageQuery, toPage } from '../pagination.js';

type Db = Kysely<Database> | Transaction<Database>;

/** An app as the API shows it. */
export interface AppView {
  id: string;
  slug: string;
  name: string;
  description: string;
  domains: { id: string; pattern: string; kind: 'exact' | 'wildcard' }[];
  /** Origins allowed to call the app's endpoints from a browser (`*`: any); empty: no CORS by PiCloud. */
  cors_origins: string[];
  /** Hosts the app's scripts may call with `http::` (see server/outbound/host-policy.ts); empty: the default rules. */
  http_allow_hosts: string[];
  created_at: string;
  updated_at: string;
}

/** The result of looking an app up by id or slug. */
export type AppLookup = { app: Selectable<AppsTable> } | { retiredSlug: string; currentSlug: string } | null;

/** Finds an app by id or current slug, or tells where a retired slug now points. */
export async function lookupApp(db: Db, idOrSlug: string): Promise<AppLookup> {
  const app = await db
    .selectFrom('apps')
    .selectAll()
    .where(isUuid(idOrSlug) ? 'id' : 'slug', '=', idOrSlug.toLowerCase())
    .executeTakeFirst();
  if (app) return { app };
  const retired = await db
    .selectFrom('app_slug_history')
    .innerJoin('apps', 'apps.id', 'app_slug_history.app_id')
    .select(['app_slug_history.slug as retired', 'apps.slug as current'])
    .where('app_slug_history.slug', '=', idOrSlug.toLowerCase())
    .executeTakeFirst();
  return retired ? { retiredSlug: retired.retired, currentSlug: retired.current } : null;
}

/**
 * The id of the app a request names by id or slug — a retired slug names its app as it is now — or
 * throws PICLOUD_ERR_APP_NOT_FOUND. For references in bodies and query strings, where no redirect
 * can be answered.
 */
export async function resolveAppId(db: Db, idOrSlug: string): Promise<string> {
  const found = await lookupApp(db, idOrSlug);
  if (found && 'app' in found) return found.app.id;
  const current = found ? await lookupApp(db, found.currentSlug) : null;
  if (!current || !('app' in current))
    throw new PicloudError('PICLOUD_ERR_APP_NOT_FOUND', `No app "${idOrSlug}"`);
  return current.app.id;
}

/** Loads an app by id, or throws PICLOUD_ERR_APP_NOT_FOUND. */
export async function requireAppById(db: Db, id: string): Promise<Selectable<AppsTable>> {
  const app = isUuid(id)
    ? await db.selectFrom('apps').selectAll().where('id', '=', id).executeTakeFirst()
    : undefined;
  if (!app) throw new PicloudError('PICLOUD_ERR_APP_NOT_FOUND', `No app with id ${id}`);
  return app;
}

/** The API view of apps, with their domain claims. */
export async function viewApps(db: Db, apps: Selectable<AppsTable>[]): Promise<AppView[]> {
  if (apps.length === 0) return [];
  const domains = await db
    .selectFrom('app_domains')
    .select(['id', 'app_id', 'pattern', 'kind'])
    .where(
      'app_id',
      'in',
      apps.map((a) => a.id),
    )
    .orderBy('pattern')
    .execute();
  return apps.map((app) => ({
    id: app.id,
    slug: app.slug,
    name: app.name,
    description: app.description,
    domains: domains
      .filter((d) => d.app_id === app.id)
      .map(({ id, pattern, kind }) => ({ id, pattern, kind })),
    cors_origins: app.cors_origins,
    http_allow_hosts: app.http_allow_hosts,
    created_at: app.created_at.toISOString(),
    updated_at: app.updated_at.toISOString(),
  }));
}

/** One app's view. */
export async function viewApp(db: Db, app: Selectable<AppsTable>): Promise<AppView> {
  return (await viewApps(db, [app]))[0];
}

/** Lists apps ordered by slug. */
export async function listApps(db: Db, query: PageQuery): Promise<Page<AppView>> {
  const limit = query.limit ?? PAGE_LIMITS.default;
  let select = db
    .selectFrom('apps')
    .selectAll()
    .orderBy('slug')
    .limit(limit + 1);
  if (query.cursor) select = select.where('slug', '>', String(decodeCursor(query.cursor, 1)[0]));
  const rows = await select.execute();
  const page = toPage(
    rows,
    limit,
    (row) => [row.slug],
    (row) => row,
  );
  return { items: await viewApps(db, page.items), next_cursor: page.next_cursor };
}

/** The most origins an app may list. */
export const MAX_CORS_ORIGINS = 50;

const HOST_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const ORIGIN = new RegExp(
  `^(https?)://(${HOST_LABEL}(?:\\.${HOST_LABEL})*|\\[[0-9a-f:.]+\\])(?::(\\d{1,5}))?$`,
);
const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443' };

/**
 * One allowed origin as a browser sends it in `Origin` (lower case, no default port), or an error:
 * `*`, or `http(s)://host[:port]` with no path, query, user or trailing slash.
 */
export function normaliseCorsOrigin(input: string): string | { error: string } {
  const origin = input.trim().toLowerCase();
  if (origin === '*') return origin;
  const match = ORIGIN.exec(origin);
  if (!match) {
    return {
      error: `"${input}" is not an origin: expected "*" or scheme://host[:port] (http or https, no path)`,
    };
  }
  const [, scheme, host, port] = match;
  if (host.length > 253 || (host.startsWith('[') && isIP(host.slice(1, -1)) !== 6)) {
    return { error: `"${input}" does not name a valid host` };
  }
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65_535 || port.startsWith('0'))) {
    return { error: `"${input}" has an invalid port` };
  }
  return port === undefined || port === DEFAULT_PORTS[scheme] ? `${scheme}://${host}` : origin;
}

/** Normalises a `cors_origins` list (duplicates dropped), or throws PICLOUD_ERR_HTTP_VALIDATION. */
export function normaliseCorsOrigins(input: readonly string[]): string[] {
  const problems: { in: 'body'; path: string; message: string }[] = [];
  const origins = new Set<string>();
  input.forEach((value, index) => {
    const origin = normaliseCorsOrigin(value);
    if (typeof origin === 'string') origins.add(origin);
    else problems.push({ in: 'body', path: `/cors_origins/${index}`, message: origin.error });
  });
  if (input.length > MAX_CORS_ORIGINS) {
    problems.push({ in: 'body', path: '/cors_origins', message: `at most ${MAX_CORS_ORIGINS} origins` });
  }
  if (problems.length > 0) {
    throw new PicloudError(
      'PICLOUD_ERR_HTTP_VALIDATION',
      `Invalid body: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
      problems,
    );
  }
  return [...origins];
}

/**
 * Normalises an `http_allow_hosts` list (canonical entries, duplicates dropped), or throws
 * PICLOUD_ERR_HTTP_VALIDATION naming each bad entry.
 */
export function normaliseAllowHosts(input: readonly string[]): string[] {
  const problems: { in: 'body'; path: string; message: string }[] = [];
  const hosts = new Set<string>();
  input.forEach((value, index) => {
    const parsed = parseHostEntry(value);
    if ('text' in parsed) hosts.add(parsed.text);
    else problems.push({ in: 'body', path: `/http_allow_hosts/${index}`, message: parsed.error });
  });
  if (input.length > MAX_ALLOW_HOSTS) {
    problems.push({ in: 'body', path: '/http_allow_hosts', message: `at most ${MAX_ALLOW_HOSTS} hosts` });
  }
  if (problems.length > 0) {
    throw new PicloudError(
      'PICLOUD_ERR_HTTP_VALIDATION',
      `Invalid body: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
      problems,
    );
  }
  return [...hosts];
}

/**
 * Refuses new allow-list entries that let scripts reach the appliance itself (loopback, link-local and
 * metadata addresses, this machine's addresses and names; see outbound/appliance-entries.ts) unless the
 * caller is an unrestricted admin: an app-limited token must not open the admin API to its scripts.
 * Entries the app already had are left alone.
 */
export function requireRightToReachAppliance(
  entries: readonly string[],
  existing: readonly string[],
  caller: CallerRights,
  machine: MachineHosts = currentMachineHosts(),
): void {
  if (caller.unrestrictedAdmin) return;
  const kept = new Set(existing);
  for (const entry of entries) {
    if (kept.has(entry)) continue;
    const reached = applianceReachedBy(entry, machine);
    if (reached !== null) {
      throw new PicloudError(
        'PICLOUD_ERR_APP_ALLOW_HOST_FORBIDDEN',
        `http_allow_hosts entry "${entry}" lets scripts reach this appliance or a link-local address (${reached}): only an admin whose access is not limited to one app may allow that`,
        { entry },
      );
    }
  }
}

/** Whether a slug is free for `appId` (or for a new app), and if not, why. */
export interface SlugCheck {
  slug: string;
  available: boolean;
  /**
   * `taken`: an app uses it now. `retired`: it redirects to another app; `force` takes it over. The app
   * is named only to a caller allowed to see it; to others, another app's slug is simply `taken`.
   */
  conflict?: { reason: 'taken' | 'retired'; app?: { id: string; slug: string } };
}

/** Step one of a rename: may this slug be used? */
export async function checkSlug(
  db: Db,
  slug: string,
  appId?: string,
  caller: CallerRights = APPLIANCE,
): Promise<SlugCheck> {
  const normalised = slug.toLowerCase();
  const conflict = (reason: 'taken' | 'retired', app: { id: string; slug: string }): SlugCheck => ({
    slug: normalised,
    available: false,
    // Taking over a retired slug would break another app's redirects: not for a caller who cannot see it.
    conflict: caller.seesApp(app.id) ? { reason, app } : { reason: 'taken' },
  });
  const active = await db
    .selectFrom('apps')
    .select(['id', 'slug'])
    .where('slug', '=', normalised)
    .executeTakeFirst();
  if (active && active.id !== appId) return conflict('taken', active);
  const retired = await db
    .selectFrom('app_slug_history')
    .innerJoin('apps', 'apps.id', 'app_slug_history.app_id')
    .select(['apps.id', 'apps.slug'])
    .where('app_slug_history.slug', '=', normalised)
    .executeTakeFirst();
  if (retired && retired.id !== appId) return conflict('retired', retired);
  return { slug: normalised, available: true };
}

/** SLUG_TAKEN with what the caller may see of the conflict. */
function slugTaken(slug: string, check: SlugCheck): PicloudError {
  return new PicloudError(
    'PICLOUD_ERR_APP_SLUG_TAKEN',
    `The slug "${slug}" is used by another app`,
    check.conflict,
  );
}

/** Makes `slug` usable by `appId`: refuses a taken slug, takes over a retired one only with `force`. */
async function claimSlug(
  trx: Transaction<Database>,
  slug: string,
  appId: string | undefined,
  force: boolean,
  caller: CallerRights,
): Promise<void> {
  const check = await checkSlug(trx, slug, appId, caller);
  if (check.conflict?.reason === 'taken') throw slugTaken(slug, check);
  if (check.conflict?.reason === 'retired' && !force) {
    throw new PicloudError(
      'PICLOUD_ERR_APP_SLUG_RETIRED',
      `The slug "${slug}" still redirects to app "${check.conflict.app?.slug}"; send force: true to take it over`,
      check.conflict,
    );
  }
  // Our own old slug, or one taken over with force, leaves the history.
  await trx.deleteFrom('app_slug_history').where('slug', '=', slug).execute();
}

/**
 * Runs a write that claims `slug`. Two requests claiming one slug at once both pass claimSlug's check;
 * the unique constraint then refuses the later one, which must read as SLUG_TAKEN, not as a 500.
 */
async function claimingSlug<T>(
  db: Kysely<Database>,
  slug: string | undefined,
  appId: string | undefined,
  caller: CallerRights,
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (slug === undefined || !isUniqueViolation(error, 'apps_slug_key')) throw error;
    throw slugTaken(slug, await checkSlug(db, slug, appId, caller));
  }
}

/** Input of {@link createApp}. */
export interface NewApp {
  slug: string;
  name: string;
  description?: string;
  /** Allowed browser origins (see {@link normaliseCorsOrigin}). */
  cors_origins?: string[];
  /** Hosts the app's scripts may call (see {@link normaliseAllowHosts}). */
  http_allow_hosts?: string[];
  force?: boolean;
}

/** Creates an app (`caller`: who asks, for what refusals may name and what it may allow). */
export async function createApp(
  db: Kysely<Database>,
  input: NewApp,
  caller: CallerRights = APPLIANCE,
): Promise<AppView> {
  const slug = input.slug.toLowerCase();
  const corsOrigins = normaliseCorsOrigins(input.cors_origins ?? []);
  const allowHosts = normaliseAllowHosts(input.http_allow_hosts ?? []);
  requireRightToReachAppliance(allowHosts, [], caller);
  return claimingSlug(db, slug, undefined, caller, () =>
    writeTransaction(db, async (trx) => {
      await claimSlug(trx, slug, undefined, input.force ?? false, caller);
      const app = await trx
        .insertInto('apps')
        .values({
          slug,
          name: input.name,
          description: input.description ?? '',
          cors_origins: corsOrigins,
          http_allow_hosts: allowHosts,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await announce(trx, { topic: 'apps', app: app.id });
      return viewApp(trx, app);
    }),
  );
}

/** Input of {@link updateApp}. */
export interface AppChanges {
  slug?: string;
  name?: string;
  description?: string;
  /** Replaces the allowed browser origins (`[]`: none). */
  cors_origins?: string[];
  /** Replaces the hosts the app's scripts may call (`[]`: the default rules). */
  http_allow_hosts?: string[];
  force?: boolean;
}

/**
 * Renames or edits an app; a new slug retires the old one into the history (`caller`: who asks, for
 * what refusals may name and what it may allow).
 */
export async function updateApp(
  db: Kysely<Database>,
  id: string,
  changes: AppChanges,
  caller: CallerRights = APPLIANCE,
): Promise<AppView> {
  const slug = changes.slug?.toLowerCase();
  const corsOrigins = changes.cors_origins && normaliseCorsOrigins(changes.cors_origins);
  const allowHosts = changes.http_allow_hosts && normaliseAllowHosts(changes.http_allow_hosts);
  return claimingSlug(db, slug, id, caller, () =>
    writeTransaction(db, async (trx) => {
      const app = await requireAppById(trx, id);
      // Entries the app already had stay (an admin allowed them); new ones that reach the appliance need one.
      if (allowHosts !== undefined) requireRightToReachAppliance(allowHosts, app.http_allow_hosts, caller);
      if (slug !== undefined && slug !== app.slug) {
        await claimSlug(trx, slug, app.id, changes.force ?? false, caller);
        await trx.insertInto('app_slug_history').values({ slug: app.slug, app_id: app.id }).execute();
      }
      const updated = await trx
        .updateTable('apps')
        .set({
          ...(slug !== undefined ? { slug } : {}),
          ...(changes.name !== undefined ? { name: changes.name } : {}),
          ...(changes.description !== undefined ? { description: changes.description } : {}),
          ...(corsOrigins !== undefined ? { cors_origins: corsOrigins } : {}),
          ...(allowHosts !== undefined ? { http_allow_hosts: allowHosts } : {}),
          updated_at: new Date(),
        })
        .where('id', '=', app.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await announce(trx, { topic: 'apps', app: app.id });
      return viewApp(trx, updated);
    }),
  );
}

/** Deletes an app and, by cascade, everything it owns. */
export async function deleteApp(db: Kysely<Database>, id: string): Promise<void> {
  await writeTransaction(db, async (trx) => {
    const app = await requireAppById(trx, id);
    await trx.deleteFrom('apps').where('id', '=', app.id).execute();
    await announce(trx, { topic: 'apps', app: app.id });
  });
}
