/**
 * The manager: PiCloud's control plane and the only writer to the database. Assembles the admin API
 * (`/admin/*` under the versioned prefix, this machine's `/admin/node` included), the execution-log
 * writer the orchestrator reports to, and the script services (`kv::` …) the executor calls on behalf
 * of running scripts.
 */
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { ListenerName } from '../contracts/route-access.js';
import { deployApi } from './app-spec/deploy-api.js';
import { appApi } from './apps/app-api.js';
import { accessControl } from './auth/access-control.js';
import { accountApi } from './auth/account-api.js';
import { appLocators } from './auth/app-locators.js';
import { auditApi } from './auth/audit-api.js';
import { authApi } from './auth/auth-api.js';
import { type AuthOptions, AuthService } from './auth/auth-service.js';
import { tokenApi } from './auth/token-api.js';
import { backupApi } from './backups/backup-api.js';
import { bundleApi } from './bundles/bundle-api.js';
import { domainApi } from './domains/domain-api.js';
import { type ReleasedClaim, releaseMachineHostClaims } from './domains/domain-store.js';
import { kvApi } from './kv/kv-api.js';
import { kvHandler } from './kv/kv-service.js';
import { KvStore } from './kv/kv-store.js';
import { logApi } from './logs/log-api.js';
import { ExecutionLogWriter } from './logs/log-writer.js';
import type { ManagerDeps } from './manager-deps.js';
import { httpsApi } from './node/https-api.js';
import { HttpsSetting } from './node/https-setting.js';
import { nodeApi } from './node/node-api.js';
import { NodeStats } from './node/node-stats.js';
import { routeApi } from './routes/route-api.js';
import { scriptApi } from './scripts/script-api.js';
import { redactRecords } from './secrets/redact-secrets.js';
import { secretApi } from './secrets/secret-api.js';
import { SecretKeyring } from './secrets/secret-key.js';
import { secretHandler } from './secrets/secret-service.js';
import { SecretStore } from './secrets/secret-store.js';
import { allowHostsFromDatabase, httpHandler } from './services/http-service.js';
import {
  ScriptServiceRegistry,
  type ServiceErrorReporter,
  type ServiceUnavailableReporter,
} from './services/script-services.js';
import { statsApi } from './stats/stats-api.js';
import { triggerApi } from './triggers/trigger-api.js';
import { TriggerService } from './triggers/trigger-service.js';

/** Manager settings. */
export interface ManagerOptions extends AuthOptions {
  /** Execution-log retention: most records kept. */
  logRetentionCount: number;
  /** Execution-log retention: oldest record kept, in days. */
  logRetentionDays: number;
  /** Reports background failures (log writes). */
  onError?: (error: Error) => void;
  /** Largest KV value, as JSON text in bytes (default 65536). */
  kvMaxValueBytes?: number;
  /** Reports unexpected failures of script-service calls (the script sees only `INTERNAL`). */
  onServiceError?: ServiceErrorReporter;
  /** Reports script-service calls that failed because the database cannot be reached. */
  onServiceUnavailable?: ServiceUnavailableReporter;
  /** The data folder: holds `secrets.key`, which encrypts the apps' secrets. */
  dataDir: string;
  /** Longest outbound HTTP request of a script, in ms (default 10000). */
  outboundTimeoutMs?: number;
  /** Largest response body of an outbound HTTP request, in bytes (default 1 MiB). */
  outboundMaxResponseBytes?: number;
  /** Sees each connection scripts' outbound requests open (see server/outbound/own-connections.ts). */
  onOutboundSocket?: (socket: Socket) => void;
}

/** A running manager. */
export interface Manager {
  /** Admin and auth routes, mounted under `/api/v1`. */
  apiPlugins: FastifyPluginAsync[];
  /** The owner's HTTPS-only choice for the panel (load it before serving). */
  https: HttpsSetting;
  /**
   * Enforces every API route's declared access; installed on the `/api/v1` scope of each listener
   * (session cookies count on the panel's only).
   */
  accessControl: (scope: FastifyInstance, listener: ListenerName) => Promise<void>;
  /** Sessions, tokens, set-up state and the audit log. */
  auth: AuthService;
  /** Where invocations are recorded. */
  logWriter: ExecutionLogWriter;
  /**
   * What answers scripts' `kv::` (and, once registered by their modules, `queue::`, `secret::`,
   * `http::`) calls; given to the executor.
   */
  scriptServices: ScriptServiceRegistry;
  /**
   * Cron and queue triggers: the appliance starts this process's scheduler with the orchestrator's
   * runner (`triggers.start`) and stops it before the executor closes.
   */
  triggers: TriggerService;
  /** A restore replaced `secrets.key`: read it again at the next use. */
  secretKeyChanged(): void;
  /**
   * At start-up: releases claims of this machine's names and addresses held by apps other than the one
   * answering for `localhost` (made before such claims were refused), each one audited; returns them.
   */
  releaseMachineHostClaims(): Promise<ReleasedClaim[]>;
  /** Stops the trigger scheduler, writes pending logs. */
  close(): Promise<void>;
}

/** Creates the manager. */
export function createManager(deps: ManagerDeps, options: ManagerOptions): Manager {
  const keyring = new SecretKeyring(options.dataDir);
  const secrets = new SecretStore(deps.db, keyring);
  const logWriter = new ExecutionLogWriter(deps.db, {
    retentionCount: options.logRetentionCount,
    retentionDays: options.logRetentionDays,
    onError: options.onError,
    // A script may print or throw one of its secrets: the log keeps a mask instead.
    redact: (batch) => redactRecords(batch, (appIds) => secrets.values(appIds)),
  });
  const auth = new AuthService(deps.db, options);
  const context = { ...deps, locate: appLocators(deps.db) };
  const kv = new KvStore(deps.db, {
    maxValueBytes: options.kvMaxValueBytes ?? 64 * 1024,
    onError: (error) => options.onServiceError?.(error, { appId: '', service: 'kv', op: 'sweep' }),
  });
  const scriptServices = new ScriptServiceRegistry({
    onError: options.onServiceError,
    onUnavailable: options.onServiceUnavailable,
  });
  scriptServices.register('kv', kvHandler(kv));
  scriptServices.register('secret', secretHandler(secrets));
  const triggers = new TriggerService(deps.db);
  scriptServices.register('queue', triggers.queueService);
  scriptServices.register(
    'http',
    httpHandler(allowHostsFromDatabase(deps.db), {
      timeoutMs: options.outboundTimeoutMs ?? 10_000,
      maxResponseBytes: options.outboundMaxResponseBytes ?? 1024 * 1024,
      onSocket: options.onOutboundSocket,
    }),
  );
  // Before the server listens, and in tests that never listen, the configured address stands in.
  const https = new HttpsSetting(deps.db);
  const node = new NodeStats({ listenAddress: deps.listenAddress ?? (() => ({ host: '0.0.0.0', port: 0 })) });
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
      statsApi(context),
      nodeApi(node),
      httpsApi(https, deps.httpsInfo ?? (() => null)),
      kvApi(context, kv),
      secretApi(context, secrets),
      triggerApi(context, triggers),
      deployApi(context),
      bundleApi(context, secrets, keyring),
      ...(deps.backups ? [backupApi(deps.backups)] : []),
    ] as FastifyPluginAsync[],
    accessControl: accessControl(auth),
    auth,
    https,
    logWriter,
    scriptServices,
    triggers,
    secretKeyChanged: () => keyring.forget(),
    async releaseMachineHostClaims() {
      const released = await releaseMachineHostClaims(deps.db);
      for (const claim of released) {
        await auth.audit.record({
          actorKind: 'cli',
          actorId: null,
          actorName: 'picloud start',
          action: 'domains.release-machine-host',
          target: { app: claim.slug, pattern: claim.pattern, host: claim.host },
          appId: claim.appId,
          outcome: 'ok',
          status: 200,
          ip: '',
        });
      }
      return released;
    },
    close: async () => {
      await triggers.stop();
      await logWriter.flush();
    },
  };
}
