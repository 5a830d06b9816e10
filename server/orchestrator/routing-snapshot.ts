/**
 * Everything the orchestrator needs to route a request without touching the database: which app
 * answers for a host, each app's routes (a find-my-way router per app), the live source of every
 * script, and which modules each script imports. Loaded in one read; rebuilt when the manager
 * announces a change.
 */
import FindMyWay, { type HTTPVersion, type Instance } from 'find-my-way';
import type { Kysely } from 'kysely';
import type { ExecutionJob, ModuleSource } from '../contracts/executor.js';
import type { Database } from '../db/schema.js';
import { HostTable } from '../routing/host-claim.js';
import type { Scope } from '../security/scopes.js';
import { type CorsOrigins, corsOriginsOf } from './cors.js';

/** An app as routing sees it. */
export interface RoutedApp {
  id: string;
  slug: string;
  /** Origins allowed to call the app from a browser (`*`: any); null when PiCloud adds no CORS. */
  corsOrigins: CorsOrigins | null;
}

/** The live version of a script. */
export interface LiveScript {
  id: string;
  appId: string;
  name: string;
  version: number;
  source: string;
  kind: 'endpoint' | 'module';
}

/** What a matched route stores. */
export interface RouteTarget {
  routeId: string;
  scriptId: string;
  /** Callers must present an API token with this scope; null: anyone may call (the script decides). */
  requiredScope: Scope | null;
}

/** An immutable routing state. */
export interface RoutingSnapshot {
  apps: Map<string, RoutedApp>;
  hosts: HostTable<string>;
  /** Every host the apps claim, as claimed (`api.home.lan`, `*.home.lan`): the node's certificate names them. */
  claims: readonly string[];
  routers: Map<string, Instance<HTTPVersion.V1>>;
  scripts: Map<string, LiveScript>;
  /** Script id → the ids of the modules it imports directly (the manager's `script_imports`). */
  imports: Map<string, string[]>;
}

/** Groups `script_imports` rows by importer. */
function importsByScript(rows: { script_id: string; imported_script_id: string }[]): Map<string, string[]> {
  const imports = new Map<string, string[]>();
  for (const row of rows) {
    const list = imports.get(row.script_id);
    if (list) list.push(row.imported_script_id);
    else imports.set(row.script_id, [row.imported_script_id]);
  }
  return imports;
}

/**
 * The modules a script needs, by the name its `import`s use: the transitive closure of its imports,
 * each at its live version. Undefined when it imports nothing (the common case costs one lookup).
 * Computed when a job is built, so a module saved a moment ago is what the next run imports.
 */
export function modulesFor(
  snapshot: RoutingSnapshot,
  scriptId: string,
): Record<string, ModuleSource> | undefined {
  const direct = snapshot.imports.get(scriptId);
  if (direct === undefined) return undefined;
  const appId = snapshot.scripts.get(scriptId)?.appId;
  const modules: Record<string, ModuleSource> = {};
  const seen = new Set<string>([scriptId]);
  const pending = [...direct];
  while (pending.length > 0) {
    const id = pending.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const module = snapshot.scripts.get(id);
    // The manager keeps imports within the app and to modules; a snapshot mid-reload may lag behind.
    if (module?.kind !== 'module' || module.appId !== appId) continue;
    modules[module.name] = { id: module.id, version: module.version, source: module.source };
    pending.push(...(snapshot.imports.get(id) ?? []));
  }
  return modules;
}

/** The job with the modules its script imports (unchanged when it imports none). */
export function withModules(snapshot: RoutingSnapshot, job: ExecutionJob): ExecutionJob {
  const modules = modulesFor(snapshot, job.script.id);
  return modules === undefined ? job : { ...job, modules };
}

/** Builds a snapshot from the database. */
export async function loadRoutingSnapshot(db: Kysely<Database>): Promise<RoutingSnapshot> {
  const [apps, domains, routes, scripts, imports] = await Promise.all([
    db.selectFrom('apps').select(['id', 'slug', 'cors_origins']).execute(),
    db.selectFrom('app_domains').select(['app_id', 'pattern', 'kind']).execute(),
    db
      .selectFrom('routes')
      .select(['id', 'app_id', 'script_id', 'methods', 'path', 'host', 'required_scope'])
      .execute(),
    db.selectFrom('scripts').select(['id', 'app_id', 'name', 'current_version', 'source', 'kind']).execute(),
    db.selectFrom('script_imports').select(['script_id', 'imported_script_id']).execute(),
  ]);
  const hosts = new HostTable<string>();
  for (const domain of domains) hosts.add(domain, domain.app_id);
  const routers = new Map<string, Instance<HTTPVersion.V1>>();
  for (const route of routes) {
    let router = routers.get(route.app_id);
    if (!router) {
      router = FindMyWay({ ignoreTrailingSlash: true, caseSensitive: true, maxParamLength: 500 });
      routers.set(route.app_id, router);
    }
    const target: RouteTarget = {
      routeId: route.id,
      scriptId: route.script_id,
      // The manager only stores known scopes; one unknown to this version grants nothing but admin.
      requiredScope: route.required_scope as Scope | null,
    };
    const handler = () => target;
    if (route.host)
      router.on(route.methods as never, route.path, { constraints: { host: route.host } }, handler, target);
    else router.on(route.methods as never, route.path, handler, target);
  }
  return {
    apps: new Map(
      apps.map((app) => [
        app.id,
        { id: app.id, slug: app.slug, corsOrigins: corsOriginsOf(app.cors_origins) },
      ]),
    ),
    hosts,
    claims: domains.map((domain) => domain.pattern),
    routers,
    scripts: new Map(
      scripts.map((s) => [
        s.id,
        {
          id: s.id,
          appId: s.app_id,
          name: s.name,
          version: s.current_version,
          source: s.source,
          kind: s.kind,
        },
      ]),
    ),
    imports: importsByScript(imports),
  };
}

/**
 * Reloads one script into a snapshot (a save changes only that script, and its own imports). Its
 * importers need nothing: their modules are looked up by id when their next job is built.
 */
export async function reloadScript(
  db: Kysely<Database>,
  snapshot: RoutingSnapshot,
  scriptId: string,
): Promise<void> {
  const [s, imports] = await Promise.all([
    db
      .selectFrom('scripts')
      .select(['id', 'app_id', 'name', 'current_version', 'source', 'kind'])
      .where('id', '=', scriptId)
      .executeTakeFirst(),
    db
      .selectFrom('script_imports')
      .select(['script_id', 'imported_script_id'])
      .where('script_id', '=', scriptId)
      .execute(),
  ]);
  const direct = importsByScript(imports).get(scriptId);
  if (s && direct) snapshot.imports.set(scriptId, direct);
  else snapshot.imports.delete(scriptId);
  if (s)
    snapshot.scripts.set(s.id, {
      id: s.id,
      appId: s.app_id,
      name: s.name,
      version: s.current_version,
      source: s.source,
      kind: s.kind,
    });
  else snapshot.scripts.delete(scriptId);
}
