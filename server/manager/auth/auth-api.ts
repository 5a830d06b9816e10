/**
 * `/api/v1/auth/*`: first-run set-up, sign-in and sign-out, the session probe and password changes.
 * Sign-in and set-up codes are throttled with a growing back-off; every outcome is audited.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../contracts/route-access.js';
import { sessionCookieName } from '../../contracts/route-access.js';
import { PicloudError } from '../../errors/catalogue.js';
import { isLocalRequest } from '../../security/client-address.js';
import { MAX_PASSWORD_LENGTH } from '../../security/password-hash.js';
import { SCOPE_NAMES } from '../../security/scopes.js';
import { writeTransaction } from '../change-feed.js';
import { ErrorSchema } from '../schemas.js';
import {
  type AdminView,
  changePassword,
  checkLogin,
  createFirstAdmin,
  USERNAME_PATTERN,
} from './account-store.js';
import { type AuthService, clearSessionCookie } from './auth-service.js';
import { auditActor } from './request-audit.js';
import { createSession, deleteOtherSessions, deleteSession, pruneSessions } from './session-store.js';

const Username = Type.String({
  pattern: USERNAME_PATTERN,
  description: 'lower-case letters, digits, ".", "_", "-"; at most 64',
});
const Password = Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH });
const SignedIn = Type.Object({
  user: Type.Object({ id: Type.String(), username: Type.String() }),
  csrf_token: Type.String({ description: 'send it back in X-CSRF-Token with every change' }),
  expires_at: Type.String({ format: 'date-time' }),
});
const tags = ['auth'];

/** The audit log's view of an account that has just signed in. */
function signedInAs(admin: AdminView): Principal {
  return { kind: 'admin', adminId: admin.id, username: admin.username, sessionId: '', csrfToken: '' };
}

/** Registers the auth routes. */
export function authApi(auth: AuthService): FastifyPluginAsyncTypebox {
  const { db, throttle } = auth;

  /** Opens a session and hands its cookie to the browser. */
  async function signIn(request: FastifyRequest, reply: FastifyReply, admin: AdminView) {
    await pruneSessions(db);
    const session = await createSession(db, admin.id, auth.lifetime, {
      ip: request.clientAddress,
      userAgent: request.headers['user-agent'] ?? '',
    });
    const secure = request.protocol === 'https';
    reply.setCookie(sessionCookieName(secure), session.secret, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure,
      maxAge: Math.floor(auth.lifetime.maxMs / 1000),
    });
    return {
      user: { id: admin.id, username: admin.username },
      csrf_token: session.csrfToken,
      expires_at: session.expiresAt.toISOString(),
    };
  }

  /**
   * Counts an attempt against its keys before it is evaluated (see AttemptThrottle.reserve), or refuses
   * it while they are throttled (429 with Retry-After). A success must then call `throttle.succeed`.
   */
  function reserveOrThrow(reply: FastifyReply, keys: string[]): void {
    const wait = throttle.reserve(keys);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      reply.header('retry-after', String(seconds));
      throw new PicloudError(
        'PICLOUD_ERR_AUTH_RATE_LIMITED',
        `Too many failed attempts: try again in ${seconds} s`,
        { retry_after_seconds: seconds },
      );
    }
  }

  async function record(
    request: FastifyRequest,
    principal: Principal | null,
    action: string,
    outcome: 'ok' | 'refused' | 'failed',
    status: number,
    target: Record<string, string> = {},
  ) {
    try {
      await auth.audit.record({
        ...auditActor(principal),
        action,
        target,
        appId: null,
        outcome,
        status,
        ip: request.clientAddress,
      });
    } catch (error) {
      request.log.error({ err: error }, 'audit log write failed');
    }
  }

  return async (app) => {
    app.get(
      '/auth/status',
      {
        config: { access: { public: true } },
        schema: {
          tags,
          summary: 'Set-up state and who is calling (the panel asks this first)',
          response: {
            200: Type.Object({
              setup_required: Type.Boolean(),
              setup_code_required: Type.Boolean({
                description: 'set-up from another machine needs the code',
              }),
              signed_in: Type.Boolean(),
              via: Type.Union([Type.Literal('session'), Type.Literal('token'), Type.Null()]),
              user: Type.Union([Type.Object({ id: Type.String(), username: Type.String() }), Type.Null()]),
              csrf_token: Type.Union([Type.String(), Type.Null()]),
              scopes: Type.Array(Type.String()),
              app_id: Type.Union([Type.String(), Type.Null()]),
            }),
          },
        },
      },
      async (request) => {
        const principal = request.principal;
        const setupRequired = await auth.needsSetup();
        return {
          setup_required: setupRequired,
          setup_code_required: setupRequired && !isLocalRequest(request),
          signed_in: principal !== null,
          via: principal ? (principal.kind === 'admin' ? ('session' as const) : ('token' as const)) : null,
          user: principal?.kind === 'admin' ? { id: principal.adminId, username: principal.username } : null,
          csrf_token: principal?.kind === 'admin' ? principal.csrfToken : null,
          scopes: principal ? (principal.kind === 'admin' ? [...SCOPE_NAMES] : [...principal.scopes]) : [],
          app_id: principal?.kind === 'token' ? principal.appId : null,
        };
      },
    );

    app.post(
      '/auth/setup',
      {
        config: { access: { public: true } },
        schema: {
          tags,
          summary:
            'Create the first admin account: from this machine, or with the set-up code printed at start',
          body: Type.Object(
            {
              username: Username,
              password: Password,
              setup_code: Type.Optional(Type.String({ maxLength: 64 })),
            },
            { additionalProperties: false },
          ),
          response: { 201: SignedIn, 403: ErrorSchema, 409: ErrorSchema, 429: ErrorSchema },
        },
      },
      async (request, reply) => {
        if (!(await auth.needsSetup())) throw new PicloudError('PICLOUD_ERR_AUTH_SETUP_DONE');
        const { username, password, setup_code: code } = request.body;
        if (!isLocalRequest(request)) {
          const keys = [`setup:${request.clientAddress}`];
          reserveOrThrow(reply, keys);
          if (code === undefined || !auth.checkSetupCode(code)) {
            await record(request, null, 'auth.setup', 'refused', 403, { username });
            throw new PicloudError(
              'PICLOUD_ERR_AUTH_SETUP_CODE',
              code === undefined
                ? 'Set-up from another machine needs the set-up code printed when PiCloud started'
                : 'Wrong set-up code',
            );
          }
          throttle.succeed(keys);
        }
        const admin = await createFirstAdmin(db, { username, password });
        auth.setupDone();
        const signedIn = await signIn(request, reply, admin);
        await record(request, signedInAs(admin), 'auth.setup', 'ok', 201, { username });
        return reply.code(201).send(signedIn);
      },
    );

    app.post(
      '/auth/login',
      {
        config: { access: { public: true } },
        schema: {
          tags,
          summary: 'Sign in; sets the session cookie (HttpOnly, SameSite=Strict)',
          body: Type.Object(
            { username: Type.String({ minLength: 1, maxLength: 64 }), password: Password },
            { additionalProperties: false },
          ),
          response: { 200: SignedIn, 401: ErrorSchema, 429: ErrorSchema },
        },
      },
      async (request, reply) => {
        const username = request.body.username.toLowerCase();
        const keys = [`login-ip:${request.clientAddress}`, `login-user:${username}`];
        try {
          reserveOrThrow(reply, keys);
        } catch (error) {
          await record(request, null, 'auth.login', 'refused', 429, { username });
          throw error;
        }
        const admin = await checkLogin(db, username, request.body.password);
        if (!admin) {
          await record(request, null, 'auth.login', 'refused', 401, { username });
          throw new PicloudError('PICLOUD_ERR_AUTH_LOGIN_FAILED');
        }
        throttle.succeed(keys);
        const signedIn = await signIn(request, reply, admin);
        await record(request, signedInAs(admin), 'auth.login', 'ok', 200);
        return signedIn;
      },
    );

    app.post(
      '/auth/logout',
      {
        config: { access: { public: true } },
        schema: {
          tags,
          summary: 'Sign out: ends the session and clears its cookie',
          response: { 204: Type.Null() },
        },
      },
      async (request, reply) => {
        const principal = request.principal;
        if (principal?.kind === 'admin') {
          await deleteSession(db, principal.sessionId);
          await record(request, principal, 'auth.logout', 'ok', 204);
        }
        clearSessionCookie(request, reply);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/auth/password',
      {
        config: { access: { session: true } },
        schema: {
          tags,
          summary: "Change the signed-in admin's password; ends their other sessions",
          body: Type.Object(
            { current_password: Password, new_password: Password },
            { additionalProperties: false },
          ),
          response: { 204: Type.Null(), 400: ErrorSchema, 403: ErrorSchema, 429: ErrorSchema },
        },
      },
      async (request, reply) => {
        const principal = request.principal;
        if (principal?.kind !== 'admin') throw new PicloudError('PICLOUD_ERR_AUTH_SESSION_REQUIRED');
        const keys = [`password:${principal.adminId}`];
        reserveOrThrow(reply, keys);
        // The new password, the other sessions' end and the audit entry commit together.
        await writeTransaction(db, async (trx) => {
          const { current_password: current, new_password: next } = request.body;
          if (!(await changePassword(trx, principal.adminId, current, next))) {
            throw new PicloudError('PICLOUD_ERR_AUTH_WRONG_PASSWORD');
          }
          await deleteOtherSessions(trx, principal.adminId, principal.sessionId);
        }).catch((error: unknown) => {
          // A weak new password is refused after the current one was verified: not a guess.
          if (error instanceof PicloudError && error.code === 'PICLOUD_ERR_AUTH_WEAK_PASSWORD') {
            throttle.succeed(keys);
          }
          throw error;
        });
        throttle.succeed(keys);
        return reply.code(204).send(null);
      },
    );
  };
}
