/**
 * `/api/v1/admin/apps/:app/spec` (what `picloud pull` writes into a folder) and `/api/v1/admin/deploy`
 * (what `picloud deploy` sends): the app as data, and making an app match it — every script compiled
 * first (all broken ones listed, each with line and column), a plan of what is created, changed and
 * deleted, the changes in one transaction, and an answer only once this appliance serves the new
 * versions (`live`). `dry_run` answers the plan and writes nothing.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { PicloudError } from '../../errors/catalogue.js';
import { appFromParam } from '../app-param.js';
import type { ManagerContext } from '../manager-deps.js';
import { AppParam, ErrorSchema } from '../schemas.js';
import { AppSpecSchema, checkAppSpec } from './app-spec.js';
import { applyAppSpec } from './apply-app-spec.js';
import { readAppSpec } from './read-app-spec.js';

const tags = ['deploy'];
/** How long a deploy waits for its versions to be served before answering `live: false`. */
const LIVE_TIMEOUT_MS = 10_000;

/** The plan's schema (documentation; handlers build it field by field). */
export const PlanSchema = Type.Object({
  app: Type.Object({ slug: Type.String(), action: Type.String() }),
  scripts: Type.Array(
    Type.Object({
      name: Type.String(),
      action: Type.String(),
      version: Type.Union([Type.Integer(), Type.Null()]),
    }),
  ),
  routes: Type.Array(Type.Object({ route: Type.String(), action: Type.String() })),
  triggers: Type.Array(Type.Object({ trigger: Type.String(), action: Type.String() })),
  domains: Type.Array(
    Type.Object({ pattern: Type.String(), action: Type.String(), reason: Type.Optional(Type.String()) }),
  ),
  conflicts: Type.Array(
    Type.Object({
      kind: Type.String(),
      value: Type.String(),
      app: Type.Object({ id: Type.String(), slug: Type.String() }),
    }),
  ),
  changes: Type.Boolean(),
});

/** Registers the deploy routes. */
export function deployApi({
  db,
  scriptChecker,
  locate,
  waitUntilLive,
}: ManagerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/admin/apps/:app/spec',
      {
        config: { access: { scope: 'scripts:read', app: locate.appParam } },
        schema: {
          tags,
          summary: 'The app as data: settings, host claims, scripts with their live source, routes, triggers',
          params: AppParam,
          querystring: Type.Object({ history: Type.Optional(Type.Boolean()) }),
          response: { 200: AppSpecSchema, 404: ErrorSchema },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        return found ? readAppSpec(db, found.id, { history: request.query.history ?? false }) : reply;
      },
    );

    app.post(
      '/admin/deploy',
      {
        config: { access: { scope: 'apps:write', app: locate.appBody } },
        // A whole app's sources: more than the default body limit may be needed.
        bodyLimit: 32 * 1024 * 1024,
        schema: {
          tags,
          summary:
            'Make an app match a description: compile all, plan, apply in one transaction, wait until live',
          body: Type.Object(
            {
              app: Type.String({
                minLength: 1,
                maxLength: 64,
                description: "the app's slug (spec.app.slug)",
              }),
              spec: AppSpecSchema,
              dry_run: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              plan: PlanSchema,
              applied: Type.Boolean(),
              live: Type.Boolean(),
              versions: Type.Record(Type.String(), Type.Integer()),
            }),
            400: ErrorSchema,
            409: ErrorSchema,
            422: ErrorSchema,
          },
        },
      },
      async (request) => {
        const { app: slug, spec, dry_run: dryRun = false } = request.body;
        if (slug !== spec.app.slug) {
          throw new PicloudError(
            'PICLOUD_ERR_DEPLOY_INVALID',
            `"app" (${slug}) differs from spec.app.slug (${spec.app.slug})`,
          );
        }
        if (spec.scripts.some((s) => s.versions !== undefined)) {
          throw new PicloudError(
            'PICLOUD_ERR_DEPLOY_INVALID',
            'A deploy sends live sources only: version history comes with bundles',
          );
        }
        const checked = checkAppSpec(spec, scriptChecker);
        const result = await applyAppSpec(db, checked, { mode: 'deploy', dryRun });
        let live = !result.applied;
        if (result.applied && waitUntilLive) {
          live = await waitUntilLive(result.versions, LIVE_TIMEOUT_MS);
        }
        return { plan: result.plan, applied: result.applied, live, versions: result.versions };
      },
    );
  };
}
