/**
 * What the caller of a store operation may learn and do beyond the route's scope, derived from its
 * principal: a token limited to one app must not learn other apps' names from a refusal ("taken by
 * app …", "a module of another app"), and only an unrestricted admin may point the appliance at itself
 * (claim the machine's names for an app, let scripts call this machine).
 */
import type { Principal } from '../../contracts/route-access.js';
import { grants } from '../../security/scopes.js';

/** The rights of one caller. */
export interface CallerRights {
  /** May learn that this app exists (its id and slug). */
  seesApp(appId: string): boolean;
  /** A signed-in admin, or a token with the `admin` scope for all apps. */
  readonly unrestrictedAdmin: boolean;
}

/** The appliance itself (start-up, seeds, the CLI on the machine): sees and may everything. */
export const APPLIANCE: CallerRights = { seesApp: () => true, unrestrictedAdmin: true };

/** The rights of an API caller. */
export function callerRights(principal: Principal | null): CallerRights {
  if (principal === null) return { seesApp: () => false, unrestrictedAdmin: false };
  if (principal.kind === 'admin') return APPLIANCE;
  const { appId } = principal;
  return {
    seesApp: (id) => appId === null || id === appId,
    unrestrictedAdmin: appId === null && grants(principal.scopes, 'admin'),
  };
}
