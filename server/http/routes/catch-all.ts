/**
 * Requests no fixed route claims. On the endpoints' listener: the apps' custom routes (when an
 * orchestrator is present), else a JSON 404. On the panel's listener: the panel's static files
 * (GET/HEAD), else a JSON 404. A listener gets one or the other, never both: no script answers on the
 * panel's origin and the panel's HTML never appears on the endpoints'. Paths under `/api/` and
 * `/wire/` never reach scripts or the panel.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PicloudError } from '../../errors/catalogue.js';
import { type ListenerContext, reservedPathError } from './not-found.js';

/** Handles the apps' custom routes (implemented by the orchestrator). */
export interface CustomRouteHandler {
  /** Body parsers for script routes, installed in the scope of the catch-all route. */
  installBodyParsers(scope: FastifyInstance): void;
  /** Runs the matching route; resolves false when none matches. */
  handle(request: FastifyRequest, reply: FastifyReply): Promise<boolean>;
  /** The 404 to answer when nothing (not even a panel file) matched. */
  notFound(request: FastifyRequest): PicloudError;
}

/** `.vite/manifest.json` is build metadata, not a file of the panel. */
const HIDDEN_PANEL_PREFIX = '/.vite/';

/**
 * The files of the panel, as URL paths ("/", "/index.html", "/assets/app.js"). Empty when the panel
 * was not built (a checkout without `npm run build`): the API still works, `/` says what is missing.
 */
export function panelFiles(dir: string): Set<string> {
  const files = new Set<string>();
  if (!existsSync(dir)) return files;
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const url = `/${relative(dir, path).split(sep).join('/')}`;
        if (!url.startsWith(HIDDEN_PANEL_PREFIX)) files.add(url);
      }
    }
  };
  walk(dir);
  if (files.has('/index.html')) files.add('/');
  return files;
}

/** Registers the catch-all route. */
export async function catchAllRoute(
  app: FastifyInstance,
  options: {
    customRoutes: CustomRouteHandler | null;
    panel: Set<string> | null;
    /** Requests per minute per client address (0: no limit). */
    rateLimitPerMinute: number;
    /** The listener the route is on (names the other one in a wrong-port error). */
    listener?: ListenerContext;
  },
): Promise<void> {
  const { customRoutes, panel, rateLimitPerMinute } = options;
  if (customRoutes && panel) throw new Error('one listener serves either the apps or the panel, not both');
  customRoutes?.installBodyParsers(app);
  const config: FastifyContextConfig =
    rateLimitPerMinute > 0 ? { rateLimit: { max: rateLimitPerMinute, timeWindow: 60_000 } } : {};
  // helmet: false — a script's response carries the headers its script chose; panel files get them below.
  app.all('/*', { schema: { hide: true }, helmet: false, config }, async (request, reply) => {
    const path = request.url.split('?')[0];
    const reserved = reservedPathError(request.method, path, options.listener);
    if (reserved) throw reserved;
    if (customRoutes && (await customRoutes.handle(request, reply))) return reply;
    if (panel && (request.method === 'GET' || request.method === 'HEAD') && panel.has(path)) {
      await reply.helmet();
      // Vite names assets by content hash: they never change, so browsers may keep them for good.
      // index.html names the current ones and must be revalidated.
      const immutable = path.startsWith('/assets/');
      reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      return reply.sendFile(path === '/' ? 'index.html' : path.slice(1), { cacheControl: false });
    }
    if (panel && panel.size === 0 && path === '/' && request.method === 'GET') {
      throw new PicloudError(
        'PICLOUD_ERR_PANEL_NOT_BUILT',
        'The control panel is not built in this installation: run `npm run build`',
      );
    }
    throw (
      customRoutes?.notFound(request) ??
      new PicloudError('PICLOUD_ERR_HTTP_NOT_FOUND', `Nothing at ${request.method} ${path}`)
    );
  });
}
