/**
 * The manager's security state in one object: who is calling (sessions and API tokens), whether the
 * appliance still needs set-up (and its one-time code), the guessing throttles and the audit log.
 * The access-control hooks, the auth routes and the orchestrator's protected routes all ask it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { type Principal, SESSION_COOKIE, sessionCookieName } from '../../contracts/route-access.js';
import type { Database } from '../../db/schema.js';
import { PicloudError } from '../../errors/catalogue.js';
import { AttemptThrottle } from '../../security/login-throttle.js';
import { grants, type Scope } from '../../security/scopes.js';
import { digest, newSetupCode, normaliseSetupCode, sameSecret } from '../../security/secret-token.js';
import { adminExists } from './account-store.js';
import { AuditLog } from './audit-store.js';
import { findSession, type SessionLifetime } from './session-store.js';
import { verifyToken } from './token-store.js';

export { SESSION_COOKIE } from '../../contracts/route-access.js';
/** The header a cookie-authenticated change must carry. */
export const CSRF_HEADER = 'x-csrf-token';

/** Security settings. */
export interface AuthOptions {
  /** A session unused this many hours ends. */
  sessionIdleHours: number;
  /** A session ends this many days after sign-in. */
  sessionMaxDays: number;
  /** Audit entries are kept this many days. */
  auditRetentionDays: number;
}

/** Sessions, tokens, set-up and throttles. */
export class AuthService {
  readonly audit: AuditLog;
  /** Failed sign-ins and set-up codes, per client address and per account. */
  readonly throttle = new AttemptThrottle();
  readonly lifetime: SessionLifetime;
  /** Once an admin exists it stays so (accounts cannot all be deleted): no query after that. */
  private adminKnown = false;
  private setupCodeDigest: string | null = null;

  constructor(
    readonly db: Kysely<Database>,
    options: AuthOptions,
  ) {
    this.audit = new AuditLog(db, options.auditRetentionDays);
    this.lifetime = {
      idleMs: options.sessionIdleHours * 3_600_000,
      maxMs: options.sessionMaxDays * 86_400_000,
    };
  }

  /** True until the first admin account exists. */
  async needsSetup(): Promise<boolean> {
    if (this.adminKnown) return false;
    this.adminKnown = await adminExists(this.db);
    return !this.adminKnown;
  }

  private readonly setupListeners: (() => void)[] = [];

  /** After set-up: the code is spent and the API opens. */
  setupDone(): void {
    const first = !this.adminKnown || this.setupCodeDigest !== null;
    this.adminKnown = true;
    this.setupCodeDigest = null;
    if (first) for (const listener of this.setupListeners) listener();
  }

  /** Calls `listener` when set-up completes (the code is spent; the node is no longer fresh). */
  onSetupDone(listener: () => void): void {
    this.setupListeners.push(listener);
  }

  /**
   * When no admin exists, makes the one-time set-up code (to print on the console) and returns it;
   * otherwise null.
   */
  async openSetup(): Promise<string | null> {
    if (!(await this.needsSetup())) return null;
    const code = newSetupCode();
    this.setupCodeDigest = digest(normaliseSetupCode(code));
    return code;
  }

  /** True when `code` is the current set-up code. */
  checkSetupCode(code: string): boolean {
    return (
      this.setupCodeDigest !== null && sameSecret(digest(normaliseSetupCode(code)), this.setupCodeDigest)
    );
  }

  /**
   * Who sent the request: an API token (Authorization: Bearer) or, when `sessions` allows, a session
   * cookie; null when neither is present. Presented but invalid credentials are a 401 naming what is
   * wrong.
   *
   * Browsers share cookies between the ports of one host, so a page of a script on the endpoints' port
   * can write cookies the panel's port then receives (cookie tossing) — with a longer `Path` its
   * cookie is even sent first. Every `picloud_session` cookie of the header is therefore considered:
   * exactly one of them must be a live session. A tossed cookie that is not one cannot sign the owner
   * out; two live sessions at once (one fixed by someone else) are refused rather than guessed between.
   */
  async authenticate(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { sessions: boolean } = { sessions: true },
  ): Promise<Principal | null> {
    const header = request.headers.authorization;
    if (header !== undefined) return this.authenticateBearer(header);
    if (!options.sessions) return null;
    // Over HTTPS only the `__Host-` cookie counts: one a plain-HTTP page could have set is ignored.
    const cookieName = sessionCookieName(request.protocol === 'https');
    const secrets = sessionSecrets(request.headers.cookie, cookieName);
    if (secrets.length === 0) return null;
    const found =
      secrets.length > MAX_SESSION_COOKIES
        ? []
        : await Promise.all(secrets.map((secret) => findSession(this.db, secret, this.lifetime)));
    const live = found.filter((session) => session !== null);
    if (live.length !== 1) {
      if (live.length === 0) clearSessionCookie(request, reply);
      throw new PicloudError(
        'PICLOUD_ERR_AUTH_SESSION_INVALID',
        live.length === 0
          ? undefined
          : 'The request carries several sessions (another page of this machine set a session cookie); sign in again',
      );
    }
    const [session] = live;
    return {
      kind: 'admin',
      adminId: session.adminId,
      username: session.username,
      sessionId: session.id,
      csrfToken: session.csrfToken,
    };
  }

  /** The token an `Authorization: Bearer …` header presents. */
  async authenticateBearer(header: string): Promise<Principal> {
    const match = /^Bearer[ ]+(\S{1,200})$/i.exec(header.trim());
    if (!match) {
      throw new PicloudError('PICLOUD_ERR_AUTH_TOKEN_INVALID', 'Expected "Authorization: Bearer <token>"');
    }
    const result = await verifyToken(this.db, match[1]);
    if (!result.ok) {
      throw new PicloudError(
        result.reason === 'expired'
          ? 'PICLOUD_ERR_AUTH_TOKEN_EXPIRED'
          : result.reason === 'revoked'
            ? 'PICLOUD_ERR_AUTH_TOKEN_REVOKED'
            : 'PICLOUD_ERR_AUTH_TOKEN_INVALID',
      );
    }
    const { token } = result;
    return { kind: 'token', tokenId: token.id, name: token.name, scopes: token.scopes, appId: token.appId };
  }

  /**
   * For an app's route that requires a token: the caller must present one (never a cookie, which a
   * browser would attach to cross-site requests) holding `scope`, for this app or for all apps.
   */
  async authorizeInvocation(request: FastifyRequest, appId: string, scope: Scope): Promise<Principal> {
    const header = request.headers.authorization;
    if (header === undefined) {
      throw new PicloudError(
        'PICLOUD_ERR_AUTH_REQUIRED',
        `This endpoint needs an API token with scope ${scope}`,
      );
    }
    const principal = await this.authenticateBearer(header);
    requireScope(principal, scope);
    if (principal.kind === 'token' && principal.appId !== null && principal.appId !== appId) {
      throw new PicloudError('PICLOUD_ERR_AUTH_APP_FORBIDDEN');
    }
    return principal;
  }
}

/** More session cookies than a browser of the panel ever sends: the request is refused unread. */
const MAX_SESSION_COOKIES = 4;

/** Clears the session cookie of the request's scheme. */
export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  const secure = request.protocol === 'https';
  reply.clearCookie(sessionCookieName(secure), { path: '/', secure });
}

/** Every distinct value of the session cookie `name` in a Cookie header, in the order sent. */
export function sessionSecrets(header: string | undefined, name: string = SESSION_COOKIE): string[] {
  if (!header) return [];
  const secrets = new Set<string>();
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    if (equals < 0 || pair.slice(0, equals).trim() !== name) continue;
    let value = pair.slice(equals + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (value !== '') secrets.add(value);
  }
  return [...secrets];
}

/** Refuses a principal that lacks `scope` (sessions hold every scope). */
export function requireScope(principal: Principal, scope: Scope): void {
  if (principal.kind === 'token' && !grants(principal.scopes, scope)) {
    throw new PicloudError('PICLOUD_ERR_AUTH_SCOPE', `This needs a token with scope ${scope}`, { scope });
  }
}
