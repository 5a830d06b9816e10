/**
 * AppLocators for the admin routes: which app a request acts on, for tokens limited to one app.
 * Each answers the app's id, null when the target does not exist (the handler answers 404), or
 * undefined when the request names no app.
 */
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { AppLocator } from '../../contracts/route-access.js';
import type { Database } from '../../db/schema.js';
import { PicloudError } from '../../errors/catalogue.js';
import { resolveAppId } from '../apps/app-store.js';
import { isUuid } from '../ids.js';

type Db = Kysely<Database>;

async function appIdOrNull(db: Db, reference: unknown): Promise<string | null | undefined> {
  if (typeof reference !== 'string' || reference === '') return undefined;
  try {
    return await resolveAppId(db, reference);
  } catch (error) {
    if (error instanceof PicloudError && error.code === 'PICLOUD_ERR_APP_NOT_FOUND') return null;
    throw error;
  }
}

function field(source: unknown, name: string): unknown {
  return source && typeof source === 'object' ? (source as Record<string, unknown>)[name] : undefined;
}

/** The locators, bound to a database. */
export interface AppLocators {
  /** `:app` in the path (id, slug or retired slug). */
  appParam: AppLocator;
  /** `?app=` in the query string (a list about one app). */
  appQuery: AppLocator;
  /** `app` in the JSON body. */
  appBody: AppLocator;
  /** `:id` is a script id. */
  scriptParam: AppLocator;
  /** `:id` is an execution-log id. */
  logParam: AppLocator;
}

/** Creates the locators. */
export function appLocators(db: Db): AppLocators {
  return {
    appParam: (request: FastifyRequest) => appIdOrNull(db, field(request.params, 'app')),
    appQuery: (request: FastifyRequest) => appIdOrNull(db, field(request.query, 'app')),
    appBody: (request: FastifyRequest) => appIdOrNull(db, field(request.body, 'app')),
    async scriptParam(request: FastifyRequest) {
      const id = field(request.params, 'id');
      if (typeof id !== 'string' || !isUuid(id)) return null;
      const row = await db.selectFrom('scripts').select('app_id').where('id', '=', id).executeTakeFirst();
      return row?.app_id ?? null;
    },
    async logParam(request: FastifyRequest) {
      const id = field(request.params, 'id');
      if (typeof id !== 'string' || !/^\d{1,18}$/.test(id)) return null;
      const row = await db
        .selectFrom('execution_logs')
        .select('app_id')
        .where('id', '=', id)
        .executeTakeFirst();
      return row?.app_id ?? null;
    },
  };
}
