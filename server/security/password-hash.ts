/**
 * Password hashing with scrypt, Node's built-in memory-hard KDF (no native add-on to build on a Pi).
 * The encoded hash carries its parameters ("scrypt$N$r$p$salt$hash", base64url), so the cost can be
 * raised later and old hashes still verify. Hashing runs on libuv's thread pool, not the event loop.
 */
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/** Cost: N = 2^15, r = 8 → 32 MiB of memory per hash (OWASP's recommended minimum for scrypt). */
const DEFAULT_PARAMS = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** Passwords longer than this are refused before hashing: hashing megabytes is a denial of service. */
export const MAX_PASSWORD_LENGTH = 1024;
/** Shortest password accepted for an account. */
export const MIN_PASSWORD_LENGTH = 10;

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }) {
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Hashes a password into the self-describing encoded form. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, DEFAULT_PARAMS);
  const { N, r, p } = DEFAULT_PARAMS;
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Largest parameters accepted from a stored hash: 128 · N · r bytes is 64 MiB at most, safe on a Pi. */
const MAX_N = 2 ** 17;
const MAX_R = 16;
const MAX_P = 4;

/**
 * True when `password` matches `encoded`; false for a wrong password and for any malformed or
 * out-of-range stored hash (never a throw). Constant-time comparison.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt' || password.length > MAX_PASSWORD_LENGTH) return false;
  const [N, r, p] = parts.slice(1, 4).map((part) => (/^\d{1,7}$/.test(part) ? Number(part) : Number.NaN));
  const powerOfTwo = N >= 2 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N > MAX_N || !(r >= 1 && r <= MAX_R) || !(p >= 1 && p <= MAX_P)) return false;
  const expected = Buffer.from(parts[5], 'base64url');
  if (expected.length !== KEY_LENGTH) return false;
  try {
    const key = await derive(password, Buffer.from(parts[4], 'base64url'), { N, r, p });
    return timingSafeEqual(expected, key);
  } catch {
    return false;
  }
}

let decoy: Promise<string> | null = null;

/**
 * A hash of a random password: verifying against it costs what verifying a real account costs, so an
 * unknown user name takes as long to refuse as a wrong password (no user-name probing by timing).
 */
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  return decoy;
}

/** Why a new password is refused, or null when it is acceptable. */
export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) {
    return `The password must have at least ${MIN_PASSWORD_LENGTH} characters`;
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    return `The password must have at most ${MAX_PASSWORD_LENGTH} characters`;
  }
  return null;
}
