/**
 * `GET /api/v1/admin/stats/requests`: requests and errors per app over the last minutes or hours, in
 * contiguous zero-filled buckets, for the panel's small charts (see request-stats.ts).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { resolveAppId } from '../apps/app-store.js';
import type { ManagerContext } from '../manager-deps.js';
import { ErrorSchema } from '../schemas.js';
import { requestStats, STATS_MINUTES } from './request-stats.js';

const Count = Type.Integer({ minimum: 0 });
const RequestStatsSchema = Type.Object({
  minutes: Type.Integer(),
  bucket_s: Type.Integer({ description: '60 up to 180 minutes, 300 beyond' }),
  since: Type.String({ format: 'date-time', description: 'start of the first bucket' }),
  apps: Type.Array(
    Type.Object({
      app_id: Type.String({ format: 'uuid' }),
      slug: Type.String(),
      requests: Count,
      errors: Count,
      buckets: Type.Array(
        Type.Object({ at: Type.String({ format: 'date-time' }), requests: Count, errors: Count }),
        { description: 'oldest first; the last one is the current, partial bucket' },
      ),
    }),
  ),
});

/** Registers the stats routes. */
export function statsApi({ db, locate }: ManagerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/admin/stats/requests',
      {
        config: { access: { scope: 'logs:read', app: locate.appQuery } },
        schema: {
          tags: ['logs'],
          summary: 'Requests and errors per app over the last minutes, in zero-filled time buckets',
          querystring: Type.Object({
            app: Type.Optional(
              Type.String({ maxLength: 64, description: 'app id or slug; all apps without' }),
            ),
            minutes: Type.Optional(
              Type.Integer({
                minimum: STATS_MINUTES.min,
                maximum: STATS_MINUTES.max,
                description: `the window (default ${STATS_MINUTES.default})`,
              }),
            ),
          }),
          response: { 200: RequestStatsSchema, 404: ErrorSchema },
        },
      },
      async (request) => {
        const { app: appRef, minutes } = request.query;
        return requestStats(db, {
          minutes: minutes ?? STATS_MINUTES.default,
          appId: appRef === undefined ? undefined : await resolveAppId(db, appRef),
        });
      },
    );
  };
}
