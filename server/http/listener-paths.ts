/**
 * The appliance answers on two listeners, two origins: the **panel**'s (the control panel's files and
 * the control plane, `/api/v1/auth/*` and `/api/v1/admin/*`) and the **endpoints**' (the apps' routes and
 * the data plane, `/api/v1/execute/{id}`). Browsers isolate pages by origin — scheme, host *and port* —
 * so whatever HTML or JavaScript a script answers with runs on the endpoints' origin and can never read
 * an answer of the panel's. This module says which listener owns an API path; the API scope refuses to
 * register a route on the other one, and each listener answers the other's paths with a JSON error.
 */
import type { ListenerName } from '../contracts/route-access.js';
import { API_VERSION } from '../version.js';

export type { ListenerName } from '../contracts/route-access.js';

const API = `/api/v${API_VERSION}`;
/** Path prefixes of the control plane (served only by the panel's listener). */
export const CONTROL_PLANE_PREFIXES: readonly string[] = [`${API}/auth/`, `${API}/admin/`];
/** Path prefixes of the data plane (served only by the endpoints' listener). */
export const DATA_PLANE_PREFIXES: readonly string[] = [`${API}/execute/`];

/** The listener that serves an API path, or null for a path both (or neither) serve. */
export function listenerOfApiPath(path: string): ListenerName | null {
  const within = (prefixes: readonly string[]) =>
    prefixes.some((prefix) => path.startsWith(prefix) || path === prefix.slice(0, -1));
  if (within(CONTROL_PLANE_PREFIXES)) return 'panel';
  if (within(DATA_PLANE_PREFIXES)) return 'endpoints';
  return null;
}

/** How people call each listener. */
export const LISTENER_TITLES: Record<ListenerName, string> = {
  panel: "the panel's port",
  endpoints: "the endpoints' port",
};
