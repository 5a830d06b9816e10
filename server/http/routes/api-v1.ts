/**
 * The one place that composes the versioned HTTP API: everything below is served under
 * `/api/v{API_VERSION}`. A future v2 is a new file registered next to this one, while v1 keeps working.
 * Control-plane (`/admin/*`, `/auth/*`) and data-plane (`/execute/{id}`) routes are registered by the
 * manager and the orchestrator through `plugins`. Fail-closed: a route without an access declaration
 * cannot be registered, and routes cannot be registered without access control.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { RouteAccess } from '../../contracts/route-access.js';

/** One registered API route and what it requires. */
export interface ApiRouteInfo {
  method: string;
  /** Full URL pattern, e.g. `/api/v1/admin/apps/:app`. */
  url: string;
  access: RouteAccess;
}

/** Options of the API scope. */
export interface ApiV1Options {
  plugins: FastifyPluginAsync[];
  /** Installs authentication and authorization on the scope (the manager's access control). */
  accessControl: ((scope: FastifyInstance) => Promise<void>) | null;
  /** Receives every route registered (what a test enumerates to prove none is left open). */
  registry: ApiRouteInfo[];
}

/** The API v1 scope; each plugin adds its routes relative to `/api/v1`. */
export async function apiV1(app: FastifyInstance, options: ApiV1Options): Promise<void> {
  if (options.plugins.length === 0) return;
  if (!options.accessControl) throw new Error('API routes need access control (ServerDeps.accessControl)');
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    if (!access) throw new Error(`API route ${String(route.method)} ${route.url} declares no config.access`);
    for (const method of [route.method].flat()) options.registry.push({ method, url: route.url, access });
  });
  await options.accessControl(app);
  for (const plugin of options.plugins) await app.register(plugin);
}
