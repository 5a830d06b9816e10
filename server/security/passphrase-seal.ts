/**
 * Sealing bytes under a passphrase: a key derived with scrypt (Node's built-in memory-hard KDF) from
 * the passphrase and a random salt, then AES-256-GCM with a random IV. The sealed form is JSON that
 * carries its parameters, so the cost can grow and old seals still open; opening refuses parameters
 * beyond a bound (a hostile archive must not make the KDF eat the machine). `context` is authenticated
 * associated data: a seal opens only for the same context (e.g. the id of the backup it belongs to).
 */
import { createCipheriv, createDecipheriv, randomBytes, type ScryptOptions, scrypt } from 'node:crypto';

/** The sealed form. */
export interface SealedBytes {
  format: 'picloud-sealed-v1';
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  cipher: 'aes-256-gcm';
  iv: string;
  tag: string;
  ciphertext: string;
}

/** The passphrase is wrong, or the sealed data was altered or belongs to another context. */
export class SealOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealOpenError';
  }
}

/** N = 2^17, r = 8: 128 MiB and about half a second on a Raspberry Pi 4, once per backup. */
const SEAL_PARAMS = { N: 2 ** 17, r: 8, p: 1 };
/** Largest parameters accepted when opening: 128 · N · r · p bytes stays at 256 MiB at most. */
const MAX_N = 2 ** 18;
const MAX_R = 8;
const MAX_P = 2;
/** Passphrases longer than this are refused (hashing megabytes is a denial of service). */
export const MAX_PASSPHRASE_LENGTH = 1024;
/** Shortest passphrase accepted for sealing. */
export const MIN_PASSPHRASE_LENGTH = 8;

function deriveKey(passphrase: string, salt: Buffer, params: { N: number; r: number; p: number }) {
  const options: ScryptOptions = {
    ...params,
    maxmem: 128 * params.N * params.r * params.p + 16 * 1024 * 1024,
  };
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(passphrase.normalize('NFKC'), salt, 32, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** A passphrase problem a person can fix, or null when it may be used for sealing. */
export function passphraseProblem(passphrase: string): string | null {
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
    return `The passphrase must have at least ${MIN_PASSPHRASE_LENGTH} characters`;
  }
  if (passphrase.length > MAX_PASSPHRASE_LENGTH) {
    return `The passphrase must have at most ${MAX_PASSPHRASE_LENGTH} characters`;
  }
  return null;
}

/**
 * Seals `plaintext` under `passphrase`, bound to `context`.
 * @example const sealed = await sealWithPassphrase(Buffer.from('key'), 'correct horse', 'backup 1234');
 */
export async function sealWithPassphrase(
  plaintext: Buffer,
  passphrase: string,
  context: string,
): Promise<SealedBytes> {
  const problem = passphraseProblem(passphrase);
  if (problem) throw new Error(problem);
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = await deriveKey(passphrase, salt, SEAL_PARAMS);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  cipher.setAAD(Buffer.from(`picloud sealed v1\0${context}`, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return {
    format: 'picloud-sealed-v1',
    kdf: { name: 'scrypt', ...SEAL_PARAMS, salt: salt.toString('base64') },
    cipher: 'aes-256-gcm',
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ciphertext: ciphertext.toString('base64'),
  };
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 2 && (n & (n - 1)) === 0;
}

/**
 * Opens a seal made by {@link sealWithPassphrase} for the same `context`.
 * @throws SealOpenError for a wrong passphrase, altered data, another context or malformed input.
 */
export async function openWithPassphrase(
  sealed: unknown,
  passphrase: string,
  context: string,
): Promise<Buffer> {
  const s = sealed as Partial<SealedBytes> | null;
  const kdf = s?.kdf;
  if (
    s?.format !== 'picloud-sealed-v1' ||
    s.cipher !== 'aes-256-gcm' ||
    !kdf ||
    kdf.name !== 'scrypt' ||
    typeof kdf.salt !== 'string' ||
    typeof s.iv !== 'string' ||
    typeof s.tag !== 'string' ||
    typeof s.ciphertext !== 'string'
  ) {
    throw new SealOpenError('The sealed data is malformed');
  }
  if (
    !isPowerOfTwo(kdf.N) ||
    kdf.N > MAX_N ||
    !(kdf.r >= 1 && kdf.r <= MAX_R) ||
    !(kdf.p >= 1 && kdf.p <= MAX_P)
  ) {
    throw new SealOpenError('The sealed data asks for key-derivation parameters beyond the allowed bounds');
  }
  if (passphrase.length > MAX_PASSPHRASE_LENGTH) throw new SealOpenError('The passphrase is wrong');
  const iv = Buffer.from(s.iv, 'base64');
  const tag = Buffer.from(s.tag, 'base64');
  if (iv.length !== 12 || tag.length !== 16) throw new SealOpenError('The sealed data is malformed');
  const key = await deriveKey(passphrase, Buffer.from(kdf.salt, 'base64'), kdf);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    decipher.setAAD(Buffer.from(`picloud sealed v1\0${context}`, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(s.ciphertext, 'base64')), decipher.final()]);
  } catch {
    throw new SealOpenError('The passphrase is wrong (or the sealed data was altered)');
  }
}
