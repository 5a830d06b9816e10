/**
 * Turns an HTTP request into a script run and the run into the HTTP response: builds `ctx`, hands the
 * job to the executor, records the invocation, answers with the script's response or its error. The
 * run-and-record step ({@link runAndRecord}) is shared with every other way of running a script.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type {
  ExecutionFailure,
  ExecutionJob,
  ExecutionLimits,
  ExecutionReport,
  ExecutionResult,
  ExecutorClient,
  ScriptRequest,
} from '../contracts/executor.js';
import { PANEL_COOKIES, SESSION_COOKIE } from '../contracts/route-access.js';
import type { ExecutionError, ExecutionLogSink, ExecutionRecord } from '../manager/logs/execution-record.js';
import { withCorsHeaders } from './cors.js';
import { rawBodyOf } from './request-body.js';
import type { LiveScript, RoutedApp } from './routing-snapshot.js';

/** What dispatch needs. */
export interface DispatchDeps {
  executor: ExecutorClient;
  logSink: ExecutionLogSink;
  limits: ExecutionLimits;
}

/** `picloud_session=…` and `__Host-picloud_session=…` pairs in a Cookie header. */
const SESSION_PAIR = new RegExp(`(?:^|;\\s*)(?:__Host-)?${SESSION_COOKIE}=[^;]*`, 'g');

/**
 * Request headers as a script sees them: lower-case names (as Node gives them), repeated ones joined,
 * without the panel's session cookie and, when asked, without `Authorization`.
 */
export function scriptHeaders(
  raw: Record<string, string | string[] | undefined>,
  withoutAuthorization: boolean,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
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

/** Cookie names as a browser compares them, with the prefixes that only add rules (`__Host-`, `__Secure-`). */
function cookieName(setCookie: string): string {
  const equals = setCookie.indexOf('=');
  const name = (equals < 0 ? '' : setCookie.slice(0, equals)).trim().toLowerCase();
  return name.replace(/^__(host|secure)-/, '');
}
const PANEL_COOKIE_NAMES = new Set(PANEL_COOKIES.map((name) => name.toLowerCase()));

/**
 * A script's response headers as sent: without a `Set-Cookie` for one of the panel's cookies. Browsers
 * share cookies between the ports of a host, so such a cookie would reach the panel's listener — to sign
 * the owner out, or into a session of someone else's choosing.
 */
export function responseHeaders(headers: Record<string, string>): Record<string, string> {
  const setCookie = headers['set-cookie'];
  if (setCookie === undefined || !PANEL_COOKIE_NAMES.has(cookieName(setCookie))) return headers;
  const { 'set-cookie': _dropped, ...rest } = headers;
  return rest;
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
    headers: scriptHeaders(request.headers, withoutAuthorization),
    body: request.body ?? null,
    raw_body: rawBodyOf(request),
    // Only what the SDK promises (`ctx.app`): the routing details stay with the orchestrator.
    app: { id: app.id, slug: app.slug },
    request_id: request.id,
  };
}

/** How a run ended, as the execution log records it. */
export function runStatus(result: ExecutionResult): ExecutionRecord['status'] {
  if (result.ok) return 'ok';
  if (result.error.code === 'PICLOUD_ERR_SCRIPT_TIMEOUT') return 'timeout';
  return result.error.code === 'PICLOUD_ERR_SCRIPT_LIMIT' ? 'limit' : 'error';
}

/** A failed run's error with its position, as logged and shown; null for a run that succeeded. */
export function runError(result: ExecutionResult): ExecutionError | null {
  if (result.ok) return null;
  const { code, message, kind, line, column } = result.error;
  return { code, message, kind, line, column };
}

/** One run: which script, for which app, with which `ctx`, recorded under which trigger. */
export interface ScriptRun {
  app: RoutedApp;
  script: LiveScript;
  /** What the script sees as `ctx` (its `trigger` included). */
  request: ScriptRequest;
  /** What the execution log records as the trigger. */
  trigger: ExecutionRecord['trigger'];
}

/**
 * Runs a script and records the run in the execution log — the part every way of running a script
 * shares (a route, `/execute/{id}`, the panel's Run, a trigger). Resolves with the executor's report;
 * the run's own failure is in it, never thrown.
 */
export async function runAndRecord(deps: DispatchDeps, run: ScriptRun): Promise<ExecutionReport> {
  const startedAt = new Date();
  const { script } = run;
  const job: ExecutionJob = {
    script: { id: script.id, version: script.version, name: script.name, source: script.source },
    request: run.request,
    limits: deps.limits,
  };
  const report = await deps.executor.execute(job);
  const { result } = report;
  const answered = run.trigger === 'cron' || run.trigger === 'queue' ? null : run.request;
  deps.logSink.record({
    app_id: run.app.id,
    script_id: script.id,
    script_version: script.version,
    request_id: run.request.request_id,
    trigger: run.trigger,
    status: runStatus(result),
    http_status: result.ok ? result.response.status : result.error.status,
    duration_ms: roundedMs(report.durationMs),
    operations: report.operations,
    error: runError(result),
    output: report.output,
    started_at: startedAt,
    request: answered && {
      method: answered.method,
      path: answered.path.slice(0, LOGGED_PATH_LENGTH),
      host: answered.headers.host?.slice(0, LOGGED_HOST_LENGTH) ?? null,
      response_bytes: answered.method === 'HEAD' ? 0 : responseBytes(result),
    },
  });
  return report;
}

/** Longest path and Host the execution log keeps (they come from callers, who may send anything). */
const LOGGED_PATH_LENGTH = 2048;
const LOGGED_HOST_LENGTH = 255;

/** Bytes of the body a run's response carries: the script's, or PiCloud's JSON error. */
function responseBytes(result: ExecutionResult): number {
  if (!result.ok) return Buffer.byteLength(JSON.stringify(errorBody(result.error)));
  const { body } = result.response;
  if (body === null) return 0;
  return typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
}

/** The JSON error PiCloud answers for a failed run: code, message, and the position in `details`. */
function errorBody(error: ExecutionFailure) {
  const { code, message, kind, line, column, details } = error;
  const errorDetails = {
    ...(details ?? {}),
    ...(kind ? { kind } : {}),
    ...(line != null ? { line, column } : {}),
  };
  return {
    error: { code, message, ...(Object.keys(errorDetails).length > 0 ? { details: errorDetails } : {}) },
  };
}

/** Milliseconds to the microsecond, as logged. */
export function roundedMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
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
    trigger: 'http' | 'execute';
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
  const { result } = await runAndRecord(deps, {
    app: target.app,
    script: target.script,
    request: {
      ...scriptRequest(request, target.app, target.params, target.tokenChecked === true),
      trigger: { kind: target.trigger },
    },
    trigger: target.trigger,
  });

  if (result.ok) {
    const { response } = result;
    const headers = responseHeaders(response.headers);
    reply
      .code(response.status)
      .headers(target.allowOrigin === undefined ? headers : withCorsHeaders(headers, target.allowOrigin));
    if (response.body === null || request.method === 'HEAD') return reply.send();
    return reply.send(typeof response.body === 'string' ? response.body : Buffer.from(response.body));
  }
  return reply
    .code(result.error.status)
    .type('application/json; charset=utf-8')
    .send(errorBody(result.error));
}
