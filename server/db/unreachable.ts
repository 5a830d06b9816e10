/**
 * Recognising the errors that say "the database cannot be reached right now" — PostgreSQL stopped,
 * restarting or refusing connections, a connection cut — as opposed to a bug or a refused statement.
 * They come in bursts (every query fails until PostgreSQL is back), so callers answer them with a
 * stable "unavailable" and log them once per kind rather than once per query.
 */

/** What kind of unreachability an error shows, and its message (no stack). */
export interface UnreachableDatabase {
  /** Stable per kind: a SQLSTATE (`57P01`), a socket error code (`ECONNREFUSED`), or a short name. */
  kind: string;
  /** The error's own message, e.g. "terminating connection due to administrator command". */
  message: string;
}

/** Socket errors of a connection to PostgreSQL that cannot be opened or was lost. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/**
 * SQLSTATEs of a server that is going away or not taking connections: the connection exception
 * class (08…), an administrator's or crash shutdown (57P01, 57P02), a server still starting
 * (57P03), no connection slot left (53300), and a role refused at connection time (28000, 28P01:
 * a cluster member that was removed — its role no longer exists — cannot reach the database any more).
 */
function unavailableState(code: string): boolean {
  return (
    code.startsWith('08') ||
    code.startsWith('28') ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    code === '53300'
  );
}

/** node-postgres's own errors for a connection that was lost or could not be opened in time. */
const DRIVER_MESSAGES: readonly [RegExp, string][] = [
  [/^Connection terminated/, 'connection terminated'],
  [/^timeout exceeded when trying to connect/, 'connect timeout'],
  [/is not queryable/, 'connection lost'],
];

/**
 * The kind of unreachability `error` shows, or null when it is any other failure (a bug, a
 * constraint, a refused statement).
 * @example unreachableDatabase(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))
 *   // { kind: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }
 */
export function unreachableDatabase(error: unknown): UnreachableDatabase | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || unavailableState(code))) {
    // Node's AggregateError for a refused connection to every address of a name has no message.
    return { kind: code, message: text || code };
  }
  for (const [pattern, kind] of DRIVER_MESSAGES) if (pattern.test(text)) return { kind, message: text };
  return null;
}
