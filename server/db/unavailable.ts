/**
 * Recognises the failures that mean "the database cannot be reached" — refused or lost connections,
 * a server shutting down or still starting, a pool that could not connect in time — as opposed to a
 * query PostgreSQL answered with an error. Callers turn them into 503 `PICLOUD_ERR_DB_UNAVAILABLE`
 * (or a script's `DB_UNAVAILABLE`): on a cluster member they mean the primary is down, and the
 * member recovers by itself once it is back (the pool opens new connections at the next query).
 */

/** Socket errors of a connection that could not be made or was cut. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EPIPE',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server that went away or is not ready (admin_shutdown, crash_shutdown,
 * cannot_connect_now) or refuses this node at connection time (invalid_authorization_specification,
 * invalid_password: a cluster member that was removed, whose role no longer exists).
 */
const SERVER_GONE_STATES = new Set(['57P01', '57P02', '57P03', '28000', '28P01']);

/** node-postgres's own messages for a connection that ended or never came. */
const POOL_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
];

/** True when `error` says the database cannot be reached (not that a query failed). */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (SOCKET_CODES.has(code) || SERVER_GONE_STATES.has(code) || code.startsWith('08')) return true;
  }
  return typeof message === 'string' && POOL_MESSAGES.some((text) => message.startsWith(text));
}
