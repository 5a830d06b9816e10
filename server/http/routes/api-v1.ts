/**
 * The one place that composes the versioned HTTP API: everything below is served under
 * `/api/v{API_VERSION}`. A future v2 is a new file registered next to this one, while v1 keeps working.
 * Control-plane (`/admin/*`, `/auth/*`) routes are registered by the manager and the orchestrator on the
 * panel's listener, data-plane routes (`/execute/{id}`) by the orchestrator on the endpoints' listener,
 * each through `plugins`. Fail-closed: a route without an access declaration cannot be registered,
 * routes cannot be registered without access control, and a route of one plane cannot be registered
 * on the other plane's listener.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { RouteAccess } from '../../contracts/route-access.js';
import { type ListenerName, listenerOfApiPath } from '../listener-paths.js';

/** One registered API route and what it requires. */
export interface ApiRouteInfo {
  method: string;
  /** Full URL pattern, e.g. `/api/v1/admin/apps/:app`. */
  url: string;
  access: RouteAccess;
  /** The listener that serves it. */
  listener: ListenerName;
}

/**
 * Installs authentication and authorization on an API scope (the manager's access control). On the
 * endpoints' listener only API tokens count: the panel's session cookie, which a browser attaches to
 * requests to any port of the machine, authenticates nothing there.
 */
export type AccessControlInstaller = (scope: FastifyInstance, listener: ListenerName) => Promise<void>;

/** Options of the API scope. */
export interface ApiV1Options {
  plugins: FastifyPluginAsync[];
  accessControl: AccessControlInstaller | null;
  /** Receives every route registered (what a test enumerates to prove none is left open). */
  registry: ApiRouteInfo[];
  /** The listener this scope is mounted on. */
  listener: ListenerName;
}

/** The API v1 scope; each plugin adds its routes relative to `/api/v1`. */
export async function apiV1(app: FastifyInstance, options: ApiV1Options): Promise<void> {
  if (options.plugins.length === 0) return;
  if (!options.accessControl) throw new Error('API routes need access control (ServerDeps.accessControl)');
  const { listener } = options;
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    if (!access) throw new Error(`API route ${String(route.method)} ${route.url} declares no config.access`);
    const owner = listenerOfApiPath(route.url);
    if (owner !== null && owner !== listener) {
      throw new Error(
        `API route ${String(route.method)} ${route.url} belongs on the ${owner} listener, not the ${listener}'s`,
      );
    }
    for (const method of [route.method].flat())
      options.registry.push({ method, url: route.url, access, listener });
  });
  await options.accessControl(app, listener);
  for (const plugin of options.plugins) await app.register(plugin);
}
