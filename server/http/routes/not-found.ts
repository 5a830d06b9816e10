/**
 * Requests no route claims. Anything under `/api/` gets a JSON 404 naming the path, never the panel's
 * HTML, so a client of a retired or future API version fails loudly.
 */
import type { FastifyInstance } from 'fastify';
import { PicloudError } from '../../errors/catalogue.js';
import { API_VERSION } from '../../version.js';

/** The 404 for paths PiCloud reserves (`/api/*`, `/wire/*`), or null for any other path. */
export function reservedPathError(method: string, path: string): PicloudError | null {
  if (path === '/api' || path.startsWith('/api/')) {
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
export function installNotFoundHandler(app: FastifyInstance): void {
  app.setNotFoundHandler((request) => {
    const path = request.url.split('?')[0];
    throw (
      reservedPathError(request.method, path) ??
      new PicloudError('PICLOUD_ERR_HTTP_NOT_FOUND', `Nothing at ${request.method} ${path}`)
    );
  });
}
