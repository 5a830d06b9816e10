/**
 * Where the appliance's CA lives in the data folder. `ca.pem` holds the private key and the
 * certificate together — one file, created atomically, readable by its owner only, refused (like
 * `secrets.key`) when others may read it; it is the one a backup seals. `ca.crt` is a public copy of
 * the certificate alone, rewritten at every start, for copying to devices by hand.
 */
import { closeSync, fstatSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The CA's key and certificate (PEM, mode 0600). */
export const CA_FILE = 'ca.pem';
/** The CA's certificate alone (PEM, mode 0644). */
export const CA_CERTIFICATE_FILE = 'ca.crt';

/** The CA file is unreadable, readable by others, or damaged; the message says which and what to do. */
export class TrustStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrustStoreError';
  }
}

/** The CA's key and certificate as stored. */
export interface StoredCa {
  /** PKCS#8 private key, PEM. */
  keyPem: string;
  /** The certificate, PEM. */
  certificatePem: string;
}

const KEY_BLOCK = /-----BEGIN PRIVATE KEY-----[A-Za-z0-9+/=\s]+-----END PRIVATE KEY-----/;
const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----/;

/** Reads the CA file of `dataDir`, or null when there is none. */
export function readStoredCa(dataDir: string): StoredCa | null {
  const path = join(dataDir, CA_FILE);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new TrustStoreError(`The CA file ${path} cannot be read: ${(error as Error).message}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new TrustStoreError(`The CA file ${path} is not a regular file`);
    // Windows has no POSIX permissions: the data folder's ACL protects it there.
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new TrustStoreError(
        `The CA file ${path} has mode ${mode}: other users may read its private key. ` +
          `Make it readable by its owner only (chmod 600 ${path}); if someone may have copied it, ` +
          'remove it (PiCloud makes a new CA) and trust the new one on your devices instead',
      );
    }
    const text = readFileSync(fd, 'utf8');
    const keyPem = KEY_BLOCK.exec(text)?.[0];
    const certificatePem = CERTIFICATE_BLOCK.exec(text)?.[0];
    if (!keyPem || !certificatePem) {
      throw new TrustStoreError(
        `The CA file ${path} is damaged: it must hold a private key and a certificate. ` +
          'Restore it from your backup, or remove it to make a new CA (every device must then trust the new one)',
      );
    }
    return { keyPem: `${keyPem}\n`, certificatePem: `${certificatePem}\n` };
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a new CA file (mode 0600, written aside then renamed into place, so a crash leaves the old
 * state or the new one).
 */
export function writeStoredCa(dataDir: string, ca: StoredCa): void {
  const path = join(dataDir, CA_FILE);
  const temporary = `${path}.${process.pid}.new`;
  writeFileSync(temporary, `${ca.keyPem}${ca.certificatePem}`, { mode: 0o600, flag: 'wx' });
  renameSync(temporary, path);
}

/** Writes `ca.crt` (the certificate alone, world-readable) when its content differs. */
export function writePublicCertificate(dataDir: string, certificatePem: string): void {
  const path = join(dataDir, CA_CERTIFICATE_FILE);
  let current: string | null = null;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    current = null;
  }
  if (current === certificatePem) return;
  const temporary = `${path}.${process.pid}.new`;
  writeFileSync(temporary, certificatePem, { mode: 0o644 });
  renameSync(temporary, path);
}
