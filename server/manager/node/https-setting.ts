/**
 * The owner's HTTPS-only choice (`appliance_settings.https_only`): once on, the panel's plain-HTTP port
 * redirects browsers to its HTTPS port (see server/http/https-redirect.ts), so its session cookie is
 * only ever the `Secure`, `__Host-` one. Read at start-up and kept in memory: the redirect hook runs on
 * every request and must not query.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { writeTransaction } from '../change-feed.js';

const KEY = 'https_only';

/** The setting of one appliance. */
export class HttpsSetting {
  private on = false;

  constructor(private readonly db: Kysely<Database>) {}

  /** Reads the stored value (off when never set). */
  async load(): Promise<void> {
    const row = await this.db
      .selectFrom('appliance_settings')
      .select('value')
      .where('key', '=', KEY)
      .executeTakeFirst();
    this.on = row?.value === true;
  }

  /** Whether the panel is HTTPS-only. */
  get httpsOnly(): boolean {
    return this.on;
  }

  /** Stores a new value (in the request's audited transaction) and applies it at once. */
  async set(on: boolean): Promise<void> {
    const value = JSON.stringify(on);
    await writeTransaction(this.db, (trx) =>
      trx
        .insertInto('appliance_settings')
        .values({ key: KEY, value })
        .onConflict((conflict) => conflict.column('key').doUpdateSet({ value, updated_at: new Date() }))
        .execute(),
    );
    this.on = on;
  }
}
