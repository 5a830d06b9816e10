/**
 * The manager: PiCloud's control plane and the only writer to the database. Assembles the admin API
 * (`/admin/*` under the versioned prefix) and the execution-log writer the orchestrator reports to.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { appApi } from './apps/app-api.js';
import { accessControl } from './auth/access-control.js';
import { accountApi } from './auth/account-api.js';
import { appLocators } from './auth/app-locators.js';
import { auditApi } from './auth/audit-api.js';
import { authApi } from './auth/auth-api.js';
import { type AuthOptions, AuthService } from './auth/auth-service.js';
import { tokenApi } from './auth/token-api.js';
import { domainApi } from './domains/domain-api.js';
import { logApi } from './logs/log-api.js';
import { ExecutionLogWriter } from './logs/log-writer.js';
import type { ManagerDeps } from './manager-deps.js';
import { routeApi } from './routes/route-api.js';
import { scriptApi } from './scripts/script-api.js';

/** Manager settings. */
export interface ManagerOptions extends AuthOptions {
  /** Execution-log retention: most records kept. */
  logRetentionCount: number;
  /** Execution-log retention: oldest record kept, in days. */
  logRetentionDays: number;
  /** Reports background failures (log writes). */
  onError?: (error: Error) => void;
}

/** A running manager. */
export interface Manager {
  /** Admin and auth routes, mounted under `/api/v1`. */
  apiPlugins: FastifyPluginAsync[];
  /** Enforces every API route's declared access; installed on the `/api/v1` scope. */
  accessControl: (scope: FastifyInstance) => Promise<void>;
  /** Sessions, tokens, set-up state and the audit log. */
  auth: AuthService;
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
  const auth = new AuthService(deps.db, options);
  const context = { ...deps, locate: appLocators(deps.db) };
  return {
    apiPlugins: [
      authApi(auth),
      accountApi(auth),
      tokenApi(auth),
      auditApi(auth),
      appApi(context),
      domainApi(context),
      scriptApi(context),
      routeApi(context),
      logApi(context, logWriter),
    ] as FastifyPluginAsync[],
    accessControl: accessControl(auth),
    auth,
    logWriter,
    close: () => logWriter.flush(),
  };
}
