/**
 * The `http` script service: what answers `http::request` (and the `http::get`/`http::post`
 * shorthands, which the SDK turns into requests). It reads the app's allow-list (`apps.http_allow_hosts`)
 * and hands the request to the app-agnostic client in `server/outbound/`, which checks hosts and
 * addresses, pins DNS, follows redirects and enforces the limits. The timeout is the shortest of the
 * request's own, the appliance's cap and the time left to the run.
 */
import type { Kysely } from 'kysely';
import type { Database, JsonValue } from '../../db/schema.js';
import { HostPolicy } from '../../outbound/host-policy.js';
import { OutboundError } from '../../outbound/outbound-error.js';
import {
  OUTBOUND_METHODS,
  type OutboundMethod,
  type OutboundOptions,
  type OutboundRequest,
  sendOutbound,
} from '../../outbound/outbound-request.js';
import { PRODUCT_VERSION } from '../../version.js';
import { ServiceError, type ServiceHandler, serviceOps } from './script-services.js';

/** Limits of the service. */
export interface HttpServiceOptions {
  /** Longest request (and the default timeout), in milliseconds. */
  timeoutMs: number;
  /** Largest response body, in bytes. */
  maxResponseBytes: number;
  /** For tests: the resolver (default: the system's). */
  resolve?: OutboundOptions['resolve'];
  /** Sees each connection the requests open (the appliance remembers its own; never a trusted proxy). */
  onSocket?: OutboundOptions['onSocket'];
}

const FIELDS = ['method', 'url', 'headers', 'body', 'timeout_ms'];

function invalid(message: string): ServiceError {
  return new ServiceError('HTTP_INVALID_REQUEST', message);
}

/** The script's request map, checked, with its body serialised (a string as is, anything else as JSON). */
function readRequest(arg: unknown): { request: OutboundRequest; timeoutMs: number | null } {
  if (arg === null || typeof arg !== 'object' || Array.isArray(arg)) {
    throw invalid('expects a map #{method, url, headers, body, timeout}');
  }
  const fields = arg as Record<string, unknown>;
  const unknown = Object.keys(fields).find((name) => !FIELDS.includes(name));
  if (unknown !== undefined) throw invalid(`the map holds an unknown field (known: ${FIELDS.join(', ')})`);
  const method = String(fields.method ?? 'GET').toUpperCase();
  if (!(OUTBOUND_METHODS as readonly string[]).includes(method)) {
    throw invalid(`the method must be one of ${OUTBOUND_METHODS.join(', ')}`);
  }
  if (typeof fields.url !== 'string' || fields.url === '') throw invalid('the url must be a string');
  const headers: Record<string, string> = {};
  if (fields.headers !== undefined && fields.headers !== null) {
    if (typeof fields.headers !== 'object' || Array.isArray(fields.headers)) {
      throw invalid('the headers must be a map of names to strings');
    }
    for (const [name, value] of Object.entries(fields.headers)) {
      if (!['string', 'number', 'boolean'].includes(typeof value)) {
        throw invalid('a header value must be a string');
      }
      headers[name] = String(value);
    }
  }
  const has = (name: string) => Object.keys(headers).some((header) => header.toLowerCase() === name);
  let body: string | null = null;
  if (fields.body !== undefined && fields.body !== null) {
    if (typeof fields.body === 'string') {
      body = fields.body;
      if (!has('content-type')) headers['content-type'] = 'text/plain; charset=utf-8';
    } else {
      body = JSON.stringify(fields.body as JsonValue);
      if (!has('content-type')) headers['content-type'] = 'application/json';
    }
  }
  const timeout = fields.timeout_ms;
  if (timeout !== undefined && timeout !== null && !(typeof timeout === 'number' && timeout > 0)) {
    throw invalid('the timeout must be a positive number of milliseconds');
  }
  return {
    request: { method: method as OutboundMethod, url: fields.url, headers, body },
    timeoutMs: typeof timeout === 'number' ? timeout : null,
  };
}

/** An app's `http_allow_hosts`, or null when the app no longer exists. */
export type AllowHostsLookup = (appId: string) => Promise<readonly string[] | null>;

/** The allow-lists as the appliance keeps them: `apps.http_allow_hosts`. */
export function allowHostsFromDatabase(db: Kysely<Database>): AllowHostsLookup {
  return async (appId) => {
    const app = await db
      .selectFrom('apps')
      .select('http_allow_hosts')
      .where('id', '=', appId)
      .executeTakeFirst();
    return app ? app.http_allow_hosts : null;
  };
}

/**
 * The handler to register as `http`: `request [{method, url, headers, body, timeout_ms}]` →
 * `{status, headers, body}` (body as text; non-2xx statuses are answers, not errors).
 * @example services.register('http', httpHandler(allowHostsFromDatabase(db), { timeoutMs: 10_000, maxResponseBytes: 1 << 20 }));
 */
export function httpHandler(allowHosts: AllowHostsLookup, options: HttpServiceOptions): ServiceHandler {
  const userAgent = `PiCloud/${PRODUCT_VERSION}`;
  return serviceOps('http', {
    request: async ({ appId, args, deadline, signal }) => {
      if (args.length !== 1) throw invalid('http.request takes one argument: the request map');
      const { request, timeoutMs } = readRequest(args[0]);
      const allowed = await allowHosts(appId);
      if (allowed === null) throw new ServiceError('HTTP_HOST_NOT_ALLOWED', 'the app no longer exists');
      try {
        return await sendOutbound(request, {
          policy: new HostPolicy(allowed),
          timeoutMs: Math.min(timeoutMs ?? options.timeoutMs, options.timeoutMs, deadline - Date.now()),
          maxResponseBytes: options.maxResponseBytes,
          userAgent,
          resolve: options.resolve,
          onSocket: options.onSocket,
          signal,
        });
      } catch (error) {
        if (!(error instanceof OutboundError)) throw error;
        const hint =
          error.reason === 'HTTP_HOST_NOT_ALLOWED'
            ? " (the app's http_allow_hosts decides; see docs/security.md)"
            : '';
        throw new ServiceError(error.reason, `${error.message}${hint}`);
      }
    },
  });
}
