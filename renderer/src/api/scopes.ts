/**
 * The scope vocabulary of API tokens, part of the HTTP API contract. Taken from the server's own
 * definition at build time (a pure module with no imports), so the panel never offers a stale list.
 */
import { SCOPE_NAMES, type Scope } from '../../../server/security/scopes.js';

export { SCOPE_NAMES, SCOPES, type Scope } from '../../../server/security/scopes.js';

/**
 * Scopes the panel offers for tokens and routes: the vocabulary without `cluster:admin`, which nothing
 * uses until PiCloud runs as a cluster (the API still accepts it, as the contract promises).
 */
export const OFFERED_SCOPES: readonly Scope[] = SCOPE_NAMES.filter((scope) => scope !== 'cluster:admin');
