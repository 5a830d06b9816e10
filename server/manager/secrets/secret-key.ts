/**
 * The key that encrypts the apps' secrets: 256 random bits in `secrets.key` in the data folder, kept
 * out of the database so that a copy of the database (a dump, a backup, a stolen disk image of the
 * PostgreSQL folder alone) reveals no secret. Created on first use, readable by its owner only; a key
 * file that others may read, or whose content is not a key, is refused rather than used.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The key file's name in the data folder. */
export const SECRET_KEY_FILE = 'secrets.key';

/** A loaded key. */
export interface SecretKey {
  /** The 32-byte AES-256 key. */
  key: Buffer;
  /** A short digest naming the key (stored with each ciphertext; reveals nothing about the key). */
  id: string;
}

/** The key file is missing, readable by others, or malformed; the message says which and what to do. */
export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

const KEY_TEXT = /^[0-9a-f]{64}$/;

/** The id stored with ciphertexts: the first 16 hex digits of a domain-separated SHA-256 of the key. */
export function secretKeyId(key: Buffer): string {
  return createHash('sha256').update('picloud secrets key id\0').update(key).digest('hex').slice(0, 16);
}

/** Reads and checks an existing key file, or returns null when there is none. */
function readKeyFile(path: string): SecretKey | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SecretKeyError(`The secrets key ${path} cannot be read: ${(error as Error).message}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new SecretKeyError(`The secrets key ${path} is not a regular file`);
    // Windows has no POSIX permissions: the data folder's ACL protects it there.
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new SecretKeyError(
        `The secrets key ${path} has mode ${mode}: other users may read it. ` +
          `Make it readable by its owner only (chmod 600 ${path}) and check who copied it`,
      );
    }
    const text = readFileSync(fd, 'utf8').trim();
    if (!KEY_TEXT.test(text)) {
      throw new SecretKeyError(
        `The secrets key ${path} is malformed: expected 64 hexadecimal digits (256 bits). ` +
          'Restore it from your backup; without it the stored secrets cannot be decrypted',
      );
    }
    const key = Buffer.from(text, 'hex');
    return { key, id: secretKeyId(key) };
  } finally {
    closeSync(fd);
  }
}

/**
 * Loads the key of `dataDir`; when there is none yet and `create` is set, makes one (mode 0600,
 * exclusive create: of two processes racing, the loser reads the winner's key).
 * @returns the key, or null when there is none and `create` is false.
 * @throws SecretKeyError when the file is unusable.
 * @example const { key, id } = loadSecretKey('/var/lib/picloud', { create: true })!;
 */
export function loadSecretKey(dataDir: string, { create }: { create: boolean }): SecretKey | null {
  const path = join(dataDir, SECRET_KEY_FILE);
  const existing = readKeyFile(path);
  if (existing || !create) return existing;
  const key = randomBytes(32);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(path, `${key.toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readKeyFile(path);
    throw new SecretKeyError(`The secrets key ${path} cannot be created: ${(error as Error).message}`);
  }
  return { key, id: secretKeyId(key) };
}

/**
 * The key of one data folder, read from its file at every use: the file's permissions are checked each
 * time (an open, an fstat and a 65-byte read — cheap next to a database round trip), so a key that
 * becomes readable by others while PiCloud runs is refused from the next use on, as at start-up. The
 * file is created at the first secret saved; once a key has been seen, a file that disappears is an
 * error rather than a reason to make a new key (which would orphan every stored secret).
 */
export class SecretKeyring {
  /** The id of the last key read, once one has been. */
  private seenId: string | null = null;

  constructor(private readonly dataDir: string) {}

  /** The key, created if there is none yet (to encrypt). */
  forWriting(): SecretKey {
    return this.load(this.seenId === null) as SecretKey;
  }

  /** The key, or null when none was ever created (to decrypt: without a key there is nothing to read). */
  forReading(): SecretKey | null {
    return this.load(false);
  }

  private load(create: boolean): SecretKey | null {
    const key = loadSecretKey(this.dataDir, { create });
    if (key === null && this.seenId !== null) {
      throw new SecretKeyError(
        `The secrets key ${this.path} was removed while PiCloud was running: restore it from your backup`,
      );
    }
    if (key !== null) this.seenId = key.id;
    return key;
  }

  /** Forgets the key seen so far: a restore replaced the file (with another key, or with none). */
  forget(): void {
    this.seenId = null;
  }

  /** Where the key lives (for messages). */
  get path(): string {
    return join(this.dataDir, SECRET_KEY_FILE);
  }
}
