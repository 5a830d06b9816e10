/**
 * Makes an app match a checked {@link CheckedAppSpec}: the plan (what would be created, changed,
 * deleted; which slug or host claim conflicts) and, unless it is a dry run, its application in ONE
 * transaction — all of it or nothing. A changed script gets exactly one new version; an unchanged one
 * none; scripts, routes, triggers and host claims the spec no longer has are deleted. Used by
 * `picloud deploy` (mode `deploy`: the app may exist) and by bundle imports (mode `import`: the app
 * must be new, and may bring its version history, KV data and secrets through `extra`).
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import { PicloudError } from '../../errors/catalogue.js';
import { normaliseAllowHosts, normaliseCorsOrigins } from '../apps/app-store.js';
import { announce, type WriteTransaction, writeTransaction } from '../change-feed.js';
import { lockAppScripts, saveImports } from '../scripts/script-imports.js';
import type { CheckedAppSpec, CheckedRoute, CheckedTrigger } from './app-spec.js';

/** What happens to one thing. */
export type PlanAction = 'create' | 'update' | 'delete' | 'unchanged';

/** The plan of a deploy or import. */
export interface AppPlan {
  app: { slug: string; action: 'create' | 'update' | 'unchanged' };
  scripts: { name: string; action: PlanAction; version: number | null }[];
  routes: { route: string; action: PlanAction }[];
  triggers: { trigger: string; action: PlanAction }[];
  domains: { pattern: string; action: PlanAction | 'skipped'; reason?: string }[];
  /** What another app holds: refused unless the caller skips conflicting domains. */
  conflicts: { kind: 'slug' | 'domain'; value: string; app: { id: string; slug: string } }[];
  /** True when applying would change anything. */
  changes: boolean;
}

/** Options of {@link applyAppSpec}. */
export interface ApplyOptions {
  mode: 'deploy' | 'import';
  dryRun: boolean;
  /** Leave out host claims another app holds instead of refusing (an import `--as` a new slug). */
  skipConflictingDomains?: boolean;
  /** More writes in the same transaction, after the app exists (bundles: KV data, secrets). */
  extra?: (trx: WriteTransaction, appId: string) => Promise<void>;
}

/** The outcome: the plan, and once applied the app and the live version of each script by id. */
export interface ApplyResult {
  plan: AppPlan;
  applied: boolean;
  app: { id: string; slug: string } | null;
  versions: Record<string, number>;
}

const routeKey = (r: { methods: string[]; path: string; host: string | null }) =>
  `${[...r.methods].sort().join(',')} ${r.path}${r.host ? ` on ${r.host}` : ''}`;
const triggerKey = (t: {
  kind: string;
  queue: string | null;
  schedule: string | null;
  timezone: string | null;
  script: string;
}) => (t.kind === 'queue' ? `queue ${t.queue}` : `cron "${t.schedule}" ${t.timezone} → ${t.script}`);

/** Thrown inside the transaction of a dry run, so it rolls back. */
class DryRun extends Error {}

/**
 * Plans and (unless `dryRun`) applies `spec`.
 * @throws PICLOUD_ERR_BUNDLE_CONFLICT (import) or PICLOUD_ERR_DOMAIN_TAKEN / APP_SLUG_TAKEN (deploy)
 *   when another app holds the slug or a host claim; nothing is written.
 */
export async function applyAppSpec(
  db: Kysely<Database>,
  spec: CheckedAppSpec,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const app = {
    ...spec.app,
    cors_origins: normaliseCorsOrigins(spec.app.cors_origins),
    http_allow_hosts: normaliseAllowHosts(spec.app.http_allow_hosts),
  };
  let result: ApplyResult | null = null;
  try {
    await writeTransaction(db, async (trx) => {
      result = await planAndApply(trx, { ...spec, app }, options);
      if (options.dryRun || !result.applied) throw new DryRun();
    });
  } catch (error) {
    if (!(error instanceof DryRun)) throw error;
  }
  return result as unknown as ApplyResult;
}

async function planAndApply(
  trx: WriteTransaction,
  spec: CheckedAppSpec,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const conflicts: AppPlan['conflicts'] = [];
  const existing = await trx
    .selectFrom('apps')
    .selectAll()
    .where('slug', '=', spec.app.slug)
    .executeTakeFirst();
  if (existing && options.mode === 'import') {
    conflicts.push({ kind: 'slug', value: spec.app.slug, app: { id: existing.id, slug: existing.slug } });
  }
  const retired = await trx
    .selectFrom('app_slug_history')
    .innerJoin('apps', 'apps.id', 'app_slug_history.app_id')
    .select(['apps.id', 'apps.slug'])
    .where('app_slug_history.slug', '=', spec.app.slug)
    .executeTakeFirst();
  if (!existing && retired) conflicts.push({ kind: 'slug', value: spec.app.slug, app: retired });
  const appId = options.mode === 'deploy' ? (existing?.id ?? null) : null;
  if (appId) await lockAppScripts(trx, appId);

  // Current state of the app (empty for a new one).
  const currentScripts = appId
    ? await trx.selectFrom('scripts').selectAll().where('app_id', '=', appId).execute()
    : [];
  const currentDomains = appId
    ? await trx.selectFrom('app_domains').selectAll().where('app_id', '=', appId).execute()
    : [];
  const currentRoutes = appId
    ? await trx.selectFrom('routes').selectAll().where('app_id', '=', appId).execute()
    : [];
  const currentTriggers = appId
    ? await trx.selectFrom('triggers').selectAll().where('app_id', '=', appId).execute()
    : [];
  const scriptName = new Map(currentScripts.map((s) => [s.id, s.name]));

  const plan: AppPlan = {
    app: { slug: spec.app.slug, action: !appId ? 'create' : 'unchanged' },
    scripts: [],
    routes: [],
    triggers: [],
    domains: [],
    conflicts,
    changes: false,
  };
  if (existing && appId) {
    const same =
      existing.name === spec.app.name &&
      existing.description === spec.app.description &&
      JSON.stringify(existing.cors_origins) === JSON.stringify(spec.app.cors_origins) &&
      JSON.stringify(existing.http_allow_hosts) === JSON.stringify(spec.app.http_allow_hosts);
    if (!same) plan.app.action = 'update';
  }

  // Host claims: another app's claim is a conflict.
  const desiredKeys = new Set(spec.domains.map((d) => d.shapeKey));
  const keptDomains: CheckedAppSpec['domains'] = [];
  for (const domain of spec.domains) {
    if (currentDomains.some((d) => d.shape_key === domain.shapeKey)) {
      plan.domains.push({ pattern: domain.pattern, action: 'unchanged' });
      continue;
    }
    const holder = await trx
      .selectFrom('app_domains')
      .innerJoin('apps', 'apps.id', 'app_domains.app_id')
      .select(['apps.id', 'apps.slug'])
      .where('app_domains.shape_key', '=', domain.shapeKey)
      .executeTakeFirst();
    if (holder) {
      if (options.skipConflictingDomains) {
        plan.domains.push({
          pattern: domain.pattern,
          action: 'skipped',
          reason: `claimed by app "${holder.slug}"`,
        });
      } else {
        conflicts.push({ kind: 'domain', value: domain.pattern, app: holder });
      }
      continue;
    }
    plan.domains.push({ pattern: domain.pattern, action: 'create' });
    keptDomains.push(domain);
  }
  for (const domain of currentDomains) {
    if (!desiredKeys.has(domain.shape_key)) plan.domains.push({ pattern: domain.pattern, action: 'delete' });
  }

  // Scripts.
  const byName = new Map(currentScripts.map((s) => [s.name, s]));
  for (const script of spec.scripts) {
    const current = byName.get(script.name);
    if (!current) {
      plan.scripts.push({
        name: script.name,
        action: 'create',
        version: script.versions?.at(-1)?.version ?? 1,
      });
    } else if (
      current.source !== script.source ||
      current.kind !== script.kind ||
      current.description !== script.description
    ) {
      const codeChanged = current.source !== script.source || current.kind !== script.kind;
      plan.scripts.push({
        name: script.name,
        action: 'update',
        version: codeChanged ? current.current_version + 1 : current.current_version,
      });
    } else {
      plan.scripts.push({ name: script.name, action: 'unchanged', version: current.current_version });
    }
  }
  const desiredScripts = new Set(spec.scripts.map((s) => s.name));
  for (const current of currentScripts) {
    if (!desiredScripts.has(current.name))
      plan.scripts.push({ name: current.name, action: 'delete', version: null });
  }

  // Routes, by methods, path and host.
  const currentRouteByKey = new Map(
    currentRoutes.map((r) => [routeKey(r), { ...r, script: scriptName.get(r.script_id) ?? '' }]),
  );
  const desiredRoutes = new Map(spec.routes.map((r) => [routeKey(r), r]));
  for (const [key, route] of desiredRoutes) {
    const current = currentRouteByKey.get(key);
    const action: PlanAction = !current
      ? 'create'
      : current.script !== route.script ||
          current.required_scope !== route.required_scope ||
          current.path !== route.path
        ? 'update'
        : 'unchanged';
    plan.routes.push({ route: key, action });
  }
  for (const key of currentRouteByKey.keys())
    if (!desiredRoutes.has(key)) plan.routes.push({ route: key, action: 'delete' });

  // Triggers, by queue or by schedule and script.
  const currentTriggerByKey = new Map(
    currentTriggers.map((t) => [
      triggerKey({ ...t, script: scriptName.get(t.script_id) ?? '' }),
      { ...t, script: scriptName.get(t.script_id) ?? '' },
    ]),
  );
  const desiredTriggers = new Map(spec.triggers.map((t) => [triggerKey(t), t]));
  for (const [key, trigger] of desiredTriggers) {
    const current = currentTriggerByKey.get(key);
    const action: PlanAction = !current
      ? 'create'
      : current.script !== trigger.script ||
          current.enabled !== trigger.enabled ||
          current.max_attempts !== trigger.max_attempts ||
          current.backoff_seconds !== trigger.backoff_seconds
        ? 'update'
        : 'unchanged';
    plan.triggers.push({ trigger: key, action });
  }
  for (const key of currentTriggerByKey.keys())
    if (!desiredTriggers.has(key)) plan.triggers.push({ trigger: key, action: 'delete' });

  plan.changes =
    plan.app.action !== 'unchanged' ||
    [...plan.scripts, ...plan.routes, ...plan.triggers, ...plan.domains].some(
      (item) => item.action !== 'unchanged' && item.action !== 'skipped',
    );

  if (conflicts.length > 0) {
    if (options.dryRun) return { plan, applied: false, app: null, versions: {} };
    const first = conflicts[0];
    const what = first.kind === 'slug' ? `the slug "${first.value}"` : `the host "${first.value}"`;
    throw new PicloudError(
      options.mode === 'import'
        ? 'PICLOUD_ERR_BUNDLE_CONFLICT'
        : first.kind === 'slug'
          ? 'PICLOUD_ERR_APP_SLUG_TAKEN'
          : 'PICLOUD_ERR_DOMAIN_TAKEN',
      `App "${first.app.slug}" already has ${what}${options.mode === 'import' ? ': import it under another slug (as), which leaves out host claims others hold' : ''}`,
      { conflicts },
    );
  }
  if (options.dryRun || (!plan.changes && !options.extra)) {
    return {
      plan,
      applied: false,
      app: existing ? { id: existing.id, slug: existing.slug } : null,
      versions: versionsOf(currentScripts),
    };
  }

  // Apply. The app first.
  let id = appId;
  if (!id) {
    if (retired) await trx.deleteFrom('app_slug_history').where('slug', '=', spec.app.slug).execute();
    id = (
      await trx
        .insertInto('apps')
        .values({
          slug: spec.app.slug,
          name: spec.app.name,
          description: spec.app.description,
          cors_origins: spec.app.cors_origins,
          http_allow_hosts: spec.app.http_allow_hosts,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    await lockAppScripts(trx, id);
  } else if (plan.app.action === 'update') {
    await trx
      .updateTable('apps')
      .set({
        name: spec.app.name,
        description: spec.app.description,
        cors_origins: spec.app.cors_origins,
        http_allow_hosts: spec.app.http_allow_hosts,
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .execute();
  }
  const appIdFinal = id;
  await announce(trx, { topic: 'apps', app: appIdFinal });

  // Host claims.
  for (const domain of currentDomains) {
    if (!desiredKeys.has(domain.shape_key))
      await trx.deleteFrom('app_domains').where('id', '=', domain.id).execute();
  }
  for (const domain of keptDomains) {
    await trx
      .insertInto('app_domains')
      .values({ app_id: appIdFinal, pattern: domain.pattern, kind: domain.kind, shape_key: domain.shapeKey })
      .execute();
  }
  await announce(trx, { topic: 'domains', app: appIdFinal });

  // Routes and triggers that go or change lose their rows first (they hold scripts).
  for (const [key, route] of currentRouteByKey) {
    if (!desiredRoutes.has(key)) await trx.deleteFrom('routes').where('id', '=', route.id).execute();
  }
  for (const [key, trigger] of currentTriggerByKey) {
    if (!desiredTriggers.has(key)) await trx.deleteFrom('triggers').where('id', '=', trigger.id).execute();
  }

  // Scripts: create and update, then the dependency table (every module exists by then), then delete.
  const ids = new Map<string, string>();
  const saved: {
    id: string;
    name: string;
    kind: 'endpoint' | 'module';
    before: { name: string; kind: 'endpoint' | 'module' } | null;
  }[] = [];
  for (const script of spec.scripts) {
    const current = byName.get(script.name);
    if (!current) {
      const versions = script.versions ?? [
        {
          version: 1,
          kind: script.kind,
          message: options.mode === 'deploy' ? 'Deployed' : 'Imported',
          created_at: '',
          source: script.source,
        },
      ];
      const last = versions[versions.length - 1];
      const row = await trx
        .insertInto('scripts')
        .values({
          app_id: appIdFinal,
          name: script.name,
          kind: script.kind,
          source: script.source,
          description: script.description,
          current_version: last.version,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const v of versions) {
        const at = Date.parse(v.created_at);
        await trx
          .insertInto('script_versions')
          .values({
            script_id: row.id,
            version: v.version,
            kind: v.kind,
            message: v.message,
            source: v.source,
            ...(Number.isNaN(at) ? {} : { created_at: new Date(at) }),
          })
          .execute();
      }
      ids.set(script.name, row.id);
      saved.push({ id: row.id, name: script.name, kind: script.kind, before: null });
      continue;
    }
    ids.set(script.name, current.id);
    const codeChanged = current.source !== script.source || current.kind !== script.kind;
    if (codeChanged) {
      const version = current.current_version + 1;
      await trx
        .insertInto('script_versions')
        .values({
          script_id: current.id,
          version,
          kind: script.kind,
          message: 'Deployed',
          source: script.source,
        })
        .execute();
      await trx
        .updateTable('scripts')
        .set({
          source: script.source,
          kind: script.kind,
          description: script.description,
          current_version: version,
          updated_at: new Date(),
        })
        .where('id', '=', current.id)
        .execute();
      saved.push({
        id: current.id,
        name: script.name,
        kind: script.kind,
        before: { name: current.name, kind: current.kind },
      });
    } else if (current.description !== script.description) {
      await trx
        .updateTable('scripts')
        .set({ description: script.description, updated_at: new Date() })
        .where('id', '=', current.id)
        .execute();
    }
  }
  for (const script of saved) {
    await saveImports(
      trx,
      { id: script.id, appId: appIdFinal, name: script.name, kind: script.kind, before: script.before },
      spec.scripts.find((s) => s.name === script.name)?.imports ?? [],
    );
    await announce(trx, { topic: 'scripts', app: appIdFinal, script: script.id });
  }
  for (const current of currentScripts) {
    if (!desiredScripts.has(current.name)) {
      await trx.deleteFrom('scripts').where('id', '=', current.id).execute();
      await announce(trx, { topic: 'scripts', app: appIdFinal, script: current.id });
    }
  }

  // Routes and triggers: create and update.
  for (const [key, route] of desiredRoutes) {
    const current = currentRouteByKey.get(key);
    const fields = routeFields(route, ids);
    if (!current)
      await trx
        .insertInto('routes')
        .values({ app_id: appIdFinal, ...fields })
        .execute();
    else
      await trx
        .updateTable('routes')
        .set({ ...fields, updated_at: new Date() })
        .where('id', '=', current.id)
        .execute();
  }
  await announce(trx, { topic: 'routes', app: appIdFinal });
  for (const [key, trigger] of desiredTriggers) {
    const current = currentTriggerByKey.get(key);
    const fields = triggerFields(trigger, ids);
    if (!current)
      await trx
        .insertInto('triggers')
        .values({ app_id: appIdFinal, ...fields })
        .execute();
    else
      await trx
        .updateTable('triggers')
        .set({ ...fields, updated_at: new Date() })
        .where('id', '=', current.id)
        .execute();
  }
  await announce(trx, { topic: 'triggers', app: appIdFinal });
  await options.extra?.(trx, appIdFinal);
  const { rows } = await sql<{
    id: string;
    current_version: number;
  }>`SELECT id, current_version FROM scripts WHERE app_id = ${appIdFinal}`.execute(trx);
  return { plan, applied: true, app: { id: appIdFinal, slug: spec.app.slug }, versions: versionsOf(rows) };
}

function versionsOf(rows: { id: string; current_version: number }[]): Record<string, number> {
  return Object.fromEntries(rows.map((r) => [r.id, r.current_version]));
}

function routeFields(route: CheckedRoute, ids: Map<string, string>) {
  return {
    script_id: ids.get(route.script) as string,
    methods: route.methods,
    path: route.path,
    path_shape: route.path_shape,
    host: route.host,
    required_scope: route.required_scope,
  };
}

function triggerFields(trigger: CheckedTrigger, ids: Map<string, string>) {
  return {
    script_id: ids.get(trigger.script) as string,
    kind: trigger.kind,
    schedule: trigger.schedule,
    timezone: trigger.timezone,
    queue: trigger.queue,
    max_attempts: trigger.max_attempts,
    backoff_seconds: trigger.backoff_seconds,
    enabled: trigger.enabled,
  };
}
