/**
 * An existing app as an {@link AppSpec}: what `picloud pull` writes into a folder and what an app
 * bundle carries (with the version history when asked).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { requireAppById } from '../apps/app-store.js';
import type { AppSpec } from './app-spec.js';

/** The app `appId` as a spec; `history` adds every saved version of each script. */
export async function readAppSpec(
  db: Kysely<Database>,
  appId: string,
  { history = false } = {},
): Promise<AppSpec> {
  const app = await requireAppById(db, appId);
  const domains = await db
    .selectFrom('app_domains')
    .select('pattern')
    .where('app_id', '=', appId)
    .orderBy('pattern')
    .execute();
  const scripts = await db
    .selectFrom('scripts')
    .selectAll()
    .where('app_id', '=', appId)
    .orderBy('name')
    .execute();
  const names = new Map(scripts.map((s) => [s.id, s.name]));
  const versions = history
    ? await db
        .selectFrom('script_versions')
        .innerJoin('scripts', 'scripts.id', 'script_versions.script_id')
        .select([
          'script_versions.script_id',
          'script_versions.version',
          'script_versions.kind',
          'script_versions.message',
          'script_versions.created_at',
          'script_versions.source',
        ])
        .where('scripts.app_id', '=', appId)
        .orderBy('script_versions.version')
        .execute()
    : [];
  const routes = await db
    .selectFrom('routes')
    .selectAll()
    .where('app_id', '=', appId)
    .orderBy('path')
    .orderBy('id')
    .execute();
  const triggers = await db
    .selectFrom('triggers')
    .selectAll()
    .where('app_id', '=', appId)
    .orderBy('kind')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return {
    app: {
      slug: app.slug,
      name: app.name,
      description: app.description,
      cors_origins: app.cors_origins,
      http_allow_hosts: app.http_allow_hosts,
    },
    domains: domains.map((d) => d.pattern),
    scripts: scripts.map((s) => ({
      name: s.name,
      kind: s.kind,
      description: s.description,
      source: s.source,
      ...(history
        ? {
            versions: versions
              .filter((v) => v.script_id === s.id)
              .map((v) => ({
                version: v.version,
                kind: v.kind,
                message: v.message,
                created_at: v.created_at.toISOString(),
                source: v.source,
              })),
          }
        : {}),
    })),
    routes: routes.map((r) => ({
      script: names.get(r.script_id) ?? '',
      methods: r.methods,
      path: r.path,
      host: r.host,
      required_scope: r.required_scope,
    })),
    triggers: triggers.map((t) =>
      t.kind === 'cron'
        ? {
            script: names.get(t.script_id) ?? '',
            kind: 'cron' as const,
            schedule: t.schedule ?? '',
            timezone: t.timezone ?? 'UTC',
            enabled: t.enabled,
          }
        : {
            script: names.get(t.script_id) ?? '',
            kind: 'queue' as const,
            queue: t.queue ?? '',
            max_attempts: t.max_attempts,
            backoff_seconds: t.backoff_seconds,
            enabled: t.enabled,
          },
    ),
  };
}
