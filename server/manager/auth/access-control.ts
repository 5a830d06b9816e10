/**
 * Enforces every API route's `config.access` (see contracts/route-access.ts), in this order:
 *  1. onRequest, before the body is read: who is calling (token or session), set-up still pending,
 *     credentials present, scope held, cross-site and CSRF checks for browser sessions;
 *  2. preHandler, once parameters and body are parsed: a token limited to one app acts on that app;
 *  3. around the handler of a change by a known caller: its audit entry (request-audit.ts) is written
 *     in the transaction of the change, or when the handler ends — before the answer, so a reset
 *     connection cannot leave a change unaudited;
 *  4. onSend: attempts refused before the handler ran, by known callers, are recorded too, also before
 *     the answer is sent.
 */
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ListenerName, RouteAccess } from '../../contracts/route-access.js';
import { PicloudError } from '../../errors/catalogue.js';
import { sameSecret } from '../../security/secret-token.js';
import { witnessing } from '../change-witness.js';
import { type AuthService, CSRF_HEADER, requireScope } from './auth-service.js';
import { RequestAudit } from './request-audit.js';

/** Methods that change nothing: no CSRF token needed, no audit entry. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** True for methods that may change state. */
export function isUnsafeMethod(method: string): boolean {
  return !SAFE_METHODS.has(method);
}

/** True for a request that may change state: an unsafe method on a route not declared read-only. */
function changes(request: FastifyRequest, access: RouteAccess): boolean {
  return isUnsafeMethod(request.method) && !('readOnly' in access && access.readOnly === true);
}

/**
 * Why a browser request did not come from a page of this very origin (scheme, host and port), or null
 * when it did — or when the client is no browser (it sends neither header). `Sec-Fetch-Site:
 * same-site` is not enough: a page of a script on the endpoints' port of the same host is same-site
 * with the panel, and must count as a stranger.
 */
export function crossOriginReason(request: FastifyRequest): string | null {
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') {
    return `Refused a ${fetchSite} request`;
  }
  const origin = request.headers.origin;
  if (origin === undefined) return null;
  let sameOrigin = false;
  try {
    const from = new URL(origin);
    // Parsed with the origin's scheme, the Host header loses a default port just as the origin did.
    // (One port serves one scheme, so host and port decide.)
    sameOrigin = from.host === new URL(`${from.protocol}//${request.headers.host ?? ''}`).host;
  } catch {
    sameOrigin = false;
  }
  return sameOrigin ? null : `Refused a request from origin "${origin}"`;
}

/** Refuses a browser request sent by a page of another origin (see {@link crossOriginReason}). */
export function refuseCrossSite(request: FastifyRequest): void {
  const reason = crossOriginReason(request);
  if (reason !== null) throw new PicloudError('PICLOUD_ERR_AUTH_CROSS_SITE', reason);
}

function accessOf(request: FastifyRequest): RouteAccess {
  const access = request.routeOptions.config.access;
  // Unreachable: the API scope refuses to register a route without a declaration.
  if (!access) throw new PicloudError('PICLOUD_ERR_INTERNAL');
  return access;
}

/** Records how a change ended; a failed audit write is logged, never made the request's failure. */
async function settle(request: FastifyRequest, status: number): Promise<void> {
  try {
    await request.audit?.settle(status);
  } catch (error) {
    request.log.error({ err: error }, 'audit log write failed');
  }
}

/** The status a handler's failure is answered with (the error handler's mapping, in short). */
function failureStatus(error: unknown): number {
  if (error instanceof PicloudError) return error.status;
  const status = (error as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

/**
 * Installs cookie parsing and the three hooks on an API scope. On the panel's listener the owner's
 * session cookie counts — only on requests from the panel's own pages; on the endpoints' listener only
 * API tokens do.
 */
export function accessControl(auth: AuthService) {
  return async (scope: FastifyInstance, listener: ListenerName): Promise<void> => {
    const sessions = listener === 'panel';
    // Parsed only under /api: the apps' endpoints receive their Cookie header untouched.
    await scope.register(fastifyCookie);
    scope.decorateRequest('principal', null);
    scope.decorateRequest('targetAppId', null);
    scope.decorateRequest('audit', null);

    // Every change's handler runs with its audit entry as the witness of its change transactions.
    scope.addHook('onRoute', (route) => {
      const handler = route.handler;
      route.handler = function audited(this: FastifyInstance, request, reply) {
        const audit = request.audit;
        if (audit === null) return handler.call(this, request, reply);
        return witnessing(audit, async () => {
          let result: unknown;
          try {
            result = await handler.call(this, request, reply);
          } catch (error) {
            await settle(request, failureStatus(error));
            throw error;
          }
          await settle(request, reply.statusCode);
          return result;
        });
      };
    });

    scope.addHook('onRequest', async (request, reply) => {
      const access = accessOf(request);
      const unsafe = isUnsafeMethod(request.method);
      if ('public' in access) {
        // Stale credentials must not stop anyone from signing in again.
        const principal = await auth.authenticate(request, reply, { sessions }).catch(() => null);
        // Another origin's page learns nothing about the session (not even its CSRF token).
        request.principal =
          principal?.kind === 'admin' && crossOriginReason(request) !== null ? null : principal;
        if (unsafe) refuseCrossSite(request);
        return;
      }
      if (await auth.needsSetup()) throw new PicloudError('PICLOUD_ERR_AUTH_SETUP_REQUIRED');
      const principal = await auth.authenticate(request, reply, { sessions });
      if (!principal) {
        reply.header('www-authenticate', 'Bearer realm="picloud"');
        throw new PicloudError('PICLOUD_ERR_AUTH_REQUIRED');
      }
      request.principal = principal;
      if (changes(request, access)) request.audit = new RequestAudit(auth.audit, request);
      if ('session' in access) {
        if (principal.kind !== 'admin') throw new PicloudError('PICLOUD_ERR_AUTH_SESSION_REQUIRED');
      } else {
        requireScope(principal, access.scope);
      }
      // A session counts only on requests from the panel's own pages, reads included: a page of another
      // port of this host is same-site and its requests carry the cookie.
      if (principal.kind === 'admin') refuseCrossSite(request);
      if (principal.kind === 'admin' && unsafe) {
        const presented = request.headers[CSRF_HEADER];
        if (typeof presented !== 'string' || !sameSecret(presented, principal.csrfToken)) {
          throw new PicloudError('PICLOUD_ERR_AUTH_CSRF');
        }
      }
    });

    scope.addHook('preHandler', async (request) => {
      const access = accessOf(request);
      const principal = request.principal;
      if (!('scope' in access) || !principal) return;
      const limitedTo = principal.kind === 'token' ? principal.appId : null;
      // Locating costs a query: only for app-limited tokens, and for changes (the audit names the app).
      if (limitedTo === null && !changes(request, access)) return;
      const appId = access.app ? await access.app(request) : undefined;
      request.targetAppId = appId ?? null;
      if (limitedTo === null) return;
      if (appId === undefined) {
        throw new PicloudError(
          'PICLOUD_ERR_AUTH_APP_FORBIDDEN',
          'This token is limited to one app; this request is not about one app (name it with ?app= where the route allows)',
        );
      }
      if (appId !== null && appId !== limitedTo) throw new PicloudError('PICLOUD_ERR_AUTH_APP_FORBIDDEN');
    });

    // Before the answer goes out, as for the handler's own: a reset connection cannot skip it.
    scope.addHook('onSend', async (request, reply, payload) => {
      const access = accessOf(request);
      if (!request.audit || request.audit.settled) return payload;
      // Refused before preHandler: name the app from what was parsed (path, query), best effort.
      if (request.targetAppId === null && 'scope' in access && access.app) {
        request.targetAppId = (await access.app(request).catch(() => null)) ?? null;
      }
      await settle(request, reply.statusCode);
      return payload;
    });
  };
}
