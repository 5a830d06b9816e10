/**
 * Route path patterns: "/users/:id", "/files/*" (a trailing wildcard), static segments. Validation and
 * the shape used for conflict detection ("/users/:id" and "/users/:uid" have the same shape). Matching
 * itself is find-my-way's (Fastify's router), whose syntax this follows.
 */

const STATIC_SEGMENT = /^[A-Za-z0-9._~!$&'()+,;=@-]+$/;
const PARAM_SEGMENT = /^:[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The HTTP methods a route may name. */
export const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
/** One of {@link ROUTE_METHODS}. */
export type RouteMethod = (typeof ROUTE_METHODS)[number];

/** A validated pattern. */
export interface PathPattern {
  /** The pattern as stored. */
  path: string;
  /** Parameter names erased: equal shapes match the same requests. */
  shape: string;
  /** Parameter names in order ("*" for the wildcard). */
  params: string[];
}

/**
 * Parses a path pattern, or returns a human-readable reason it is invalid.
 * @example parsePathPattern('/users/:id') // { path: '/users/:id', shape: '/users/:', params: ['id'] }
 */
export function parsePathPattern(input: string): PathPattern | { error: string } {
  const path = input.trim();
  if (!path.startsWith('/')) return { error: 'a path must start with "/"' };
  if (path.length > 512) return { error: 'a path is at most 512 characters' };
  if (
    path.startsWith('/api/') ||
    path === '/api' ||
    path === '/healthz' ||
    path === '/version' ||
    path.startsWith('/wire/')
  ) {
    return { error: `"${path}" is reserved by PiCloud (/api/*, /wire/*, /healthz, /version)` };
  }
  if (path === '/') return { path, shape: '/', params: [] };
  if (path.endsWith('/')) return { error: 'a path must not end with "/"' };
  const segments = path.slice(1).split('/');
  const params: string[] = [];
  const shape: string[] = [];
  for (const [index, segment] of segments.entries()) {
    if (segment === '*') {
      if (index !== segments.length - 1) return { error: 'the wildcard "*" may only be the last segment' };
      params.push('*');
      shape.push('*');
    } else if (segment.startsWith(':')) {
      if (!PARAM_SEGMENT.test(segment))
        return { error: `"${segment}" is not a valid parameter (":name" with letters, digits, _)` };
      const name = segment.slice(1);
      if (params.includes(name)) return { error: `parameter ":${name}" appears twice` };
      params.push(name);
      shape.push(':');
    } else if (segment === '') {
      return { error: 'a path must not contain "//"' };
    } else if (!STATIC_SEGMENT.test(segment)) {
      return { error: `"${segment}" contains characters not allowed in a path segment` };
    } else {
      shape.push(segment);
    }
  }
  return { path, shape: `/${shape.join('/')}`, params };
}

/** Normalises a list of methods: upper case, unique, known. */
export function parseMethods(input: readonly string[]): RouteMethod[] | { error: string } {
  const methods = [...new Set(input.map((m) => m.trim().toUpperCase()))];
  if (methods.length === 0) return { error: 'at least one method is required' };
  for (const method of methods) {
    if (!(ROUTE_METHODS as readonly string[]).includes(method)) {
      return { error: `"${method}" is not a supported method (${ROUTE_METHODS.join(', ')})` };
    }
  }
  return methods.sort() as RouteMethod[];
}
