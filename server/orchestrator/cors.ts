/**
 * Per-app CORS for the apps' endpoints, as pure functions over an app's allowed origins: whether a
 * request is a preflight, the headers that answer it, and the headers added to a script's response.
 * PiCloud never sends `Access-Control-Allow-Credentials`: a browser never sends an app's cookies
 * cross-site on PiCloud's say-so (protected routes take an API token in a header instead).
 */
import { ROUTE_METHODS } from '../routing/path-pattern.js';

/** An app's allowed origins, as stored (lower case; `*` for any). */
export type CorsOrigins = ReadonlySet<string>;

/** How long a browser may cache a preflight answer, in seconds. */
export const PREFLIGHT_MAX_AGE_SECONDS = 600;
/** Longest `Access-Control-Allow-Headers` echoed back; header names beyond it are dropped. */
export const MAX_ALLOW_HEADERS_LENGTH = 1_000;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]{1,100}$/;

/** The origins of an app's `cors_origins`, or null when the app leaves CORS to its scripts. */
export function corsOriginsOf(stored: readonly string[]): CorsOrigins | null {
  return stored.length === 0 ? null : new Set(stored);
}

/**
 * The `Access-Control-Allow-Origin` to answer a request from `origin` with: the origin itself when it is
 * listed, `*` when any origin is (no credentials are ever allowed, so `*` is enough), otherwise
 * undefined (not allowed).
 * @example allowOriginFor(new Set(['http://phone.lan:3000']), 'http://phone.lan:3000') // 'http://phone.lan:3000'
 */
export function allowOriginFor(origins: CorsOrigins, origin: string): string | undefined {
  if (origins.has(origin) || origins.has(origin.toLowerCase())) return origin;
  return origins.has('*') ? '*' : undefined;
}

/** True for a CORS preflight: OPTIONS with `Origin` and `Access-Control-Request-Method`. */
export function isPreflight(method: string, headers: Record<string, string | string[] | undefined>): boolean {
  return (
    method === 'OPTIONS' &&
    headers.origin !== undefined &&
    headers['access-control-request-method'] !== undefined
  );
}

/**
 * The methods a preflight may allow for a path: every route method `matches` (HEAD with GET, which
 * also answers it), in the routes' order. Empty when no route matches the path.
 */
export function matchingMethods(matches: (method: string) => boolean): string[] {
  const methods = ROUTE_METHODS.filter((method) => matches(method));
  if (methods.includes('GET') && !methods.includes('HEAD')) methods.splice(1, 0, 'HEAD');
  return methods;
}

/**
 * The request headers a preflight asked for (`Access-Control-Request-Headers`), echoed as a clean list:
 * lower-case, valid header names only, no duplicates, at most MAX_ALLOW_HEADERS_LENGTH characters.
 * Undefined when nothing is left.
 */
export function allowHeadersFor(requested: string | string[] | undefined): string | undefined {
  if (requested === undefined) return undefined;
  const names = new Set<string>();
  let length = 0;
  for (const raw of (Array.isArray(requested) ? requested.join(',') : requested).split(',')) {
    const name = raw.trim().toLowerCase();
    if (!HEADER_NAME.test(name) || names.has(name)) continue;
    length += name.length + (names.size > 0 ? 2 : 0);
    if (length > MAX_ALLOW_HEADERS_LENGTH) break;
    names.add(name);
  }
  return names.size === 0 ? undefined : [...names].join(', ');
}

/** The headers of a 204 answering a preflight from an allowed origin. */
export function preflightHeaders(
  allowOrigin: string,
  methods: readonly string[],
  requestedHeaders: string | string[] | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {
    'access-control-allow-origin': allowOrigin,
    'access-control-allow-methods': methods.join(', '),
    'access-control-max-age': String(PREFLIGHT_MAX_AGE_SECONDS),
    vary: 'Origin',
  };
  const allowHeaders = allowHeadersFor(requestedHeaders);
  if (allowHeaders !== undefined) headers['access-control-allow-headers'] = allowHeaders;
  return headers;
}

/** The headers PiCloud adds to any response to an allowed origin (PiCloud's own errors included). */
export function responseCorsHeaders(allowOrigin: string): Record<string, string> {
  return { 'access-control-allow-origin': allowOrigin, vary: 'Origin' };
}

/** `vary` with `Origin` in it (unchanged when it already varies on Origin or on everything). */
export function varyOnOrigin(vary: string | undefined): string {
  if (vary === undefined || vary.trim() === '') return 'Origin';
  const names = vary.split(',').map((name) => name.trim().toLowerCase());
  return names.includes('origin') || names.includes('*') ? vary : `${vary}, Origin`;
}

/**
 * A script's response headers for an allowed origin: the script's own choice wins when it set
 * `access-control-allow-origin` itself; otherwise PiCloud's is added and `vary` names Origin. Header
 * names are lower case (see executor/script-response.ts).
 */
export function withCorsHeaders(
  scriptHeaders: Record<string, string>,
  allowOrigin: string,
): Record<string, string> {
  if (scriptHeaders['access-control-allow-origin'] !== undefined) return scriptHeaders;
  return {
    ...scriptHeaders,
    'access-control-allow-origin': allowOrigin,
    vary: varyOnOrigin(scriptHeaders.vary),
  };
}
