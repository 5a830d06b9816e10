/**
 * What every API route declares about who may call it (Fastify route `config.access`). The HTTP layer
 * refuses to register an API route without a declaration, and the manager's access control enforces
 * it before the body is even read — so no route can be forgotten.
 */
import type { FastifyRequest } from 'fastify';
import type { Scope } from '../security/scopes.js';

/**
 * The app a request acts on, for tokens limited to one app: its id, `null` when the target does not
 * exist (the handler then answers 404), or `undefined` when the route is not about one app (refused to
 * app-limited tokens).
 */
export type AppLocator = (request: FastifyRequest) => Promise<string | null | undefined>;

/** The panel's session cookie (set by the manager; hidden from scripts by the orchestrator). */
export const SESSION_COOKIE = 'picloud_session';

/**
 * Its name over HTTPS: the `__Host-` prefix makes the browser accept it only with `Secure`, `Path=/` and
 * no `Domain` — so no plain-HTTP page of this host can set or overwrite it.
 */
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;

/** The session cookie's name for a request over HTTPS (`secure`) or plain HTTP. */
export function sessionCookieName(secure: boolean): string {
  return secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
}

/**
 * The cookies the panel's listener reads. A script's response may not set any of them (browsers share
 * cookies between the ports of a host, so a script's Set-Cookie would reach the panel).
 */
export const PANEL_COOKIES: readonly string[] = [SESSION_COOKIE];

/**
 * The appliance's two listeners, two origins: the panel's (its files, `/api/v1/auth/*`,
 * `/api/v1/admin/*`) and the endpoints' (the apps' routes, `/api/v1/execute/{id}`).
 */
export type ListenerName = 'panel' | 'endpoints';

/** Who may call a route. */
export type RouteAccess =
  /** Anyone (sign-in, set-up, the session probe). */
  | { public: true }
  /** Only the owner's own browser session (password change): tokens are refused. */
  | { session: true }
  /** A session, or a token holding `scope` (and, when limited to an app, acting on that app). */
  | {
      scope: Scope;
      app?: AppLocator;
      /**
       * A POST that changes nothing (a check the editor sends as you type): like a read, it is not
       * written to the audit log. Sessions still need the CSRF token, as for every POST.
       */
      readOnly?: true;
    };

/** Who is calling, once authenticated. */
export type Principal =
  | {
      kind: 'admin';
      adminId: string;
      username: string;
      sessionId: string;
      csrfToken: string;
    }
  | {
      kind: 'token';
      tokenId: string;
      name: string;
      scopes: readonly string[];
      /** The one app this token may touch, or null for all. */
      appId: string | null;
    };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Required on every route under `/api/v1` (see RouteAccess). */
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** The authenticated caller of an API route, or null. */
    principal: Principal | null;
    /** The app the request acts on, once an AppLocator found it (for the audit log). */
    targetAppId: string | null;
  }
}
