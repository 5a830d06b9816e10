/** `/api/v1/admin/apps/:app/routes`: custom HTTP routes of an app. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ROUTE_METHODS } from '../../routing/path-pattern.js';
import { SCOPE_NAMES, type Scope } from '../../security/scopes.js';
import { appFromParam } from '../app-param.js';
import type { ManagerContext } from '../manager-deps.js';
import { AppParam, ErrorSchema } from '../schemas.js';
import { createRoute, deleteRoute, getRoute, listRoutes, updateRoute } from './route-store.js';

const RouteSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  app_id: Type.String({ format: 'uuid' }),
  script_id: Type.String({ format: 'uuid' }),
  script_name: Type.String(),
  methods: Type.Array(Type.String()),
  path: Type.String(),
  host: Type.Union([Type.String(), Type.Null()]),
  required_scope: Type.Union([Type.String(), Type.Null()], {
    description: 'callers must present an API token with this scope; null: anonymous',
  }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
const Methods = Type.Array(
  Type.String({ minLength: 1, maxLength: 10, description: ROUTE_METHODS.join(', ') }),
  {
    minItems: 1,
    maxItems: ROUTE_METHODS.length,
  },
);
/** A scope name, or null; one enum so a wrong value is one clear validation problem. */
const RequiredScope = Type.Unsafe<Scope | null>({
  type: ['string', 'null'],
  enum: [...SCOPE_NAMES, null],
  description: `callers must present "Authorization: Bearer <API token>" holding this scope (or admin): ${SCOPE_NAMES.join(', ')}; null: anyone may call`,
});
const fields = {
  script: Type.String({
    minLength: 1,
    maxLength: 64,
    description: 'script id or name (an endpoint of this app)',
  }),
  methods: Methods,
  path: Type.String({ minLength: 1, maxLength: 512, description: '"/users/:id", "/files/*"' }),
  host: Type.Optional(
    Type.Union([Type.String({ maxLength: 255 }), Type.Null()], { description: 'one host the app claims' }),
  ),
  required_scope: Type.Optional(RequiredScope),
};
const RouteParams = Type.Object({ app: Type.String(), route: Type.String({ maxLength: 64 }) });
const tags = ['routes'];

/** Registers the route routes. */
export function routeApi({ db, locate }: ManagerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/admin/apps/:app/routes',
      {
        config: { access: { scope: 'scripts:read', app: locate.appParam } },
        schema: {
          tags,
          summary: "List an app's routes",
          params: AppParam,
          response: { 200: Type.Object({ items: Type.Array(RouteSchema) }) },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        return found ? { items: await listRoutes(db, found.id) } : reply;
      },
    );

    app.post(
      '/admin/apps/:app/routes',
      {
        config: { access: { scope: 'scripts:write', app: locate.appParam } },
        schema: {
          tags,
          summary: 'Add a route',
          params: AppParam,
          body: Type.Object(fields, { additionalProperties: false }),
          response: { 201: RouteSchema, 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        return found ? reply.code(201).send(await createRoute(db, found.id, request.body)) : reply;
      },
    );

    app.get(
      '/admin/apps/:app/routes/:route',
      {
        config: { access: { scope: 'scripts:read', app: locate.appParam } },
        schema: {
          tags,
          summary: 'Get a route',
          params: RouteParams,
          response: { 200: RouteSchema, 404: ErrorSchema },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        return found ? getRoute(db, found.id, request.params.route) : reply;
      },
    );

    app.patch(
      '/admin/apps/:app/routes/:route',
      {
        config: { access: { scope: 'scripts:write', app: locate.appParam } },
        schema: {
          tags,
          summary: 'Change a route',
          params: RouteParams,
          body: Type.Object(
            {
              script: Type.Optional(fields.script),
              methods: Type.Optional(Methods),
              path: Type.Optional(fields.path),
              host: fields.host,
              required_scope: fields.required_scope,
            },
            { additionalProperties: false },
          ),
          response: { 200: RouteSchema, 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        return found ? updateRoute(db, found.id, request.params.route, request.body) : reply;
      },
    );

    app.delete(
      '/admin/apps/:app/routes/:route',
      {
        config: { access: { scope: 'scripts:write', app: locate.appParam } },
        schema: {
          tags,
          summary: 'Delete a route',
          params: RouteParams,
          response: { 204: Type.Null(), 404: ErrorSchema },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        if (!found) return reply;
        await deleteRoute(db, found.id, request.params.route);
        return reply.code(204).send(null);
      },
    );
  };
}
