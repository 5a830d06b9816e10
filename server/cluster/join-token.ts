/**
 * One-time join tokens, k3s-style: `pcj1.<CA SHA-256>.<expiry>.<secret>`. The CA's hash lets the
 * joining node verify the primary before it sends anything (it pins the CA whose SHA-256 the token
 * names); the expiry (Unix seconds, base 36) lets it refuse an expired token without asking; the
 * secret (256 bits) is what the primary checks. The primary's store of tokens (their SHA-256 only) is
 * the manager's: server/manager/cluster/join-token-store.ts.
 */

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
