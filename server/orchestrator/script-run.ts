/**
 * `POST /api/v1/admin/scripts/{id}/run`: the editor's Run panel. Runs the live version of an endpoint
 * with a request described in the body — method, path with query string, headers, raw body text parsed
 * by its content type as a real request's would be — and answers 200 with everything the panel shows:
 * the script's response (or its error with line and column), its printed output, how long it took and
 * how many operations it used. The run is recorded in the execution log like any other (trigger
 * `test`), so it shows in the logs and the live tail; the script sees `ctx.trigger.kind == "execute"`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { ExecutionReport, ScriptRequest } from '../contracts/executor.js';
import type { Database } from '../db/schema.js';
import { PicloudError } from '../errors/catalogue.js';
import { isUuid } from '../manager/ids.js';
import { ErrorSchema, RunErrorFields } from '../manager/schemas.js';
import { hostFromHeader } from '../routing/host-claim.js';
import {
  type DispatchDeps,
  roundedMs,
  runAndRecord,
  runError,
  runStatus,
  scriptHeaders,
} from './dispatch.js';
import { parseForm, parseScriptBody, rawScriptBody } from './request-body.js';
import type { RoutingCache } from './routing-cache.js';
import { type LiveScript, type RoutedApp, type RouteTarget, reloadScript } from './routing-snapshot.js';

/** What the Run route needs. */
export interface ScriptRunDeps {
  /** Reads the script's live version, so a run right after a save runs what was saved. */
  db: Kysely<Database>;
  routing: RoutingCache;
  dispatch: DispatchDeps;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
type Method = (typeof METHODS)[number];

const RunBody = Type.Object(
  {
    method: Type.Union(
      METHODS.map((method) => Type.Literal(method)),
      { description: 'the request method the script sees' },
    ),
    path: Type.String({
      minLength: 1,
      maxLength: 4096,
      pattern: '^/',
      description: 'the path the script sees, with an optional query string (`/zones/7?verbose=1`)',
    }),
    headers: Type.Optional(
      Type.Record(
        Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" }),
        Type.String({ maxLength: 8192 }),
        {
          maxProperties: 100,
          additionalProperties: false,
          description:
            'request headers (names in any case; the script sees them in lower case, without Authorization or the session cookie)',
        },
      ),
    ),
    body: Type.Optional(
      Type.String({
        description: 'raw body text, parsed by the content-type header: JSON, a form, text, else bytes',
      }),
    ),
  },
  { additionalProperties: false },
);

const RunResultSchema = Type.Object({
  request_id: Type.String({ description: 'also the execution log record’s request_id' }),
  status: Type.Union([
    Type.Literal('ok'),
    Type.Literal('error'),
    Type.Literal('timeout'),
    Type.Literal('limit'),
  ]),
  response: Type.Union([
    Type.Object({
      status: Type.Integer(),
      headers: Type.Record(Type.String(), Type.String()),
      body: Type.String(),
      body_encoding: Type.Union([Type.Literal('utf8'), Type.Literal('base64')]),
    }),
    Type.Null(),
  ]),
  error: Type.Union([
    Type.Object({
      ...RunErrorFields,
      http_status: Type.Integer({ description: 'the status a real caller would have received' }),
    }),
    Type.Null(),
  ]),
  output: Type.String({ description: 'what the script printed (print, debug)' }),
  duration_ms: Type.Number(),
  operations: Type.Integer(),
  version: Type.Integer({ description: 'the script version that ran' }),
});

/** The Run panel's answer. */
export type RunResult = typeof RunResultSchema.static;

/** The request described by the panel, as the script's `ctx` (with `ctx.trigger.kind` `execute`). */
export function panelRequest(
  app: RoutedApp,
  params: Record<string, string>,
  described: { method: string; path: string; headers?: Record<string, string>; body?: string },
  requestId: string,
): ScriptRequest {
  const [pathAndQuery] = described.path.split('#');
  const queryAt = pathAndQuery.indexOf('?');
  const path = queryAt === -1 ? pathAndQuery : pathAndQuery.slice(0, queryAt);
  // No prototype: a header named like one of Object's properties is just a header.
  const lowerCased: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(described.headers ?? {})) {
    const key = name.toLowerCase();
    lowerCased[key] = Object.hasOwn(lowerCased, key) ? `${lowerCased[key]}, ${value}` : value;
  }
  const headers = scriptHeaders(lowerCased, true);
  return {
    method: described.method,
    path,
    params,
    query: { ...(queryAt === -1 ? {} : parseForm(pathAndQuery.slice(queryAt + 1))) },
    headers,
    body: parseScriptBody(headers['content-type'], described.body),
    raw_body: rawScriptBody(described.body),
    app: { id: app.id, slug: app.slug },
    request_id: requestId,
    trigger: { kind: 'execute' },
  };
}

/**
 * The parameters of the app's route on `path` that runs `scriptId` — the given method's route first,
 * then any other method's — or none. A host-bound route matches only with its `host` header.
 */
export function paramsFromRoutes(
  routing: RoutingCache,
  appId: string,
  scriptId: string,
  method: Method,
  path: string,
  host: string | undefined,
): Record<string, string> {
  const router = routing.snapshot.routers.get(appId);
  if (!router) return {};
  const bare = path.split(/[?#]/)[0];
  const hostName = hostFromHeader(host);
  const constraints = hostName ? { host: hostName } : {};
  const tried = method === 'HEAD' ? ['HEAD', 'GET'] : [method];
  for (const candidate of [...tried, ...METHODS.filter((m) => !tried.includes(m))]) {
    const found = router.find(candidate as never, bare, constraints);
    if (!found || (found.store as RouteTarget).scriptId !== scriptId) continue;
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(found.params)) if (value !== undefined) params[name] = value;
    return params;
  }
  return {};
}

/** The report as the panel shows it. */
export function runView(
  report: ExecutionReport,
  requestId: string,
  version: number,
  method: string,
): RunResult {
  const { result } = report;
  const error = runError(result);
  let response: RunResult['response'] = null;
  if (result.ok) {
    const { status, headers, body } = result.response;
    const text = body === null || method === 'HEAD' ? '' : body;
    response =
      typeof text === 'string'
        ? { status, headers, body: text, body_encoding: 'utf8' }
        : { status, headers, body: Buffer.from(text).toString('base64'), body_encoding: 'base64' };
  }
  return {
    request_id: requestId,
    status: runStatus(result),
    response,
    error:
      error === null || result.ok
        ? null
        : {
            code: error.code,
            message: error.message,
            ...(error.kind === undefined ? {} : { kind: error.kind }),
            ...(error.line == null ? {} : { line: error.line, column: error.column ?? null }),
            http_status: result.error.status,
          },
    output: report.output,
    duration_ms: roundedMs(report.durationMs),
    operations: report.operations,
    version,
  };
}

function notFound(id: string): PicloudError {
  return new PicloudError('PICLOUD_ERR_SCRIPT_NOT_FOUND', `No script with id ${id}`);
}

/** Registers the Run route. */
export function scriptRunApi({ db, routing, dispatch }: ScriptRunDeps): FastifyPluginAsyncTypebox {
  /** The script's app: from the snapshot, or the database for a script created a moment ago. */
  async function appOfScript(request: FastifyRequest): Promise<string | null> {
    const { id } = request.params as { id: string };
    const known = routing.snapshot.scripts.get(id)?.appId;
    if (known !== undefined || !isUuid(id)) return known ?? null;
    const row = await db.selectFrom('scripts').select('app_id').where('id', '=', id).executeTakeFirst();
    return row?.app_id ?? null;
  }

  /**
   * The live version of the script and its app. The snapshot follows saves within milliseconds, but a
   * Run pressed right after Save must not run the version before: the database says which is live.
   */
  async function liveScript(id: string): Promise<{ script: LiveScript; app: RoutedApp }> {
    if (!isUuid(id)) throw notFound(id);
    const row = await db
      .selectFrom('scripts')
      .innerJoin('apps', 'apps.id', 'scripts.app_id')
      .select(['scripts.current_version', 'scripts.app_id', 'apps.slug'])
      .where('scripts.id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound(id);
    let script = routing.snapshot.scripts.get(id);
    if (script?.version !== row.current_version) {
      await routing.settled();
      script = routing.snapshot.scripts.get(id);
      if (script?.version !== row.current_version) {
        await reloadScript(db, routing.snapshot, id);
        script = routing.snapshot.scripts.get(id);
      }
    }
    if (!script) throw notFound(id);
    const app = routing.snapshot.apps.get(script.appId) ?? {
      id: row.app_id,
      slug: row.slug,
      corsOrigins: null,
    };
    return { script, app };
  }

  return async (scope) => {
    scope.post(
      '/admin/scripts/:id/run',
      {
        config: { access: { scope: 'endpoints:invoke', app: appOfScript } },
        schema: {
          tags: ['scripts'],
          summary:
            "Run an endpoint's live version with a request built in the editor; 200 with its response or error, output, duration and operations",
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
          body: RunBody,
          response: { 200: RunResultSchema, 400: ErrorSchema, 404: ErrorSchema },
        },
      },
      async (request) => {
        const { script, app } = await liveScript(request.params.id);
        if (script.kind !== 'endpoint') {
          throw new PicloudError(
            'PICLOUD_ERR_SCRIPT_NOT_ENDPOINT',
            `"${script.name}" is a module: only endpoints run`,
          );
        }
        const described = request.body;
        const params = paramsFromRoutes(
          routing,
          app.id,
          script.id,
          described.method,
          described.path,
          Object.entries(described.headers ?? {}).find(([name]) => name.toLowerCase() === 'host')?.[1],
        );
        const report = await runAndRecord(dispatch, {
          app,
          script,
          request: panelRequest(app, params, described, request.id),
          trigger: 'test',
        });
        return runView(report, request.id, script.version, described.method);
      },
    );
  };
}
