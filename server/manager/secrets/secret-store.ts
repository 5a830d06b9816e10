/**
 * Per-app secrets in the database, encrypted (see secret-cipher.ts) under the data folder's key. The
 * control plane can set, rotate, list (names only) and delete them; only the script services and the
 * log redaction ever decrypt one.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import { PicloudError } from '../../errors/catalogue.js';
import { writeStatement } from '../change-feed.js';
import { openSecret, SecretUnreadableError, sealSecret } from './secret-cipher.js';
import { SecretKeyError, type SecretKeyring } from './secret-key.js';

/** A secret as the API shows it: never its value. */
export interface SecretView {
  name: string;
  /** 1 when created, +1 at each rotation (each new value). */
  version: number;
  created_at: string;
  updated_at: string;
}

/** Names: like environment variables, plus dots and dashes (`WEATHER_API_KEY`, `mqtt.password`). */
export const SECRET_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_.-]{0,127}$';
const SECRET_NAME = new RegExp(SECRET_NAME_PATTERN);
/** The longest value, in UTF-8 bytes. */
export const MAX_SECRET_BYTES = 64 * 1024;

/** True for a well-formed secret name. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

function view(row: { name: string; version: number; created_at: Date; updated_at: Date }): SecretView {
  return {
    name: row.name,
    version: row.version,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** One decrypted secret of an app (for redaction). */
export interface SecretValue {
  name: string;
  value: string;
}

/** The secrets of every app. */
export class SecretStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly keyring: SecretKeyring,
  ) {}

  /** The app's secrets, by name, without values. */
  async list(appId: string): Promise<SecretView[]> {
    const rows = await this.db
      .selectFrom('app_secrets')
      .select(['name', 'version', 'created_at', 'updated_at'])
      .where('app_id', '=', appId)
      .orderBy('name')
      .execute();
    return rows.map(view);
  }

  /**
   * Sets a secret: creates it (version 1) or rotates it (a new value, version + 1).
   * @throws PICLOUD_ERR_SECRET_KEY_UNUSABLE when the key file cannot be used.
   */
  async put(appId: string, name: string, value: string): Promise<{ secret: SecretView; created: boolean }> {
    let key: ReturnType<SecretKeyring['forWriting']>;
    try {
      key = this.keyring.forWriting();
    } catch (error) {
      if (error instanceof SecretKeyError)
        throw new PicloudError('PICLOUD_ERR_SECRET_KEY_UNUSABLE', error.message);
      throw error;
    }
    const sealed = sealSecret(key, appId, name, value);
    const row = await writeStatement(this.db, (writer) =>
      writer
        .insertInto('app_secrets')
        .values({ app_id: appId, name, ...sealed })
        .onConflict((conflict) =>
          conflict.columns(['app_id', 'name']).doUpdateSet({
            ...sealed,
            version: sql<number>`app_secrets.version + 1`,
            updated_at: sql<Date>`now()`,
          }),
        )
        // xmax is 0 for a freshly inserted row, the updating transaction's id for an upsert's update.
        .returning(['name', 'version', 'created_at', 'updated_at', sql<boolean>`xmax = 0`.as('created')])
        .executeTakeFirstOrThrow(),
    );
    return { secret: view(row), created: row.created };
  }

  /** Deletes a secret, or throws PICLOUD_ERR_SECRET_NOT_FOUND. */
  async remove(appId: string, name: string): Promise<void> {
    await writeStatement(this.db, async (writer) => {
      const result = await writer
        .deleteFrom('app_secrets')
        .where('app_id', '=', appId)
        .where('name', '=', name)
        .executeTakeFirst();
      if (result.numDeletedRows === 0n) {
        throw new PicloudError('PICLOUD_ERR_SECRET_NOT_FOUND', `The app has no secret "${name}"`);
      }
    });
  }

  /**
   * The value of one secret of `appId`, or null when the app has no such secret.
   * @throws SecretKeyError or SecretUnreadableError when it exists but cannot be decrypted.
   */
  async read(appId: string, name: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('app_secrets')
      .select(['key_id', 'iv', 'auth_tag', 'ciphertext'])
      .where('app_id', '=', appId)
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row) return null;
    const key = this.keyring.forReading();
    if (!key) {
      throw new SecretKeyError(
        `The secrets key ${this.keyring.path} is missing: restore it from your backup to read the stored secrets`,
      );
    }
    return openSecret(key, appId, name, row);
  }

  /**
   * The readable secrets of several apps (for masking them in logs). A secret that cannot be decrypted
   * is left out: no script could have read it either.
   */
  async values(appIds: readonly string[]): Promise<Map<string, SecretValue[]>> {
    const byApp = new Map<string, SecretValue[]>();
    if (appIds.length === 0) return byApp;
    const rows = await this.db
      .selectFrom('app_secrets')
      .select(['app_id', 'name', 'key_id', 'iv', 'auth_tag', 'ciphertext'])
      .where('app_id', 'in', [...appIds])
      .execute();
    if (rows.length === 0) return byApp;
    let key: ReturnType<SecretKeyring['forReading']>;
    try {
      key = this.keyring.forReading();
    } catch (error) {
      if (error instanceof SecretKeyError) return byApp;
      throw error;
    }
    if (!key) return byApp;
    for (const row of rows) {
      try {
        const value = openSecret(key, row.app_id, row.name, row);
        const list = byApp.get(row.app_id) ?? [];
        list.push({ name: row.name, value });
        byApp.set(row.app_id, list);
      } catch (error) {
        if (!(error instanceof SecretUnreadableError)) throw error;
      }
    }
    return byApp;
  }
}
