/**
 * JSON request bodies, for the admin API and the apps' endpoints alike: Fastify's own parser (which
 * refuses `__proto__` and `constructor.prototype` keys), plus a bound on nesting. A body nested
 * deeper than {@link MAX_VALUE_DEPTH} is a 400 `PICLOUD_ERR_HTTP_BODY_TOO_DEEP` before any handler
 * or script sees it: a few kilobytes of `[[[[…]]]]` would otherwise reach code that walks values
 * recursively (copying them to a worker thread, converting them for the engine).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MAX_VALUE_DEPTH } from '../contracts/executor.js';
import { PicloudError } from '../errors/catalogue.js';

/**
 * True when `value` nests arrays and objects more than `max` levels deep (`[]` is one level,
 * `[[1]]` two). Walks with an explicit stack, so any depth is measured without recursion.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: { value: object; depth: number }[] = [];
  if (typeof value === 'object' && value !== null) pending.push({ value, depth: 1 });
  while (pending.length > 0) {
    const { value: container, depth } = pending.pop() as { value: object; depth: number };
    if (depth > max) return true;
    for (const child of Object.values(container)) {
      if (typeof child === 'object' && child !== null) pending.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
}

/** The error for a body nested too deeply. */
export function bodyTooDeep(): PicloudError {
  return new PicloudError(
    'PICLOUD_ERR_HTTP_BODY_TOO_DEEP',
    `The JSON body nests arrays and objects more than ${MAX_VALUE_DEPTH} levels deep`,
    { in: 'body', path: '/body', maxDepth: MAX_VALUE_DEPTH },
  );
}

/** Parses a JSON body's text: Fastify's default parser, then the depth check. */
export type JsonBodyParser = (
  request: FastifyRequest,
  text: string,
  done: (error: Error | null, value: unknown) => void,
) => void;

/** The JSON body parser of `app` (for scopes that take the body's bytes themselves). */
export function jsonBodyParser(app: FastifyInstance): JsonBodyParser {
  const parse = app.getDefaultJsonParser('error', 'error');
  return (request, text, done) => {
    parse(request, text, (error, value) => {
      if (error) done(error, undefined);
      else if (nestsDeeperThan(value, MAX_VALUE_DEPTH)) done(bodyTooDeep(), undefined);
      else done(null, value);
    });
  };
}

/**
 * Replaces the instance's `application/json` parser (inherited by every scope that does not install
 * its own) with Fastify's default one followed by the depth check. An empty body on a route that
 * declares none (a DELETE, a rollback-like POST) is no body at all: clients and libraries send
 * `Content-Type: application/json` with every request, and refusing those would refuse the change.
 * A route that takes a body still gets `400 PICLOUD_ERR_HTTP_BAD_BODY` for an empty one.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  const parse = jsonBodyParser(app);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' && request.routeOptions.schema?.body === undefined) done(null, undefined);
    else parse(request, body as string, done);
  });
}
