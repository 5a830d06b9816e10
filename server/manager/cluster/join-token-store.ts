/**
 * The primary's one-time join tokens (`cluster_join_tokens`): only a token's SHA-256 is stored, and a
 * token is spent in the same statement that checks it, so two joins racing with one token cannot both
 * succeed. The tokens' format is server/cluster/join-token.ts's.
 */
import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { type JoinToken, parseJoinToken, type TokenRefusal } from '../../cluster/join-token.js';
import type { Database } from '../../db/schema.js';
import { digest } from '../../security/secret-token.js';

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

/** Deletes a token no join has spent (the one a refused one-click join carried). */
export async function deleteUnusedJoinToken(db: Kysely<Database>, text: string): Promise<void> {
  await db
    .deleteFrom('cluster_join_tokens')
    .where('token_hash', '=', digest(text))
    .where('used_at', 'is', null)
    .execute();
}
