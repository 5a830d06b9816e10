/**
 * What the manager (control plane) needs from the rest of the appliance, injected by the assembly.
 */

import type { Kysely } from 'kysely';
import type { BackupService } from '../backup/backup-service.js';
import type { LocalNameLookup } from '../contracts/local-names.js';
import type { ScriptChecker } from '../contracts/script-checker.js';
import type { Database } from '../db/schema.js';
import type { AppLocators } from './auth/app-locators.js';
import type { HttpsInfo } from './node/https-api.js';
import type { ListenAddress } from './node/node-stats.js';

export type { ScriptChecker, ScriptDiagnostic } from '../contracts/script-checker.js';

/** The manager's dependencies. */
export interface ManagerDeps {
  db: Kysely<Database>;
  scriptChecker: ScriptChecker;
  /**
   * Where the HTTP server listens, for `/admin/node` (its port and LAN URLs). A function: the port is
   * known only once the server listens, after the manager is built.
   */
  listenAddress?: () => ListenAddress;
  /** The appliance's backups (the admin API's `/admin/backups`); absent where there is no backup folder. */
  backups?: ManagerBackups;
  /**
   * Resolves true once this process serves each script (by id) at least at the given version (a
   * version of 0: the script is gone), false after `timeoutMs`. Absent without an orchestrator.
   */
  waitUntilLive?: (versions: Record<string, number>, timeoutMs: number) => Promise<boolean>;
  /**
   * The mDNS status of an exact `.local` claim (probing, announced, conflict), for the domain API.
   * Absent, or answering null, when mDNS is off.
   */
  localNameStatus?: LocalNameLookup;
  /** This node's HTTPS URLs and CA fingerprint, for `/admin/node/https` (null until it listens). */
  httpsInfo?: () => HttpsInfo | null;
}

/** Backups as the admin API serves them. */
export interface ManagerBackups {
  service: BackupService;
  /** The schedule of automatic backups, for the panel. */
  schedule(): BackupScheduleView;
}

/** The schedule of automatic backups. */
export interface BackupScheduleView {
  /** The cron expression, or null when scheduled backups are off. */
  cron: string | null;
  timezone: string;
  next_at: string | null;
  keep: number;
  /** True when scheduled backups seal the secret files (a passphrase file is configured). */
  seals_secrets: boolean;
  min_free_mb: number;
}

/** What the manager's route plugins receive: its dependencies and the app locators of access control. */
export interface ManagerContext extends ManagerDeps {
  locate: AppLocators;
}
