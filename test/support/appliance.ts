/**
 * The whole appliance in-process — manager, executor workers, orchestrator, HTTP server on a real
 * socket — over a fresh test database (an "external" PostgreSQL from its point of view).
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { type Appliance, startAppliance } from '../../server/appliance/start-appliance.js';
import { loadConfig } from '../../server/config/load-config.js';
import type { Config } from '../../server/config/settings.js';
import { type ApiClient, apiClient, ownerToken } from './admin-client.js';
import { createTestDatabase, type TestDatabase } from './database.js';

/** A running in-process appliance. */
export interface TestAppliance {
  appliance: Appliance;
  database: TestDatabase;
  /** The endpoints' listener (the apps' routes, `/api/v1/execute/{id}`, health). */
  baseUrl: string;
  /** The panel's listener (the panel, `/api/v1/auth/*`, `/api/v1/admin/*`, health). */
  panelUrl: string;
  /** The appliance's data folder (holds `secrets.key`). */
  dataDir: string;
  /** An API token with the `admin` scope, which api() sends. */
  token: string;
  /**
   * fetch() relative to the appliance, JSON in and out, with the admin token: to the endpoints'
   * listener for `/api/v1/execute/…` and paths outside `/api/`, to the panel's for the rest of the API.
   */
  api: ApiClient;
  stop(): Promise<void>;
}

/**
 * Starts an appliance with `overrides` on top of a test configuration, on a fresh database or on
 * `shared` (another appliance's, to test several processes on one database; the creator drops it).
 */
export async function startTestAppliance(
  overrides: Partial<Config> = {},
  shared?: TestDatabase,
): Promise<TestAppliance> {
  const database = shared ?? (await createTestDatabase());
  const dataDir = mkdtempSync(join(tmpdir(), 'picloud-e2e-'));
  chmodSync(dataDir, 0o755);
  const config: Config = {
    ...loadConfig({ PICLOUD_CONFIG: '', XDG_CONFIG_HOME: dataDir }),
    port: 0,
    panelPort: 0,
    httpsPort: 0,
    panelHttpsPort: 0,
    clusterPort: 0,
    host: '127.0.0.1',
    dataDir,
    databaseUrl: database.url,
    executorWorkers: 2,
    ...overrides,
  };
  const appliance = await startAppliance(config, pino({ level: 'silent' }));
  const baseUrl = `http://127.0.0.1:${appliance.runtime.port}`;
  const panelUrl = `http://127.0.0.1:${appliance.runtime.panelPort}`;
  // The owner as after set-up (once per database), and a token for this appliance's api().
  const token = await ownerToken(appliance.database.db);
  return {
    appliance,
    database,
    baseUrl,
    panelUrl,
    dataDir,
    token,
    api: apiClient(baseUrl, token, panelUrl),
    async stop() {
      await appliance.stop();
      if (!shared) await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
