/**
 * `/api/v1/admin/tokens`: create (the token is in the answer, once), list, read and revoke scoped API
 * tokens. Managing tokens needs the `admin` scope.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { PicloudError } from '../../errors/catalogue.js';
import { SCOPE_NAMES, SCOPES, type Scope } from '../../security/scopes.js';
import { resolveAppId } from '../apps/app-store.js';
import { ErrorSchema } from '../schemas.js';
import type { AuthService } from './auth-service.js';
import { auditActor } from './request-audit.js';
import { createToken, getToken, listTokens, revokeToken } from './token-store.js';

const ScopeSchema = Type.Union(
  SCOPE_NAMES.map((scope) => Type.Literal(scope, { description: SCOPES[scope] })),
);
const tokenProperties = {
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  prefix: Type.String({ description: 'the first characters of the token, to tell tokens apart' }),
  scopes: Type.Array(Type.String()),
  app_id: Type.Union([Type.String(), Type.Null()], { description: 'the one app it may touch, or null' }),
  created_by: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
};
const TokenSchema = Type.Object(tokenProperties);
const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const tags = ['tokens'];

/** Registers the token routes. */
export function tokenApi(auth: AuthService): FastifyPluginAsyncTypebox {
  const { db } = auth;
  return async (app) => {
    app.get(
      '/admin/tokens',
      {
        config: { access: { scope: 'admin' } },
        schema: {
          tags,
          summary: 'List API tokens, newest first (never the tokens themselves)',
          querystring: Type.Object({ include_revoked: Type.Optional(Type.Boolean()) }),
          response: { 200: Type.Object({ items: Type.Array(TokenSchema) }) },
        },
      },
      async (request) => listTokens(db, { includeRevoked: request.query.include_revoked }),
    );

    app.post(
      '/admin/tokens',
      {
        config: { access: { scope: 'admin' } },
        schema: {
          tags,
          summary: 'Create an API token; the answer holds the token, shown this once',
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 100 }),
              scopes: Type.Array(ScopeSchema, { minItems: 1, maxItems: SCOPE_NAMES.length }),
              app: Type.Optional(
                Type.String({ minLength: 1, maxLength: 64, description: 'limit to one app (id or slug)' }),
              ),
              expires_at: Type.Optional(Type.String({ format: 'date-time' })),
            },
            { additionalProperties: false },
          ),
          response: {
            201: Type.Object({ ...tokenProperties, token: Type.String({ description: 'shown once' }) }),
            400: ErrorSchema,
            404: ErrorSchema,
          },
        },
      },
      async (request, reply) => {
        const { name, scopes, app: appRef, expires_at: expiresAt } = request.body;
        const expires = expiresAt === undefined ? null : new Date(expiresAt);
        if (expires && expires.getTime() <= Date.now()) {
          throw new PicloudError('PICLOUD_ERR_HTTP_VALIDATION', 'expires_at must be in the future', [
            { in: 'body', path: '/expires_at', message: 'must be in the future' },
          ]);
        }
        const appId = appRef === undefined ? null : await resolveAppId(db, appRef);
        request.targetAppId = appId;
        const created = await createToken(db, {
          name,
          scopes: scopes as Scope[],
          appId,
          expiresAt: expires,
          createdBy: auditActor(request.principal).actorName,
        });
        return reply.code(201).send(created);
      },
    );

    app.get(
      '/admin/tokens/:id',
      {
        config: { access: { scope: 'admin' } },
        schema: {
          tags,
          summary: 'Get one API token',
          params: IdParam,
          response: { 200: TokenSchema, 404: ErrorSchema },
        },
      },
      async (request) => getToken(db, request.params.id),
    );

    app.delete(
      '/admin/tokens/:id',
      {
        config: { access: { scope: 'admin' } },
        schema: {
          tags,
          summary: 'Revoke an API token (at once; it stays listed with include_revoked)',
          params: IdParam,
          response: { 200: TokenSchema, 404: ErrorSchema },
        },
      },
      async (request) => revokeToken(db, request.params.id),
    );
  };
}
