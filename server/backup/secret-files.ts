/**
 * The files of the data folder that are secrets: a backup holds them only sealed under a passphrase
 * (see server/security/passphrase-seal.ts), never in the clear: `secrets.key` (which encrypts the apps'
 * secrets) and `ca.pem` (the appliance CA's private key with its certificate: restoring it keeps every
 * device that trusts the CA trusting the restored appliance). A file added to {@link SECRET_FILES} is
 * backed up and restored the same way with no other change.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET_KEY_FILE } from '../manager/secrets/secret-key.js';
import { openWithPassphrase, type SealedBytes, sealWithPassphrase } from '../security/passphrase-seal.js';
import { CA_FILE } from '../trust/ca-files.js';

/** A secret file of the data folder. */
export interface SecretFileSpec {
  /** Its name in a backup (stable: it is part of the backup format). */
  name: string;
  /** Its path relative to the data folder. */
  path: string;
  /** What it protects, for messages. */
  description: string;
}

/** Every secret file a backup carries (sealed). Extend here; nothing else needs to change. */
export const SECRET_FILES: readonly SecretFileSpec[] = [
  { name: 'secrets.key', path: SECRET_KEY_FILE, description: "the key that encrypts the apps' secrets" },
  { name: 'ca.pem', path: CA_FILE, description: "the appliance CA's private key and certificate" },
];

/** A secret file's bytes. */
export interface SecretFile {
  name: string;
  data: Buffer;
}

/** The secret files present in `dataDir`. */
export function readSecretFiles(dataDir: string): SecretFile[] {
  return SECRET_FILES.flatMap((spec) => {
    const path = join(dataDir, spec.path);
    return existsSync(path) ? [{ name: spec.name, data: readFileSync(path) }] : [];
  });
}

/** The associated data binding a seal to one backup: a seal moved into another backup does not open. */
function context(backupId: string): string {
  return `backup secrets ${backupId}`;
}

/** Seals the files for the backup `backupId`. */
export async function sealSecretFiles(
  files: readonly SecretFile[],
  passphrase: string,
  backupId: string,
): Promise<SealedBytes> {
  const plain = JSON.stringify({
    files: files.map((f) => ({ name: f.name, data: f.data.toString('base64') })),
  });
  return sealWithPassphrase(Buffer.from(plain, 'utf8'), passphrase, context(backupId));
}

/**
 * Opens the sealed files of the backup `backupId`.
 * @throws SealOpenError for a wrong passphrase or altered data; Error for contents that are not
 *   known secret files.
 */
export async function openSecretFiles(
  sealed: unknown,
  passphrase: string,
  backupId: string,
): Promise<SecretFile[]> {
  const plain = await openWithPassphrase(sealed, passphrase, context(backupId));
  const parsed = JSON.parse(plain.toString('utf8')) as { files?: { name?: unknown; data?: unknown }[] };
  const known = new Set(SECRET_FILES.map((spec) => spec.name));
  const files = (parsed.files ?? []).map((file) => {
    if (typeof file.name !== 'string' || !known.has(file.name) || typeof file.data !== 'string') {
      throw new Error('The sealed secret files hold an unknown file');
    }
    return { name: file.name, data: Buffer.from(file.data, 'base64') };
  });
  return files;
}

/** Secret files written by a restore, and how to take them back. */
export interface InstalledSecretFiles {
  /** Files that were replaced, kept aside under these paths. */
  keptAside: string[];
  /** Puts the data folder back as it was (the restore's commit failed). */
  undo(): void;
}

/**
 * Writes restored secret files into `dataDir` (mode 0600). A file already there is kept aside as
 * `<name>.before-restore-<stamp>`.
 */
export function installSecretFiles(
  dataDir: string,
  files: readonly SecretFile[],
  stamp: string,
): InstalledSecretFiles {
  const done: { target: string; aside: string | null }[] = [];
  for (const file of files) {
    const spec = SECRET_FILES.find((s) => s.name === file.name);
    if (!spec) continue;
    const target = join(dataDir, spec.path);
    const temporary = `${target}.restoring`;
    writeFileSync(temporary, file.data, { mode: 0o600 });
    let aside: string | null = null;
    if (existsSync(target)) {
      aside = `${target}.before-restore-${stamp}`;
      renameSync(target, aside);
    }
    renameSync(temporary, target);
    done.push({ target, aside });
  }
  return {
    keptAside: done.flatMap((d) => (d.aside ? [d.aside] : [])),
    undo() {
      for (const { target, aside } of done.reverse()) {
        if (aside) renameSync(aside, target);
        else rmSync(target, { force: true });
      }
    },
  };
}
