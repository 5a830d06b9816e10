/**
 * The owner's side of a test appliance, in-process or a real `picloud start`: the owner account as
 * after set-up, an admin API token, and a JSON client of the API that sends it.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../../server/db/schema.js';
import { listenerOfApiPath } from '../../server/http/listener-paths.js';
import { adminExists, createFirstAdmin } from '../../server/manager/auth/account-store.js';
import { createToken } from '../../server/manager/auth/token-store.js';

/** An API response, its body parsed as JSON when it is JSON. */
export interface ApiResponse {
  status: number;
  body: any;
  headers: Headers;
}

/** `fetch` relative to an appliance, JSON in and out, with an admin token. */
export type ApiClient = (method: string, path: string, body?: unknown) => Promise<ApiResponse>;

/** Creates the owner (once per database) and an API token with the `admin` scope. */
export async function ownerToken(db: Kysely<Database>): Promise<string> {
  if (!(await adminExists(db))) {
    await createFirstAdmin(db, { username: 'owner', password: 'correct horse battery staple' });
  }
  const { token } = await createToken(db, {
    name: 'e2e',
    scopes: ['admin'],
    appId: null,
    expiresAt: null,
    createdBy: 'test',
  });
  return token;
}

/** {@link ownerToken} over a connection string (a process's database, reached from the test). */
export async function ownerTokenAt(connectionString: string): Promise<string> {
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString, max: 1 }) }),
  });
  try {
    return await ownerToken(db);
  } finally {
    await db.destroy();
  }
}

/**
 * A client of the appliance that authenticates with `token`: `/api/v1/execute/…` and paths outside
 * `/api/` go to `baseUrl` (the endpoints' listener), the rest of the API to `panelUrl` (the panel's).
 */
export function apiClient(baseUrl: string, token: string, panelUrl = baseUrl): ApiClient {
  return async (method, path, body) => {
    const bare = path.split('?')[0];
    const toEndpoints = !bare.startsWith('/api/') || listenerOfApiPath(bare) === 'endpoints';
    const response = await fetch(`${toEndpoints ? baseUrl : panelUrl}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // plain text body
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };
}
