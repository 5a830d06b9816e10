/**
 * Enforces every API route's `config.access` (see contracts/route-access.ts), in this order:
 *  1. onRequest, before the body is read: who is calling (token or session), set-up still pending,
 *     credentials present, scope held, cross-site and CSRF checks for browser sessions;
 *  2. preHandler, once parameters and body are parsed: a token limited to one app acts on that app;
 *  3. onResponse: changes (and refused attempts by known callers) go to the audit log.
 */
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal, RouteAccess } from '../../contracts/route-access.js';
import type { JsonValue } from '../../db/schema.js';
import { PicloudError } from '../../errors/catalogue.js';
import { sameSecret } from '../../security/secret-token.js';
import { type AuthService, CSRF_HEADER, requireScope } from './auth-service.js';

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
 * Refuses a browser request sent by another site: its Origin (or Sec-Fetch-Site) must say it comes
 * from the page this server served. Non-browser clients send neither header and pass.
 */
export function refuseCrossSite(request: FastifyRequest): void {
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') {
    throw new PicloudError('PICLOUD_ERR_AUTH_CROSS_SITE', `Refused a ${fetchSite} request`);
  }
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let sameHost = false;
  try {
    const from = new URL(origin);
    // Parsed with the origin's scheme, the Host header loses a default port just as the origin did.
    sameHost = from.host === new URL(`${from.protocol}//${request.headers.host ?? ''}`).host;
  } catch {
    sameHost = false;
  }
  if (!sameHost) {
    throw new PicloudError('PICLOUD_ERR_AUTH_CROSS_SITE', `Refused a request from origin "${origin}"`);
  }
}

function accessOf(request: FastifyRequest): RouteAccess {
  const access = request.routeOptions.config.access;
  // Unreachable: the API scope refuses to register a route without a declaration.
  if (!access) throw new PicloudError('PICLOUD_ERR_INTERNAL');
  return access;
}

/** How the audit log names a caller. */
export function auditActor(principal: Principal | null) {
  if (!principal) return { actorKind: 'anonymous' as const, actorId: null, actorName: '' };
  return principal.kind === 'admin'
    ? { actorKind: 'admin' as const, actorId: principal.adminId, actorName: principal.username }
    : { actorKind: 'token' as const, actorId: principal.tokenId, actorName: principal.name };
}

/** Installs cookie parsing and the three hooks on the API scope. */
export function accessControl(auth: AuthService) {
  return async (scope: FastifyInstance): Promise<void> => {
    // Parsed only under /api: the apps' endpoints receive their Cookie header untouched.
    await scope.register(fastifyCookie);
    scope.decorateRequest('principal', null);
    scope.decorateRequest('targetAppId', null);

    scope.addHook('onRequest', async (request, reply) => {
      const access = accessOf(request);
      const unsafe = isUnsafeMethod(request.method);
      if ('public' in access) {
        // Stale credentials must not stop anyone from signing in again.
        request.principal = await auth.authenticate(request, reply).catch(() => null);
        if (unsafe) refuseCrossSite(request);
        return;
      }
      if (await auth.needsSetup()) throw new PicloudError('PICLOUD_ERR_AUTH_SETUP_REQUIRED');
      const principal = await auth.authenticate(request, reply);
      if (!principal) {
        reply.header('www-authenticate', 'Bearer realm="picloud"');
        throw new PicloudError('PICLOUD_ERR_AUTH_REQUIRED');
      }
      request.principal = principal;
      if ('session' in access) {
        if (principal.kind !== 'admin') throw new PicloudError('PICLOUD_ERR_AUTH_SESSION_REQUIRED');
      } else {
        requireScope(principal, access.scope);
      }
      if (principal.kind === 'admin' && unsafe) {
        refuseCrossSite(request);
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

    scope.addHook('onResponse', async (request, reply) => {
      const access = accessOf(request);
      if ('public' in access || !changes(request, access) || !request.principal) return;
      const status = reply.statusCode;
      try {
        // Refused before preHandler: name the app from what was parsed (path, query), best effort.
        if (request.targetAppId === null && 'scope' in access && access.app) {
          request.targetAppId = (await access.app(request).catch(() => null)) ?? null;
        }
        await auth.audit.record({
          ...auditActor(request.principal),
          action: `${request.method} ${request.routeOptions.url}`,
          target: { ...(request.params as Record<string, JsonValue>) },
          appId: request.targetAppId,
          outcome: status < 400 ? 'ok' : status === 401 || status === 403 ? 'refused' : 'failed',
          status,
          ip: request.ip,
        });
      } catch (error) {
        request.log.error({ err: error }, 'audit log write failed');
      }
    });
  };
}
