/**
 * Turns an HTTP request into a script run and the run into the HTTP response: builds `ctx`, hands the
 * job to the executor, records the invocation, answers with the script's response or its error.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ExecutionJob, ExecutionLimits, ExecutorClient, ScriptRequest } from '../contracts/executor.js';
import { SESSION_COOKIE } from '../contracts/route-access.js';
import type { ExecutionLogSink, ExecutionRecord } from '../manager/logs/execution-record.js';
import { withCorsHeaders } from './cors.js';
import type { LiveScript, RoutedApp } from './routing-snapshot.js';

/** What dispatch needs. */
export interface DispatchDeps {
  executor: ExecutorClient;
  logSink: ExecutionLogSink;
  limits: ExecutionLimits;
}

/** `picloud_session=…` pairs in a Cookie header. */
const SESSION_PAIR = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=[^;]*`, 'g');

function headersOf(request: FastifyRequest, withoutAuthorization: boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  if (withoutAuthorization) delete headers.authorization;
  // The panel's session cookie reaches scripts served on the panel's host; a script must never see it
  // (it could print it into the execution log, readable with a mere logs:read token).
  const cookie = headers.cookie;
  if (cookie?.includes(SESSION_COOKIE)) {
    const rest = cookie.replace(SESSION_PAIR, '').replace(/^;\s*/, '');
    if (rest === '') delete headers.cookie;
    else headers.cookie = rest;
  }
  return headers;
}

function scriptRequest(
  request: FastifyRequest,
  app: RoutedApp,
  params: Record<string, string>,
  withoutAuthorization: boolean,
): ScriptRequest {
  const query = (request.query ?? {}) as Record<string, string | string[]>;
  return {
    method: request.method,
    path: request.url.split('?')[0],
    params,
    query: { ...query },
    headers: headersOf(request, withoutAuthorization),
    body: request.body ?? null,
    // Only what the SDK promises (`ctx.app`): the routing details stay with the orchestrator.
    app: { id: app.id, slug: app.slug },
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
    /**
     * The `Access-Control-Allow-Origin` PiCloud answers this request with (already on the reply, so
     * errors carry it too); merged into the script's headers unless the script set its own.
     */
    allowOrigin?: string;
    /**
     * The route took an API token, which PiCloud checked: the script does not get it (it could print
     * it into the logs, or use it).
     */
    tokenChecked?: boolean;
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
    request: {
      ...scriptRequest(request, target.app, target.params, target.tokenChecked === true),
      trigger: { kind: target.trigger === 'execute' ? 'execute' : 'http' },
    },
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
    reply
      .code(response.status)
      .headers(
        target.allowOrigin === undefined
          ? response.headers
          : withCorsHeaders(response.headers, target.allowOrigin),
      );
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
