/**
 * `/api/v1/admin/apps`: create, list, read (by id or slug), update (including slug renames with the
 * two-step `slug:check`, then `force` to take over a retired slug, and the browser origins allowed to
 * call the app's endpoints, `cors_origins`, and the hosts its scripts may call, `http_allow_hosts`) and
 * delete apps.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { MAX_ALLOW_HOSTS } from '../../outbound/host-policy.js';
import { appFromParam } from '../app-param.js';
import { callerRights } from '../auth/caller-rights.js';
import type { ManagerContext } from '../manager-deps.js';
import { AppParam, ErrorSchema, PageOf, PageQuerySchema, Slug } from '../schemas.js';
import {
  checkSlug,
  createApp,
  deleteApp,
  listApps,
  MAX_CORS_ORIGINS,
  updateApp,
  viewApp,
} from './app-store.js';

const AppSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    slug: Type.String(),
    name: Type.String(),
    description: Type.String(),
    domains: Type.Array(
      Type.Object({
        id: Type.String(),
        pattern: Type.String(),
        kind: Type.Union([Type.Literal('exact'), Type.Literal('wildcard')]),
      }),
    ),
    cors_origins: Type.Array(Type.String(), {
      description: "origins allowed to call the app's endpoints from a browser ('*': any); empty: no CORS",
    }),
    http_allow_hosts: Type.Array(Type.String(), {
      description:
        "hosts the app's scripts may call with http::; empty: any public internet host (the LAN, this appliance and other addresses that are not globally routable need an address or CIDR entry)",
    }),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'App' },
);

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Description = Type.String({ maxLength: 2000 });
const CorsOrigins = Type.Array(
  Type.String({
    minLength: 1,
    maxLength: 300,
    description: '"*" or scheme://host[:port], e.g. http://phone.lan:3000',
  }),
  {
    maxItems: MAX_CORS_ORIGINS,
    description: "origins allowed to call the app's endpoints from a browser; replaces the list",
  },
);
const HttpAllowHosts = Type.Array(
  Type.String({
    minLength: 1,
    maxLength: 300,
    description: 'a name (api.example.com), *.suffix, an IP address or a CIDR (192.168.1.0/24)',
  }),
  {
    maxItems: MAX_ALLOW_HOSTS,
    description:
      "hosts the app's scripts may call with http::; replaces the list ([]: any public internet host)",
  },
);
const tags = ['apps'];

/** Registers the app routes. */
export function appApi({ db, locate }: ManagerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/admin/apps',
      {
        config: { access: { scope: 'apps:read' } },
        schema: {
          tags,
          summary: 'List apps',
          querystring: PageQuerySchema,
          response: { 200: PageOf(AppSchema) },
        },
      },
      async (request) => listApps(db, request.query),
    );

    app.post(
      '/admin/apps',
      {
        config: { access: { scope: 'apps:write' } },
        schema: {
          tags,
          summary: 'Create an app',
          body: Type.Object(
            {
              slug: Slug,
              name: Name,
              description: Type.Optional(Description),
              cors_origins: Type.Optional(CorsOrigins),
              http_allow_hosts: Type.Optional(HttpAllowHosts),
              force: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false },
          ),
          response: { 201: AppSchema, 400: ErrorSchema, 403: ErrorSchema, 409: ErrorSchema },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await createApp(db, request.body, callerRights(request.principal))),
    );

    app.get(
      '/admin/apps/:app',
      {
        config: { access: { scope: 'apps:read', app: locate.appParam } },
        schema: {
          tags,
          summary: 'Get an app by id or slug',
          params: AppParam,
          response: { 200: AppSchema, 404: ErrorSchema },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        return found ? viewApp(db, found) : reply;
      },
    );

    app.patch(
      '/admin/apps/:app',
      {
        config: { access: { scope: 'apps:write', app: locate.appParam } },
        schema: {
          tags,
          summary: 'Update an app (a new slug retires the old one, which keeps redirecting)',
          params: AppParam,
          body: Type.Object(
            {
              slug: Type.Optional(Slug),
              name: Type.Optional(Name),
              description: Type.Optional(Description),
              cors_origins: Type.Optional(CorsOrigins),
              http_allow_hosts: Type.Optional(HttpAllowHosts),
              force: Type.Optional(Type.Boolean({ description: 'take over a slug another app retired' })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: AppSchema,
            400: ErrorSchema,
            403: ErrorSchema,
            404: ErrorSchema,
            409: ErrorSchema,
          },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        return found ? updateApp(db, found.id, request.body, callerRights(request.principal)) : reply;
      },
    );

    app.post(
      '/admin/apps/:app/slug::check',
      {
        config: { access: { scope: 'apps:write', app: locate.appParam } },
        schema: {
          tags,
          summary: 'Step one of a rename: is this slug free for the app?',
          params: AppParam,
          body: Type.Object({ slug: Slug }, { additionalProperties: false }),
          response: {
            200: Type.Object({
              slug: Type.String(),
              available: Type.Boolean(),
              conflict: Type.Optional(
                Type.Object({
                  reason: Type.Union([Type.Literal('taken'), Type.Literal('retired')]),
                  app: Type.Optional(
                    Type.Object(
                      { id: Type.String(), slug: Type.String() },
                      { description: 'the other app, when the caller may see it' },
                    ),
                  ),
                }),
              ),
            }),
          },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        return found ? checkSlug(db, request.body.slug, found.id, callerRights(request.principal)) : reply;
      },
    );

    app.delete(
      '/admin/apps/:app',
      {
        config: { access: { scope: 'apps:write', app: locate.appParam } },
        schema: {
          tags,
          summary: 'Delete an app and everything it owns',
          params: AppParam,
          response: { 204: Type.Null(), 404: ErrorSchema },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        if (!found) return reply;
        await deleteApp(db, found.id);
        return reply.code(204).send(null);
      },
    );
  };
}
