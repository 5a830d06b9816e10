/**
 * The manager: PiCloud's control plane and the only writer to the database. Assembles the admin API
 * (`/admin/*` under the versioned prefix) and the execution-log writer the orchestrator reports to.
 */
import type { FastifyPluginAsync } from 'fastify';
import { appApi } from './apps/app-api.js';
import { domainApi } from './domains/domain-api.js';
import { logApi } from './logs/log-api.js';
import { ExecutionLogWriter } from './logs/log-writer.js';
import type { ManagerDeps } from './manager-deps.js';
import { routeApi } from './routes/route-api.js';
import { scriptApi } from './scripts/script-api.js';

/** Manager settings. */
export interface ManagerOptions {
  /** Execution-log retention: most records kept. */
  logRetentionCount: number;
  /** Execution-log retention: oldest record kept, in days. */
  logRetentionDays: number;
  /** Reports background failures (log writes). */
  onError?: (error: Error) => void;
}

/** A running manager. */
export interface Manager {
  /** Admin routes, mounted under `/api/v1`. */
  apiPlugins: FastifyPluginAsync[];
  /** Where invocations are recorded. */
  logWriter: ExecutionLogWriter;
  /** Writes pending logs. */
  close(): Promise<void>;
}

/** Creates the manager. */
export function createManager(deps: ManagerDeps, options: ManagerOptions): Manager {
  const logWriter = new ExecutionLogWriter(deps.db, {
    retentionCount: options.logRetentionCount,
    retentionDays: options.logRetentionDays,
    onError: options.onError,
  });
  return {
    apiPlugins: [
      appApi(deps),
      domainApi(deps),
      scriptApi(deps),
      routeApi(deps),
      logApi(deps, logWriter),
    ] as FastifyPluginAsync[],
    logWriter,
    close: () => logWriter.flush(),
  };
}
