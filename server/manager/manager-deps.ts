/**
 * What the manager (control plane) needs from the rest of the appliance, injected by the assembly.
 */
import type { Kysely } from 'kysely';
import type { ScriptChecker } from '../contracts/script-checker.js';
import type { Database } from '../db/schema.js';
import type { AppLocators } from './auth/app-locators.js';
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
}

/** What the manager's route plugins receive: its dependencies and the app locators of access control. */
export interface ManagerContext extends ManagerDeps {
  locate: AppLocators;
}
