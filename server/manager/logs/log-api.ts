/**
 * `/api/v1/admin/logs`: execution logs (filter by app, script, status, time; paginated), one record,
 * and a live tail as Server-Sent Events (`/admin/logs/stream`).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { resolveAppId } from '../apps/app-store.js';
import type { ManagerContext } from '../manager-deps.js';
import { ErrorSchema, PageOf, PageQuerySchema, RunErrorFields } from '../schemas.js';
import { getLog, listLogs } from './log-store.js';
import type { ExecutionLogWriter } from './log-writer.js';

const Status = Type.Union([
  Type.Literal('ok'),
  Type.Literal('error'),
  Type.Literal('timeout'),
  Type.Literal('limit'),
]);
const LogSchema = Type.Object({
  id: Type.String(),
  app_id: Type.String(),
  script_id: Type.Union([Type.String(), Type.Null()]),
  script_version: Type.Union([Type.Integer(), Type.Null()]),
  request_id: Type.String(),
  trigger: Type.String(),
  status: Status,
  http_status: Type.Union([Type.Integer(), Type.Null()]),
  duration_ms: Type.Number(),
  operations: Type.Integer(),
  error: Type.Union([Type.Object(RunErrorFields), Type.Null()]),
  output: Type.String(),
  started_at: Type.String({ format: 'date-time' }),
  request: Type.Union(
    [
      Type.Object({
        method: Type.String(),
        path: Type.String({ description: 'without the query string' }),
        host: Type.Union([Type.String(), Type.Null()]),
        response_bytes: Type.Integer({ minimum: 0, description: 'bytes of the response body' }),
      }),
      Type.Null(),
    ],
    {
      description:
        'the HTTP request the run answered (never its body or headers); null for cron and queue runs',
    },
  ),
});
const Filters = Type.Object({
  app: Type.Optional(Type.String({ maxLength: 64, description: 'app id or slug' })),
  script: Type.Optional(Type.String({ format: 'uuid' })),
  status: Type.Optional(Status),
  since: Type.Optional(Type.String({ format: 'date-time' })),
  until: Type.Optional(Type.String({ format: 'date-time' })),
});
const tags = ['logs'];

/** Keep-alive comments let proxies and browsers keep an idle stream open. Only runs while a client listens. */
const STREAM_KEEPALIVE_MS = 25_000;

/** Registers the log routes. */
export function logApi(
  { db, locate }: ManagerContext,
  writer: ExecutionLogWriter,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Open streams end when the server closes, so shutdown does not wait for browsers to hang up.
    // preClose, not onClose: onClose runs only after the server has waited for every connection.
    const streams = new Set<() => void>();
    app.addHook('preClose', async () => {
      for (const end of streams) end();
    });

    app.get(
      '/admin/logs',
      {
        config: { access: { scope: 'logs:read', app: locate.appQuery } },
        schema: {
          tags,
          summary: 'List execution logs, newest first',
          querystring: Type.Intersect([PageQuerySchema, Filters]),
          response: { 200: PageOf(LogSchema) },
        },
      },
      async (request) => {
        const { app: appRef, script, status, since, until, ...page } = request.query;
        return listLogs(
          db,
          {
            appId: appRef === undefined ? undefined : await resolveAppId(db, appRef),
            scriptId: script,
            status,
            since,
            until,
          },
          page,
        );
      },
    );

    app.get(
      '/admin/logs/stream',
      {
        config: { access: { scope: 'logs:read', app: locate.appQuery } },
        schema: {
          tags,
          summary: 'Live tail of execution logs (text/event-stream; one `log` event per record)',
          querystring: Type.Object({
            app: Type.Optional(Type.String({ maxLength: 64 })),
            script: Type.Optional(Type.String({ format: 'uuid' })),
            status: Type.Optional(Status),
          }),
        },
      },
      async (request, reply) => {
        const appId = request.query.app === undefined ? undefined : await resolveAppId(db, request.query.app);
        const { script, status } = request.query;
        reply.hijack();
        const raw = reply.raw;
        raw.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
          'x-request-id': request.id,
        });
        raw.write(': connected\n\n');
        const unsubscribe = writer.subscribe((records) => {
          for (const record of records) {
            if (appId && record.app_id !== appId) continue;
            if (script && record.script_id !== script) continue;
            if (status && record.status !== status) continue;
            raw.write(`id: ${record.id}\nevent: log\ndata: ${JSON.stringify(record)}\n\n`);
          }
        });
        const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), STREAM_KEEPALIVE_MS);
        const close = () => {
          clearInterval(keepAlive);
          unsubscribe();
          streams.delete(end);
        };
        const end = () => {
          close();
          raw.end();
        };
        streams.add(end);
        request.raw.on('close', close);
        raw.on('error', close);
      },
    );

    app.get(
      '/admin/logs/:id',
      {
        config: { access: { scope: 'logs:read', app: locate.logParam } },
        schema: {
          tags,
          summary: 'Get one execution log',
          params: Type.Object({ id: Type.String({ maxLength: 20 }) }),
          response: { 200: LogSchema, 404: ErrorSchema },
        },
      },
      async (request) => getLog(db, request.params.id),
    );
  };
}
