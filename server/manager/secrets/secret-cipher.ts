/**
 * Sealing and opening secret values: AES-256-GCM with a random 96-bit IV per value and its 128-bit
 * authentication tag. The app id and the secret's name are the associated data: they are not stored in
 * the ciphertext but must match to open it, so a row copied to another app or renamed does not
 * decrypt — a database writer cannot make one app read another's secret.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SecretKey } from './secret-key.js';

/** An encrypted value as stored in `app_secrets`. */
export interface SealedSecret {
  /** Which key sealed it. */
  key_id: string;
  iv: Buffer;
  auth_tag: Buffer;
  ciphertext: Buffer;
}

/** A sealed value could not be opened: another key, another app or name, or tampering. */
export class SecretUnreadableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretUnreadableError';
  }
}

/** Associated data: binds a ciphertext to its app and name (and to this format). */
function associatedData(appId: string, name: string): Buffer {
  return Buffer.from(`picloud secret v1\0${appId}\0${name}`, 'utf8');
}

/** Encrypts `value` for the secret `name` of `appId`. */
export function sealSecret(key: SecretKey, appId: string, name: string, value: string): SealedSecret {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv, { authTagLength: 16 });
  cipher.setAAD(associatedData(appId, name));
  const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return { key_id: key.id, iv, auth_tag: cipher.getAuthTag(), ciphertext };
}

/**
 * Decrypts a sealed value of the secret `name` of `appId`.
 * @throws SecretUnreadableError (never with the value or key in its message).
 */
export function openSecret(key: SecretKey, appId: string, name: string, sealed: SealedSecret): string {
  if (sealed.key_id !== key.id) {
    throw new SecretUnreadableError(
      `The secret was encrypted with another key (id ${sealed.key_id}; this install's is ${key.id}): ` +
        'restore the secrets.key that belongs with this database',
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, sealed.iv, { authTagLength: 16 });
    decipher.setAAD(associatedData(appId, name));
    decipher.setAuthTag(sealed.auth_tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretUnreadableError(
      'The secret does not decrypt: its stored row was altered or belongs to another app or name',
    );
  }
}
