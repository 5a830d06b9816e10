/**
 * Turns an HTTP request into a script run and the run into the HTTP response: builds `ctx`, hands the
 * job to the executor, records the invocation, answers with the script's response or its error.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ExecutionJob, ExecutionLimits, ExecutorClient, ScriptRequest } from '../contracts/executor.js';
import type { ExecutionLogSink, ExecutionRecord } from '../manager/logs/execution-record.js';
import type { LiveScript, RoutedApp } from './routing-snapshot.js';

/** What dispatch needs. */
export interface DispatchDeps {
  executor: ExecutorClient;
  logSink: ExecutionLogSink;
  limits: ExecutionLimits;
}

function headersOf(request: FastifyRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function scriptRequest(
  request: FastifyRequest,
  app: RoutedApp,
  params: Record<string, string>,
): ScriptRequest {
  const query = (request.query ?? {}) as Record<string, string | string[]>;
  return {
    method: request.method,
    path: request.url.split('?')[0],
    params,
    query: { ...query },
    headers: headersOf(request),
    body: request.body ?? null,
    app,
    request_id: request.id,
  };
}

/** Runs `script` for `request` and sends the response. */
export async function dispatchToScript(
  deps: DispatchDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  target: {
    app: RoutedApp;
    script: LiveScript;
    params: Record<string, string>;
    trigger: ExecutionRecord['trigger'];
  },
): Promise<FastifyReply> {
  const startedAt = new Date();
  const job: ExecutionJob = {
    script: {
      id: target.script.id,
      version: target.script.version,
      name: target.script.name,
      source: target.script.source,
    },
    request: scriptRequest(request, target.app, target.params),
    limits: deps.limits,
  };
  const report = await deps.executor.execute(job);
  const { result } = report;
  const status = result.ok ? result.response.status : result.error.status;
  deps.logSink.record({
    app_id: target.app.id,
    script_id: target.script.id,
    script_version: target.script.version,
    request_id: request.id,
    trigger: target.trigger,
    status: result.ok
      ? 'ok'
      : result.error.code === 'PICLOUD_ERR_SCRIPT_TIMEOUT'
        ? 'timeout'
        : result.error.code === 'PICLOUD_ERR_SCRIPT_LIMIT'
          ? 'limit'
          : 'error',
    http_status: status,
    duration_ms: Math.round(report.durationMs * 1000) / 1000,
    operations: report.operations,
    error: result.ok
      ? null
      : {
          code: result.error.code,
          message: result.error.message,
          kind: result.error.kind,
          line: result.error.line,
          column: result.error.column,
        },
    output: report.output,
    started_at: startedAt,
  });

  if (result.ok) {
    const { response } = result;
    reply.code(response.status).headers(response.headers);
    if (response.body === null || request.method === 'HEAD') return reply.send();
    return reply.send(typeof response.body === 'string' ? response.body : Buffer.from(response.body));
  }
  const { code, message, kind, line, column, details } = result.error;
  const errorDetails = {
    ...(details ?? {}),
    ...(kind ? { kind } : {}),
    ...(line != null ? { line, column } : {}),
  };
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send({
      error: { code, message, ...(Object.keys(errorDetails).length > 0 ? { details: errorDetails } : {}) },
    });
}
