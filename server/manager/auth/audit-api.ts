/**
 * `/api/v1/admin/audit`: the audit log, newest first, filtered by actor, action, app, outcome and
 * time. Needs the `audit:read` scope.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { resolveAppId } from '../apps/app-store.js';
import { PageOf, PageQuerySchema } from '../schemas.js';
import type { AuthService } from './auth-service.js';

const Outcome = Type.Union([Type.Literal('ok'), Type.Literal('refused'), Type.Literal('failed')]);
const AuditSchema = Type.Object({
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.Object({
    kind: Type.String(),
    id: Type.Union([Type.String(), Type.Null()]),
    name: Type.String(),
  }),
  action: Type.String({ description: '"METHOD /api/v1/route/pattern", or an event such as auth.login' }),
  target: Type.Unknown({ description: 'route parameters or event details; never bodies or secrets' }),
  app_id: Type.Union([Type.String(), Type.Null()]),
  outcome: Outcome,
  status: Type.Union([Type.Integer(), Type.Null()]),
  ip: Type.String(),
});

/** Registers the audit route. */
export function auditApi(auth: AuthService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/admin/audit',
      {
        config: { access: { scope: 'audit:read' } },
        schema: {
          tags: ['audit'],
          summary: 'Read the audit log of admin actions, newest first',
          querystring: Type.Intersect([
            PageQuerySchema,
            Type.Object({
              actor: Type.Optional(Type.String({ maxLength: 200, description: 'user or token name' })),
              action: Type.Optional(
                Type.String({ maxLength: 300, description: 'prefix, e.g. "DELETE" or "auth."' }),
              ),
              app: Type.Optional(Type.String({ maxLength: 64 })),
              outcome: Type.Optional(Outcome),
              since: Type.Optional(Type.String({ format: 'date-time' })),
              until: Type.Optional(Type.String({ format: 'date-time' })),
            }),
          ]),
          response: { 200: PageOf(AuditSchema) },
        },
      },
      async (request) => {
        const { limit, cursor, app: appRef, ...filter } = request.query;
        const appId = appRef === undefined ? undefined : await resolveAppId(auth.db, appRef);
        return auth.audit.list({ ...filter, appId }, { limit, cursor });
      },
    );
  };
}
