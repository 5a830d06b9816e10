/**
 * Vitest global setup: one real embedded PostgreSQL (the one the product ships) for the whole run, in
 * a temporary data folder. Test files create their own databases on it (see database.ts), so they stay
 * isolated and can run in parallel.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { EmbeddedPostgres } from '../../server/db/embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection string of the shared test server's `picloud` database (a superuser). */
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'picloud-test-pg-'));
  const postgres = new EmbeddedPostgres({ dataDir, port: 0, restartOnCrash: false });
  project.provide('postgresUrl', await postgres.start());
  return async () => {
    await postgres.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
