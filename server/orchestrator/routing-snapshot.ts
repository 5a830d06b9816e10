/**
 * Everything the orchestrator needs to route a request without touching the database: which app
 * answers for a host, each app's routes (a find-my-way router per app), and the live source of every
 * endpoint script. Loaded in one read; rebuilt when the manager announces a change.
 */
import FindMyWay, { type HTTPVersion, type Instance } from 'find-my-way';
import type { Kysely } from 'kysely';
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

/** The live version of an endpoint script. */
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
  routers: Map<string, Instance<HTTPVersion.V1>>;
  scripts: Map<string, LiveScript>;
}

/** Builds a snapshot from the database. */
export async function loadRoutingSnapshot(db: Kysely<Database>): Promise<RoutingSnapshot> {
  const [apps, domains, routes, scripts] = await Promise.all([
    db.selectFrom('apps').select(['id', 'slug', 'cors_origins']).execute(),
    db.selectFrom('app_domains').select(['app_id', 'pattern', 'kind']).execute(),
    db
      .selectFrom('routes')
      .select(['id', 'app_id', 'script_id', 'methods', 'path', 'host', 'required_scope'])
      .execute(),
    db.selectFrom('scripts').select(['id', 'app_id', 'name', 'current_version', 'source', 'kind']).execute(),
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
  };
}

/** Reloads one script into a snapshot (a save changes only that script). */
export async function reloadScript(
  db: Kysely<Database>,
  snapshot: RoutingSnapshot,
  scriptId: string,
): Promise<void> {
  const s = await db
    .selectFrom('scripts')
    .select(['id', 'app_id', 'name', 'current_version', 'source', 'kind'])
    .where('id', '=', scriptId)
    .executeTakeFirst();
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
