/**
 * One-time join tokens, k3s-style: `pcj1.<CA SHA-256>.<expiry>.<secret>`. The CA's hash lets the
 * joining node verify the primary before it sends anything (it pins the CA whose SHA-256 the token
 * names); the expiry (Unix seconds, base 36) lets it refuse an expired token without asking; the
 * secret (256 bits) is what the primary checks. The primary stores only the token's SHA-256 and spends
 * it in the same statement that checks it, so two joins racing with one token cannot both succeed.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { digest } from '../security/secret-token.js';

/** The parts of a join token. */
export interface JoinToken {
  /** SHA-256 of the cluster CA's certificate, lowercase hex. */
  caFingerprint: string;
  /** When it stops working. */
  expiresAt: Date;
  /** The whole token, as typed. */
  text: string;
}

const TOKEN_SHAPE = /^pcj1\.([0-9a-f]{64})\.([0-9a-z]{1,10})\.([A-Za-z0-9_-]{43})$/;

/** Longest lifetime of a token: a week. */
export const MAX_TOKEN_LIFETIME_MS = 7 * 86_400_000;

/** Parses a join token's text; null when it has not the shape of one. */
export function parseJoinToken(text: string): JoinToken | null {
  const match = TOKEN_SHAPE.exec(text.trim());
  if (!match) return null;
  return {
    caFingerprint: match[1],
    expiresAt: new Date(Number.parseInt(match[2], 36) * 1000),
    text: text.trim(),
  };
}

/** Why a token was refused. */
export type TokenRefusal = 'malformed' | 'unknown' | 'used' | 'expired' | 'other-cluster';

/** Makes a token and stores its digest. */
export async function createJoinToken(
  db: Kysely<Database>,
  options: { caFingerprint: string; lifetimeMs: number; createdBy: string },
): Promise<JoinToken> {
  const expiresAt = new Date(Math.floor((Date.now() + options.lifetimeMs) / 1000) * 1000);
  const text = `pcj1.${options.caFingerprint}.${(expiresAt.getTime() / 1000).toString(36)}.${randomBytes(32).toString('base64url')}`;
  await db
    .insertInto('cluster_join_tokens')
    .values({ token_hash: digest(text), created_by: options.createdBy, expires_at: expiresAt })
    .execute();
  return { caFingerprint: options.caFingerprint, expiresAt, text };
}

/**
 * Spends a token for `nodeId` in one statement: ok only if it exists, is unused, unexpired and names
 * this cluster's CA; otherwise the reason, and nothing changed.
 */
export async function spendJoinToken(
  db: Kysely<Database>,
  text: string,
  options: { caFingerprint: string; nodeId: string },
): Promise<{ ok: true } | { ok: false; reason: TokenRefusal }> {
  const token = parseJoinToken(text);
  if (token === null) return { ok: false, reason: 'malformed' };
  if (token.caFingerprint !== options.caFingerprint) return { ok: false, reason: 'other-cluster' };
  const hash = digest(token.text);
  const spent = await db
    .updateTable('cluster_join_tokens')
    .set({ used_at: sql<Date>`now()`, used_by: options.nodeId })
    .where('token_hash', '=', hash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning('id')
    .executeTakeFirst();
  if (spent) return { ok: true };
  const row = await db
    .selectFrom('cluster_join_tokens')
    .select(['used_at'])
    .where('token_hash', '=', hash)
    .executeTakeFirst();
  if (!row) return { ok: false, reason: 'unknown' };
  return { ok: false, reason: row.used_at ? 'used' : 'expired' };
}

/** Removes tokens spent or expired more than a day ago (called when a token is made: no timer). */
export async function pruneJoinTokens(db: Kysely<Database>): Promise<void> {
  await db
    .deleteFrom('cluster_join_tokens')
    .where((eb) =>
      eb.or([
        eb('expires_at', '<', sql<Date>`now() - interval '1 day'`),
        eb('used_at', '<', sql<Date>`now() - interval '1 day'`),
      ]),
    )
    .execute();
}
