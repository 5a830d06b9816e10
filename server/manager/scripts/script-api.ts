/**
 * `/api/v1/admin/scripts`: scripts of every app (`?app=` filters), their versions and rollbacks.
 * Saving compiles first; invalid code is a 422 with the engine's diagnostics (message, line, column).
 * A module is checked for its shape, and every script's imports against the app's modules (see
 * script-imports.ts and docs/modules.md). `scripts:check` runs the same checks without saving, for the
 * editor's live diagnostics (script-check.ts).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { resolveAppId } from '../apps/app-store.js';
import { callerRights } from '../auth/caller-rights.js';
import type { ManagerContext } from '../manager-deps.js';
import { ErrorSchema, PageOf, PageQuerySchema } from '../schemas.js';
import { checkScript } from './script-check.js';
import {
  createScript,
  deleteScript,
  getScript,
  getVersion,
  listScripts,
  listVersions,
  rollbackScript,
  updateScript,
} from './script-store.js';

const Kind = Type.Union([Type.Literal('endpoint'), Type.Literal('module')]);
const ScriptName = Type.String({
  pattern: '^[A-Za-z_][A-Za-z0-9_-]{0,63}$',
  description: 'unique within the app',
});
const Source = Type.String({ maxLength: 256 * 1024 });
const summaryProperties = {
  id: Type.String({ format: 'uuid' }),
  app_id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  kind: Kind,
  description: Type.String(),
  version: Type.Integer({ description: 'the live version' }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
};
const ScriptSummarySchema = Type.Object(summaryProperties);
const ScriptSchema = Type.Object({ ...summaryProperties, source: Type.String() });
const VersionSchema = Type.Object({
  version: Type.Integer(),
  kind: Kind,
  message: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  source: Type.Optional(Type.String()),
});
const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
/** A version number; at most PostgreSQL's integer maximum, so a huge one is a 400, not a database error. */
const VersionNumber = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const tags = ['scripts'];
const PositionSchema = {
  line: Type.Integer({ minimum: 1 }),
  column: Type.Integer({ minimum: 1 }),
};
const CheckResultSchema = Type.Object({
  diagnostics: Type.Array(
    Type.Object({
      message: Type.String(),
      line: Type.Union([PositionSchema.line, Type.Null()]),
      column: Type.Union([PositionSchema.column, Type.Null()]),
      kind: Type.String({
        description:
          "the engine's kind (e.g. ExprExpected), ModuleShape, ImportPath, ImportUnknown, ImportForeign, ImportEndpoint, ImportCycle, ImportDepth, ModuleNameReserved or ModuleInUse",
      }),
      severity: Type.Literal('error'),
    }),
  ),
  imports: Type.Array(Type.Object({ name: Type.String(), ...PositionSchema })),
});

/** Registers the script routes. */
export function scriptApi({ db, scriptChecker, locate }: ManagerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/admin/scripts',
      {
        config: { access: { scope: 'scripts:read', app: locate.appQuery } },
        schema: {
          tags,
          summary: 'List scripts (without source)',
          querystring: Type.Intersect([
            PageQuerySchema,
            Type.Object({ app: Type.Optional(Type.String({ maxLength: 64 })), kind: Type.Optional(Kind) }),
          ]),
          response: { 200: PageOf(ScriptSummarySchema) },
        },
      },
      async (request) => {
        const { app: appRef, kind, ...page } = request.query;
        const appId = appRef === undefined ? undefined : await resolveAppId(db, appRef);
        return listScripts(db, { appId, kind }, page);
      },
    );

    app.post(
      '/admin/scripts',
      {
        config: { access: { scope: 'scripts:write', app: locate.appBody } },
        schema: {
          tags,
          summary: 'Create a script (compiled first; version 1)',
          body: Type.Object(
            {
              app: Type.String({ minLength: 1, maxLength: 64, description: 'app id or slug' }),
              name: ScriptName,
              kind: Type.Optional(Kind),
              source: Source,
              description: Type.Optional(Type.String({ maxLength: 2000 })),
              message: Type.Optional(Type.String({ maxLength: 500 })),
            },
            { additionalProperties: false },
          ),
          response: { 201: ScriptSchema, 404: ErrorSchema, 409: ErrorSchema, 422: ErrorSchema },
        },
      },
      async (request, reply) => {
        const { app: appRef, kind, ...rest } = request.body;
        const script = await createScript(
          db,
          scriptChecker,
          { appId: await resolveAppId(db, appRef), kind: kind ?? 'endpoint', ...rest },
          callerRights(request.principal),
        );
        return reply.code(201).send(script);
      },
    );

    app.post(
      '/admin/scripts::check',
      {
        // A check changes nothing: like a read, it is not audited.
        config: { access: { scope: 'scripts:read', app: locate.appBody, readOnly: true } },
        schema: {
          tags,
          summary: "Check a script's source as saving would, without saving (the editor's live diagnostics)",
          body: Type.Object(
            {
              app: Type.String({ minLength: 1, maxLength: 64, description: 'app id or slug' }),
              kind: Type.Optional(Kind),
              source: Source,
              name: Type.Optional(
                Type.String({
                  maxLength: 64,
                  description: "the script's name: the app's script of that name is the one being edited",
                }),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 200: CheckResultSchema, 404: ErrorSchema },
        },
      },
      async (request) => {
        const { app: appRef, kind, source, name } = request.body;
        return checkScript(db, scriptChecker, {
          appId: await resolveAppId(db, appRef),
          kind: kind ?? 'endpoint',
          source,
          name: name === undefined || name === '' ? null : name,
          caller: callerRights(request.principal),
        });
      },
    );

    app.get(
      '/admin/scripts/:id',
      {
        config: { access: { scope: 'scripts:read', app: locate.scriptParam } },
        schema: {
          tags,
          summary: 'Get a script with its live source',
          params: IdParam,
          response: { 200: ScriptSchema, 404: ErrorSchema },
        },
      },
      async (request) => getScript(db, request.params.id),
    );

    app.patch(
      '/admin/scripts/:id',
      {
        config: { access: { scope: 'scripts:write', app: locate.scriptParam } },
        schema: {
          tags,
          summary: 'Save a script: new source or kind compiles first and becomes a new version',
          params: IdParam,
          body: Type.Object(
            {
              name: Type.Optional(ScriptName),
              kind: Type.Optional(Kind),
              source: Type.Optional(Source),
              description: Type.Optional(Type.String({ maxLength: 2000 })),
              message: Type.Optional(
                Type.String({ maxLength: 500, description: 'note stored with the version' }),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 200: ScriptSchema, 404: ErrorSchema, 409: ErrorSchema, 422: ErrorSchema },
        },
      },
      async (request) =>
        updateScript(db, scriptChecker, request.params.id, request.body, callerRights(request.principal)),
    );

    app.delete(
      '/admin/scripts/:id',
      {
        config: { access: { scope: 'scripts:write', app: locate.scriptParam } },
        schema: {
          tags,
          summary: 'Delete a script, its versions and routes (not a module that others import)',
          params: IdParam,
          response: { 204: Type.Null(), 404: ErrorSchema, 409: ErrorSchema },
        },
      },
      async (request, reply) => {
        await deleteScript(db, request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/admin/scripts/:id/versions',
      {
        config: { access: { scope: 'scripts:read', app: locate.scriptParam } },
        schema: {
          tags,
          summary: 'List versions, newest first',
          params: IdParam,
          querystring: PageQuerySchema,
          response: { 200: PageOf(VersionSchema), 404: ErrorSchema },
        },
      },
      async (request) => listVersions(db, request.params.id, request.query),
    );

    app.get(
      '/admin/scripts/:id/versions/:version',
      {
        config: { access: { scope: 'scripts:read', app: locate.scriptParam } },
        schema: {
          tags,
          summary: 'Get one version with its source',
          params: Type.Object({ id: Type.String({ maxLength: 64 }), version: VersionNumber }),
          response: { 200: VersionSchema, 404: ErrorSchema },
        },
      },
      async (request) => getVersion(db, request.params.id, request.params.version),
    );

    app.post(
      '/admin/scripts/:id/rollback',
      {
        config: { access: { scope: 'scripts:write', app: locate.scriptParam } },
        schema: {
          tags,
          summary: 'Make an old version live again (as a new version)',
          params: IdParam,
          body: Type.Object({ version: VersionNumber }, { additionalProperties: false }),
          response: { 200: ScriptSchema, 404: ErrorSchema, 409: ErrorSchema, 422: ErrorSchema },
        },
      },
      async (request) =>
        rollbackScript(
          db,
          scriptChecker,
          request.params.id,
          request.body.version,
          callerRights(request.principal),
        ),
    );
  };
}
