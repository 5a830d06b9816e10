/**
 * Requests no fixed route claims: the apps' custom routes first (when an orchestrator is present),
 * then the panel's static files (GET/HEAD), then a JSON 404. Paths under `/api/` and `/wire/` never
 * reach scripts or the panel.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PicloudError } from '../../errors/catalogue.js';
import { reservedPathError } from './not-found.js';

/** Handles the apps' custom routes (implemented by the orchestrator). */
export interface CustomRouteHandler {
  /** Body parsers for script routes, installed in the scope of the catch-all route. */
  installBodyParsers(scope: FastifyInstance): void;
  /** Runs the matching route; resolves false when none matches. */
  handle(request: FastifyRequest, reply: FastifyReply): Promise<boolean>;
  /** The 404 to answer when nothing (not even a panel file) matched. */
  notFound(request: FastifyRequest): PicloudError;
}

/** The files of the panel, as URL paths ("/", "/index.html", "/assets/app.js"). */
export function panelFiles(dir: string): Set<string> {
  const files = new Set<string>();
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.add(`/${relative(dir, path).split(sep).join('/')}`);
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
  },
): Promise<void> {
  const { customRoutes, panel, rateLimitPerMinute } = options;
  customRoutes?.installBodyParsers(app);
  const config: FastifyContextConfig =
    rateLimitPerMinute > 0 ? { rateLimit: { max: rateLimitPerMinute, timeWindow: 60_000 } } : {};
  // helmet: false — a script's response carries the headers its script chose; panel files get them below.
  app.all('/*', { schema: { hide: true }, helmet: false, config }, async (request, reply) => {
    const path = request.url.split('?')[0];
    const reserved = reservedPathError(request.method, path);
    if (reserved) throw reserved;
    if (customRoutes && (await customRoutes.handle(request, reply))) return reply;
    if (panel && (request.method === 'GET' || request.method === 'HEAD') && panel.has(path)) {
      await reply.helmet();
      return reply.sendFile(path === '/' ? 'index.html' : path.slice(1));
    }
    throw (
      customRoutes?.notFound(request) ??
      new PicloudError('PICLOUD_ERR_HTTP_NOT_FOUND', `Nothing at ${request.method} ${path}`)
    );
  });
}
