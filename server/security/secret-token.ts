/**
 * Random secrets handed to clients (session cookies, API tokens, the set-up code) and the digests
 * stored in their place. They carry 256 bits of randomness, so a fast SHA-256 digest is safe to store
 * and look up by: unlike passwords, they cannot be guessed.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** Prefix of API tokens: recognisable in a config file and by secret scanners. */
export const API_TOKEN_PREFIX = 'pic_';

/** The stored digest of a secret (hex SHA-256). */
export function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A new session id for the cookie. */
export function newSessionSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A new CSRF synchronizer token. */
export function newCsrfToken(): string {
  return randomBytes(24).toString('base64url');
}

/** A new API token: `pic_` and 43 base64url characters. */
export function newApiToken(): string {
  return `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** True when the text has the shape of an API token (checked before any database lookup). */
export function looksLikeApiToken(text: string): boolean {
  return /^pic_[A-Za-z0-9_-]{43}$/.test(text);
}

/** Letters and digits that cannot be mistaken for each other when read off a console. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';

/** A one-time set-up code, e.g. `K7QF-2MZP-9XRA` (about 59 bits). */
export function newSetupCode(): string {
  const groups: string[] = [];
  for (let g = 0; g < 3; g++) {
    let group = '';
    for (let i = 0; i < 4; i++) group += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
    groups.push(group);
  }
  return groups.join('-');
}

/** Normalises a typed set-up code: case, spaces and dashes do not matter. */
export function normaliseSetupCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}

/** Constant-time equality of two strings. */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
