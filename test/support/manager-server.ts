/**
 * The real HTTP server with the manager's admin API, on a fresh migrated test database, for in-process
 * `inject` tests of the control plane. Alongside the server it gives tests what they need to check
 * side effects: a snapshot of every manager table (to prove a rejected request changed nothing), a
 * LISTEN connection on the change channel (to see what each write announced), a reset back to a
 * freshly migrated install, and small helpers that create fixtures through the API itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RouteOptions } from 'fastify';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { expect } from 'vitest';
import { CHANGE_CHANNEL, type Change } from '../../server/contracts/changes.js';
import { createPool, databaseIsHealthy } from '../../server/db/database.js';
import { migrate, readMigrations } from '../../server/db/migrator.js';
import type { Database } from '../../server/db/schema.js';
import { createScriptChecker } from '../../server/executor/script-checker.js';
import { buildServer, type PicloudServer, type ServerDeps } from '../../server/http/build-server.js';
import { listenerOfApiPath } from '../../server/http/listener-paths.js';
import { createFirstAdmin } from '../../server/manager/auth/account-store.js';
import { createToken } from '../../server/manager/auth/token-store.js';
import { createManager, type Manager, type ManagerOptions } from '../../server/manager/build-manager.js';
import { MIGRATIONS_DIR } from '../../server/paths.js';
import type { Scope } from '../../server/security/scopes.js';
import { createTestDatabase, type TestDatabase } from './database.js';

/** The tables the manager writes, in the order a snapshot lists them. */
export const MANAGER_TABLES = [
  'apps',
  'app_domains',
  'app_slug_history',
  'scripts',
  'script_versions',
  'routes',
  'execution_logs',
  'kv_entries',
  'app_secrets',
] as const;
/** One of {@link MANAGER_TABLES}. */
export type ManagerTable = (typeof MANAGER_TABLES)[number];
/** Every row of every manager table, in a stable order. */
export type Snapshot = Record<ManagerTable, Record<string, unknown>[]>;

const ORDER: Record<ManagerTable, string> = {
  apps: 'id',
  app_domains: 'id',
  app_slug_history: 'slug',
  scripts: 'id',
  script_versions: 'script_id, version',
  routes: 'id',
  execution_logs: 'id',
  kv_entries: 'app_id, collection, key',
  app_secrets: 'app_id, name',
};

/** HTTP methods the admin API uses. */
export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE' | 'HEAD' | 'OPTIONS';

/** A response, parsed. */
export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  /** The JSON body, or undefined when there is none. */
  body: any;
  text: string;
}

/** Collects NOTIFYs on the change channel. */
export interface ChangeListener {
  /**
   * Waits until every change committed so far has arrived and returns them (oldest first), then
   * forgets them. Uses a marker notification: PostgreSQL delivers notifications in commit order.
   */
  drain(): Promise<Change[]>;
}

/** A server with the manager on a fresh database. */
export interface ManagerTestServer extends PicloudServer {
  /** The panel's listener, where the manager's API is served (the same instance as `panel`). */
  app: PicloudServer['panel'];
  database: TestDatabase;
  /** The manager's data folder (a fresh temporary one unless the options name one; holds `secrets.key`). */
  dataDir: string;
  /** Kysely over the server's own pool (what the manager writes with). */
  db: Kysely<Database>;
  /** The server's own pool, for tests that watch what the manager sends on each connection. */
  serverPool: pg.Pool;
  manager: Manager;
  changes: ChangeListener;
  /**
   * Sends one request to the API: `path` is relative to /api/v1 unless it starts with /api or //. It
   * carries the owner's all-powerful test token unless `headers` bring an Authorization or Cookie header.
   * It goes to the listener that serves the path: the endpoints' for `/api/v1/execute/…`, the panel's
   * otherwise.
   */
  request(
    method: Method,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse>;
  /** The same request with no credentials at all. */
  anonymous(
    method: Method,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse>;
  /** The owner's account (created as set-up would) and its password. */
  owner: { id: string; username: string; password: string };
  /** An API token with the `admin` scope (what `request` sends by default). */
  token: string;
  /** Creates an API token through the store (not the API) and returns the token text. */
  createToken(
    scopes: string[],
    extra?: { appId?: string | null; expiresAt?: Date | null; name?: string },
  ): Promise<string>;
  /** Every row of every manager table. */
  snapshot(): Promise<Snapshot>;
  /** Back to a freshly migrated install (only the default app), with no pending notifications. */
  reset(): Promise<void>;
  /** Fixtures through the API; each asserts success and returns the created object. */
  createApp(slug: string, extra?: Record<string, unknown>): Promise<any>;
  addDomain(app: string, pattern: string): Promise<any>;
  createScript(app: string, name: string, extra?: Record<string, unknown>): Promise<any>;
  createRoute(app: string, route: Record<string, unknown>): Promise<any>;
  close(): Promise<void>;
}

/** A trivial endpoint script. */
export const HELLO_SOURCE = '#{ message: "hello" }';

/** Settings of the test server. */
export interface ManagerTestOptions extends Partial<ManagerOptions> {
  /** Sees every route the manager's plugins register (with its full URL). */
  onRoute?: (route: RouteOptions) => void;
  /** Start as a fresh install: no admin account yet (set-up pending); `owner` and `token` are then unusable. */
  withoutOwner?: boolean;
  /** Settings of the HTTP server (e.g. a short request timeout). */
  serverDeps?: Pick<ServerDeps, 'requestTimeoutMs'>;
}

/** Creates the server; `options` override the manager's settings. */
export async function createManagerTestServer({
  onRoute,
  withoutOwner = false,
  serverDeps = {},
  ...options
}: ManagerTestOptions = {}): Promise<ManagerTestServer> {
  const database = await createTestDatabase();
  const migrated = await database.pool.connect();
  const result = await migrate(migrated, readMigrations(MIGRATIONS_DIR)).finally(() => migrated.release());
  if (!result.ok) throw new Error(result.error);

  // What the migration seeded, to restore on reset().
  const seeded = {
    apps: (await database.pool.query('SELECT * FROM apps')).rows,
    app_domains: (await database.pool.query('SELECT * FROM app_domains')).rows,
  };

  const pool = createPool(database.url, () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const backgroundErrors: Error[] = [];
  const ownDataDir = options.dataDir === undefined ? mkdtempSync(join(tmpdir(), 'picloud-manager-')) : null;
  const dataDir = options.dataDir ?? (ownDataDir as string);
  const manager = createManager(
    { db, scriptChecker: createScriptChecker() },
    {
      logRetentionCount: 100_000,
      logRetentionDays: 14,
      sessionIdleHours: 168,
      sessionMaxDays: 30,
      auditRetentionDays: 365,
      onError: (error) => backgroundErrors.push(error),
      ...options,
      dataDir,
    },
  );
  const server = await buildServer({
    logger: pino({ level: 'silent' }),
    panelDir: null,
    schemaVersion: result.schemaVersion,
    databaseIsHealthy: () => databaseIsHealthy(pool),
    apiPlugins: onRoute
      ? [
          // A parent scope whose onRoute hook sees the routes of the plugins registered inside it.
          async (scope) => {
            scope.addHook('onRoute', onRoute);
            for (const plugin of manager.apiPlugins) await scope.register(plugin);
          },
        ]
      : manager.apiPlugins,
    accessControl: manager.accessControl,
    // As in production: the bundled Caddy on this machine is believed about the client (X-Forwarded-*).
    trustProxy: 'loopback',
    ...serverDeps,
  });

  // The owner exists from the start (as after set-up), with a token the helpers below send.
  const ownerPassword = 'correct horse battery staple';
  const ownerAccount = withoutOwner
    ? { id: '', username: '' }
    : await createFirstAdmin(db, { username: 'owner', password: ownerPassword });
  if (!withoutOwner) manager.auth.setupDone();
  const createTestToken: ManagerTestServer['createToken'] = async (scopes, extra = {}) =>
    (
      await createToken(db, {
        name: extra.name ?? `test-${scopes.join('+')}`,
        scopes: scopes as Scope[],
        appId: extra.appId ?? null,
        expiresAt: extra.expiresAt ?? null,
        createdBy: 'test',
      })
    ).token;
  const ownerToken = await createTestToken(['admin'], { name: 'owner-test-token' });

  const listener = new pg.Client({ connectionString: database.url });
  await listener.connect();
  const received: { marker?: string; change?: Change }[] = [];
  let wake: (() => void) | null = null;
  listener.on('notification', (message) => {
    if (message.channel !== CHANGE_CHANNEL || message.payload === undefined) return;
    const payload = JSON.parse(message.payload) as Change & { marker?: string };
    received.push(payload.marker ? { marker: payload.marker } : { change: payload });
    wake?.();
  });
  await listener.query(`LISTEN ${CHANGE_CHANNEL}`);
  let markers = 0;
  const changes: ChangeListener = {
    async drain() {
      const marker = `marker-${++markers}`;
      await database.pool.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, JSON.stringify({ marker })]);
      const deadline = Date.now() + 5_000;
      while (!received.some((entry) => entry.marker === marker)) {
        if (Date.now() > deadline) throw new Error('the change-channel marker never arrived');
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
      const index = received.findIndex((entry) => entry.marker === marker);
      const batch = received.splice(0, index + 1);
      return batch.flatMap((entry) => (entry.change ? [entry.change] : []));
    },
  };

  const send = async (method: Method, path: string, body: unknown, headers: Record<string, string>) => {
    const url = path.startsWith('/api') ? path : `/api/v1${path}`;
    const listener = listenerOfApiPath(url.split('?')[0]) === 'endpoints' ? server.endpoints : server.panel;
    const response = await listener.inject({
      method,
      url,
      headers,
      ...(body === undefined ? {} : { payload: body as object }),
    });
    let parsed: unknown;
    try {
      parsed = response.body === '' ? undefined : JSON.parse(response.body);
    } catch {
      parsed = undefined;
    }
    return { status: response.statusCode, headers: response.headers, body: parsed, text: response.body };
  };
  const request: ManagerTestServer['request'] = (method, path, body, headers = {}) => {
    const names = Object.keys(headers).map((name) => name.toLowerCase());
    const credentials: Record<string, string> =
      names.includes('authorization') || names.includes('cookie')
        ? {}
        : { authorization: `Bearer ${ownerToken}` };
    return send(method, path, body, { ...credentials, ...headers });
  };

  const ok = async (method: Method, path: string, body: unknown, status: number) => {
    const response = await request(method, path, body);
    expect(response.status, `${method} ${path} → ${response.text}`).toBe(status);
    return response.body;
  };

  const testServer: ManagerTestServer = {
    ...server,
    app: server.panel,
    database,
    dataDir,
    db,
    serverPool: pool,
    manager,
    changes,
    request,
    anonymous: (method, path, body, headers = {}) => send(method, path, body, headers),
    owner: { id: ownerAccount.id, username: ownerAccount.username, password: ownerPassword },
    token: ownerToken,
    createToken: createTestToken,
    async snapshot() {
      const snapshot = {} as Snapshot;
      for (const table of MANAGER_TABLES) {
        snapshot[table] = (await database.pool.query(`SELECT * FROM ${table} ORDER BY ${ORDER[table]}`)).rows;
      }
      return snapshot;
    },
    async reset() {
      await manager.logWriter.flush();
      // TRUNCATE apps cascades to api_tokens (app-limited tokens): keep the tokens not tied to an app.
      const tokens = (await database.pool.query('SELECT * FROM api_tokens WHERE app_id IS NULL')).rows;
      await database.pool.query(`TRUNCATE ${MANAGER_TABLES.join(', ')} RESTART IDENTITY CASCADE`);
      await database.pool.query(
        'INSERT INTO api_tokens SELECT * FROM json_populate_recordset(NULL::api_tokens, $1)',
        [JSON.stringify(tokens)],
      );
      for (const [table, rows] of Object.entries(seeded)) {
        for (const row of rows) {
          const columns = Object.keys(row);
          await database.pool.query(
            `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
            columns.map((column) => row[column]),
          );
        }
      }
      await changes.drain();
    },
    createApp: (slug, extra = {}) => ok('POST', '/admin/apps', { slug, name: slug, ...extra }, 201),
    addDomain: (app, pattern) => ok('POST', `/admin/apps/${app}/domains`, { pattern }, 201),
    createScript: (app, name, extra = {}) =>
      ok('POST', '/admin/scripts', { app, name, source: HELLO_SOURCE, ...extra }, 201),
    createRoute: (app, route) => ok('POST', `/admin/apps/${app}/routes`, route, 201),
    async close() {
      await server.close();
      await manager.close();
      await listener.end();
      await db.destroy();
      await database.drop();
      if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
      if (backgroundErrors.length > 0) throw backgroundErrors[0];
    },
  };
  return testServer;
}
