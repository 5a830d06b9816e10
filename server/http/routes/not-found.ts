/**
 * Requests no route claims. Anything under `/api/` gets a JSON 404 naming the path, never the panel's
 * HTML, so a client of a retired or future API version fails loudly; a path of the other listener's
 * plane (the admin API on the endpoints' port, `/execute` on the panel's) says where it is served.
 */
import type { FastifyInstance } from 'fastify';
import { PicloudError } from '../../errors/catalogue.js';
import { API_VERSION } from '../../version.js';
import { LISTENER_TITLES, type ListenerName, listenerOfApiPath } from '../listener-paths.js';

/** Where a listener is, for the error that sends a client to it. */
export interface ListenerContext {
  /** This listener. */
  name: ListenerName;
  /** The port another listener listens on, once it does (null before). */
  portOf(listener: ListenerName): number | null;
}

/** The 404 for paths PiCloud reserves (`/api/*`, `/wire/*`), or null for any other path. */
export function reservedPathError(
  method: string,
  path: string,
  listener?: ListenerContext,
): PicloudError | null {
  if (path === '/api' || path.startsWith('/api/')) {
    const owner = listenerOfApiPath(path);
    if (listener && owner !== null && owner !== listener.name) {
      const port = listener.portOf(owner);
      return new PicloudError(
        'PICLOUD_ERR_API_WRONG_PORT',
        `${method} ${path} is served on ${LISTENER_TITLES[owner]}${port === null ? '' : ` (${port})`}, not on ${LISTENER_TITLES[listener.name]}`,
        { listener: owner, ...(port === null ? {} : { port }) },
      );
    }
    const current = `/api/v${API_VERSION}/`;
    const hint = path.startsWith(current) ? '' : ` (this server speaks ${current})`;
    return new PicloudError('PICLOUD_ERR_API_NOT_FOUND', `No API route ${method} ${path}${hint}`);
  }
  if (path === '/wire' || path.startsWith('/wire/')) {
    return new PicloudError('PICLOUD_ERR_HTTP_NOT_FOUND', `No wire route ${method} ${path}`);
  }
  return null;
}

/** Installs the not-found handler. */
export function installNotFoundHandler(app: FastifyInstance, listener?: ListenerContext): void {
  app.setNotFoundHandler((request) => {
    const path = request.url.split('?')[0];
    throw (
      reservedPathError(request.method, path, listener) ??
      new PicloudError('PICLOUD_ERR_HTTP_NOT_FOUND', `Nothing at ${request.method} ${path}`)
    );
  });
}
