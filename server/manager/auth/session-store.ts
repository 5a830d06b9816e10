/**
 * Browser sessions of the owner. The cookie holds a random secret; the database holds its SHA-256, so
 * a copy of the database cannot be replayed as a cookie. Expiry slides with use (idle timeout) but
 * never past a fixed maximum; the sliding write happens at most once a minute per session.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { digest, newCsrfToken, newSessionSecret } from '../../security/secret-token.js';

/** How long sessions live. */
export interface SessionLifetime {
  /** A session unused for this long ends, in milliseconds. */
  idleMs: number;
  /** A session ends this long after sign-in whatever its use, in milliseconds. */
  maxMs: number;
}

/** A new session: the secret goes into the cookie, once. */
export interface NewSession {
  id: string;
  secret: string;
  csrfToken: string;
  expiresAt: Date;
}

/** A live session with its account. */
export interface LiveSession {
  id: string;
  adminId: string;
  username: string;
  csrfToken: string;
  expiresAt: Date;
}

/** Sliding-expiry writes are skipped when the last one is this recent. */
const TOUCH_INTERVAL_MS = 60_000;

/** Opens a session for an admin. */
export async function createSession(
  db: Kysely<Database>,
  adminId: string,
  lifetime: SessionLifetime,
  client: { ip: string; userAgent: string },
): Promise<NewSession> {
  const secret = newSessionSecret();
  const csrfToken = newCsrfToken();
  const now = Date.now();
  const maxExpiresAt = new Date(now + lifetime.maxMs);
  const expiresAt = new Date(Math.min(now + lifetime.idleMs, maxExpiresAt.getTime()));
  const row = await db
    .insertInto('sessions')
    .values({
      admin_id: adminId,
      token_hash: digest(secret),
      csrf_token: csrfToken,
      expires_at: expiresAt,
      max_expires_at: maxExpiresAt,
      ip: client.ip.slice(0, 64),
      user_agent: client.userAgent.slice(0, 300),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, secret, csrfToken, expiresAt };
}

/**
 * The live session a cookie names, or null (unknown, forged or expired). Extends the sliding expiry.
 */
export async function findSession(
  db: Kysely<Database>,
  secret: string,
  lifetime: SessionLifetime,
): Promise<LiveSession | null> {
  if (secret.length === 0 || secret.length > 128) return null;
  const row = await db
    .selectFrom('sessions')
    .innerJoin('admins', 'admins.id', 'sessions.admin_id')
    .select([
      'sessions.id',
      'sessions.admin_id',
      'sessions.csrf_token',
      'sessions.expires_at',
      'sessions.max_expires_at',
      'sessions.last_seen_at',
      'admins.username',
    ])
    .where('sessions.token_hash', '=', digest(secret))
    .executeTakeFirst();
  if (!row) return null;
  const now = Date.now();
  if (row.expires_at.getTime() <= now) {
    await db.deleteFrom('sessions').where('id', '=', row.id).execute();
    return null;
  }
  let expiresAt = row.expires_at;
  if (now - row.last_seen_at.getTime() >= TOUCH_INTERVAL_MS) {
    expiresAt = new Date(Math.min(now + lifetime.idleMs, row.max_expires_at.getTime()));
    await db
      .updateTable('sessions')
      .set({ last_seen_at: new Date(now), expires_at: expiresAt })
      .where('id', '=', row.id)
      .execute();
  }
  return {
    id: row.id,
    adminId: row.admin_id,
    username: row.username,
    csrfToken: row.csrf_token,
    expiresAt,
  };
}

/** Ends one session. */
export async function deleteSession(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', id).execute();
}

/** Ends every session of an account except `keepId` (after a password change). */
export async function deleteOtherSessions(
  db: Kysely<Database>,
  adminId: string,
  keepId: string,
): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where('admin_id', '=', adminId)
    .where('id', '!=', keepId)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Removes expired sessions (called when someone signs in: no timer). */
export async function pruneSessions(db: Kysely<Database>): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<', new Date()).execute();
}
