/**
 * The scope vocabulary of API tokens, part of the HTTP API contract. Taken from the server's own
 * definition at build time (a pure module with no imports), so the panel never offers a stale list.
 */
export { SCOPE_NAMES, SCOPES, type Scope } from '../../../server/security/scopes.js';
