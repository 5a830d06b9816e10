/**
 * The Hello World endpoint a fresh install greets its owner with: a script in the `default` app and a
 * `GET /hello` route. Seeded once per install (remembered in appliance_settings), so deleting it stays
 * deleted; idempotent under concurrent starts (the settings row is the lock).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { RESOURCES_DIR } from '../paths.js';

const SEEDED_KEY = 'hello_world_seeded';

/** Seeds Hello World if this install never has; returns true when it did. */
export async function seedHelloWorldIfFresh(db: Kysely<Database>): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const claimed = await trx
      .insertInto('appliance_settings')
      .values({ key: SEEDED_KEY, value: JSON.stringify(true) })
      .onConflict((oc) => oc.column('key').doNothing())
      .returning('key')
      .executeTakeFirst();
    if (!claimed) return false;
    const app = await trx.selectFrom('apps').select('id').where('slug', '=', 'default').executeTakeFirst();
    if (!app) return false;
    const existing = await trx
      .selectFrom('scripts')
      .select('id')
      .where('app_id', '=', app.id)
      .executeTakeFirst();
    if (existing) return false;
    const source = readFileSync(join(RESOURCES_DIR, 'seed-scripts', 'hello-world.rhai'), 'utf8');
    const script = await trx
      .insertInto('scripts')
      .values({ app_id: app.id, name: 'hello-world', kind: 'endpoint', description: 'Says hello.', source })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('script_versions')
      .values({ script_id: script.id, version: 1, source, kind: 'endpoint', message: 'Seeded by PiCloud' })
      .execute();
    await trx
      .insertInto('routes')
      .values({
        app_id: app.id,
        script_id: script.id,
        methods: ['GET'],
        path: '/hello',
        path_shape: '/hello',
      })
      .execute();
    return true;
  });
}
