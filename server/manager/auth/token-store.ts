/**
 * Scoped API tokens for scripts, the CLI and other machines. The token is shown once, at creation;
 * only its SHA-256 and its first characters are kept. A token may expire, may be limited to one app,
 * and is revoked (kept, marked) rather than deleted, so the audit log can still name it.
 */
import type { Kysely, Selectable } from 'kysely';
import type { ApiTokensTable, Database } from '../../db/schema.js';
import { PicloudError } from '../../errors/catalogue.js';
import type { Scope } from '../../security/scopes.js';
import { digest, looksLikeApiToken, newApiToken } from '../../security/secret-token.js';
import { writeStatement } from '../change-feed.js';
import { isUuid } from '../ids.js';

/** A token as lists show it (never the token itself). */
export interface TokenView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  app_id: string | null;
  created_by: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** What creating a token returns: the view and, this once, the token. */
export interface CreatedToken extends TokenView {
  token: string;
}

/** What to create. */
export interface NewToken {
  name: string;
  scopes: readonly Scope[];
  appId: string | null;
  expiresAt: Date | null;
  createdBy: string;
}

/** Why a presented token does not authenticate. */
export type TokenRefusal = 'invalid' | 'expired' | 'revoked';

/** A token that authenticates. */
export interface ValidToken {
  id: string;
  name: string;
  scopes: string[];
  appId: string | null;
}

/** last_used_at is written at most this often per token (it is informational). */
const LAST_USED_INTERVAL_MS = 60_000;

/** Creates a token. */
export async function createToken(db: Kysely<Database>, input: NewToken): Promise<CreatedToken> {
  const token = newApiToken();
  const row = await writeStatement(db, (writer) =>
    writer
      .insertInto('api_tokens')
      .values({
        name: input.name,
        token_hash: digest(token),
        prefix: token.slice(0, 10),
        scopes: [...new Set(input.scopes)],
        app_id: input.appId,
        created_by: input.createdBy,
        expires_at: input.expiresAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
  return { ...viewToken(row), token };
}

/** Tokens, newest first (an owner has a handful: no pagination). */
export async function listTokens(
  db: Kysely<Database>,
  filter: { includeRevoked?: boolean },
): Promise<{ items: TokenView[] }> {
  let query = db.selectFrom('api_tokens').selectAll();
  if (!filter.includeRevoked) query = query.where('revoked_at', 'is', null);
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  return { items: rows.map(viewToken) };
}

/** One token, or PICLOUD_ERR_TOKEN_NOT_FOUND. */
export async function getToken(db: Kysely<Database>, id: string): Promise<TokenView> {
  const row = isUuid(id)
    ? await db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst()
    : undefined;
  if (!row) throw new PicloudError('PICLOUD_ERR_TOKEN_NOT_FOUND', `No API token with id ${id}`);
  return viewToken(row);
}

/** Revokes a token (idempotent); returns it. */
export async function revokeToken(db: Kysely<Database>, id: string): Promise<TokenView> {
  await getToken(db, id);
  const row = await writeStatement(db, (writer) =>
    writer
      .updateTable('api_tokens')
      .set({ revoked_at: new Date() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst(),
  );
  return row ? viewToken(row) : getToken(db, id);
}

/** Checks a presented token. */
export async function verifyToken(
  db: Kysely<Database>,
  token: string,
): Promise<{ ok: true; token: ValidToken } | { ok: false; reason: TokenRefusal }> {
  if (!looksLikeApiToken(token)) return { ok: false, reason: 'invalid' };
  const row = await db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'scopes', 'app_id', 'expires_at', 'revoked_at', 'last_used_at'])
    .where('token_hash', '=', digest(token))
    .executeTakeFirst();
  if (!row) return { ok: false, reason: 'invalid' };
  if (row.revoked_at) return { ok: false, reason: 'revoked' };
  const now = Date.now();
  if (row.expires_at && row.expires_at.getTime() <= now) return { ok: false, reason: 'expired' };
  if (!row.last_used_at || now - row.last_used_at.getTime() >= LAST_USED_INTERVAL_MS) {
    await db
      .updateTable('api_tokens')
      .set({ last_used_at: new Date(now) })
      .where('id', '=', row.id)
      .execute();
  }
  return { ok: true, token: { id: row.id, name: row.name, scopes: row.scopes, appId: row.app_id } };
}

function viewToken(row: Selectable<ApiTokensTable>): TokenView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    app_id: row.app_id,
    created_by: row.created_by,
    created_at: row.created_at.toISOString(),
    expires_at: row.expires_at?.toISOString() ?? null,
    last_used_at: row.last_used_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
  };
}
