/**
 * The single assembly point of the HTTP server: two listeners — two origins — built from the same
 * cross-cutting parts (error format, request ids, security headers, limits, health and version):
 *
 * - the **panel**'s: the control panel's files and the control plane (`/api/v1/auth/*`,
 *   `/api/v1/admin/*`), where the owner's session cookie counts;
 * - the **endpoints**': the apps' routes and the data plane (`/api/v1/execute/{id}`), where only API
 *   tokens count.
 *
 * No script response is ever same-origin with the panel (see listener-paths.ts). Everything served
 * comes in through `ServerDeps` (no singletons), so tests build the same server around a test database
 * and drive either listener with `inject`.
 */
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { TlsCertificateSource } from './https-front.js';
import type { HttpsRedirect } from './https-redirect.js';
import { buildListener, type Listener } from './listener.js';
import type { ListenerName } from './listener-paths.js';
import type { AccessControlInstaller, ApiRouteInfo } from './routes/api-v1.js';
import { type CustomRouteHandler, panelFiles } from './routes/catch-all.js';
import type { HealthDeps } from './routes/health.js';
import type { TrustPageDeps } from './routes/trust-page.js';

/** Everything the server needs from the rest of the appliance. */
export interface ServerDeps extends HealthDeps {
  /** Structured logger (pino). */
  logger: FastifyBaseLogger;
  /** Folder of the panel's static files, or null to serve no panel. */
  panelDir: string | null;
  /**
   * Control-plane route plugins mounted under `/api/v{API_VERSION}` on the panel's listener (the
   * manager's auth and admin API, the editor's Run).
   */
  apiPlugins?: FastifyPluginAsync[];
  /** Data-plane route plugins mounted under `/api/v{API_VERSION}` on the endpoints' listener (`/execute/{id}`). */
  endpointApiPlugins?: FastifyPluginAsync[];
  /** Enforces the routes' declared access (the manager's); required when there are API plugins. */
  accessControl?: AccessControlInstaller;
  /**
   * A cluster member's panel: every request to the panel's listener but `/healthz` and `/version`
   * answers 307 with the same path and query at this origin (the primary's panel), where the control
   * plane lives. Null or absent: the panel is served here.
   */
  panelRedirect?: string | null;
  /** The apps' custom routes (the orchestrator), served by the endpoints' listener. */
  customRoutes?: CustomRouteHandler;
  /** Largest accepted request body, in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Largest request line plus headers, in bytes (default 16 KiB). */
  headerLimit?: number;
  /**
   * Longest time a whole request may take to arrive, in ms (default 60000): the slow-loris guard.
   * A long upload (see long-uploads.ts) may take longer, but no byte may take longer to come.
   */
  requestTimeoutMs?: number;
  /** Requests per minute per client address to the apps' endpoints and panel files (0 or absent: none). */
  publicRateLimit?: number;
  /** Proxies whose X-Forwarded-* headers are believed (see the trustProxy setting); default none. */
  trustProxy?: string | false;
  /**
   * True for a connection this process opened itself (a script's outbound request to this machine):
   * whatever it says in X-Forwarded-* is dropped before anything reads it, so the appliance's own
   * requests are never believed as a trusted proxy.
   */
  isOwnConnection?: (socket: Socket) => boolean;
  /**
   * The node's TLS certificate: with it, each listener also serves HTTPS on a port of its own (same
   * routes; the panel's HTTPS origin is again its own). Absent: plain HTTP only.
   */
  tls?: TlsCertificateSource;
  /** The trust page (`/trust` on the panel's port); absent: none. */
  trustPage?: TrustPageDeps;
  /** The panel's HTTPS-only mode (plain HTTP redirected to HTTPS); absent: never redirected. */
  httpsRedirect?: HttpsRedirect;
}

/** The two listeners plus the switch that makes them refuse new requests while draining. */
export interface PicloudServer {
  /** The panel's listener: panel files, `/api/v1/auth/*`, `/api/v1/admin/*`, health and version. */
  panel: FastifyInstance;
  /** The endpoints' listener: the apps' routes, `/api/v1/execute/{id}`, health and version. */
  endpoints: FastifyInstance;
  /** From now on, new requests get 503 PICLOUD_ERR_SERVER_SHUTTING_DOWN; in-flight ones finish. */
  beginShutdown(): void;
  /** Every route under `/api/v1` with its declared access and its listener. */
  apiRoutes: readonly ApiRouteInfo[];
  /** The port a listener got, once listening (null before). */
  portOf(listener: ListenerName): number | null;
  /** The HTTPS port a listener got, once listening (null before, or without TLS). */
  httpsPortOf(listener: ListenerName): number | null;
  /** Starts a listener's HTTPS side on `host`:`port` (0: a free port); needs `tls`. */
  listenHttps(listener: ListenerName, host: string, port: number): Promise<void>;
  /** Cuts every open connection, both schemes (the shutdown timeout ran out). */
  closeAllConnections(): void;
  /** Closes both listeners, both schemes (in-flight requests finish). */
  close(): Promise<void>;
}

/** The port a Fastify instance listens on, or null. */
function boundPort(app: FastifyInstance): number | null {
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : null;
}

/**
 * Builds (but does not start) both listeners.
 * @example const { panel, endpoints } = await buildServer(deps); await endpoints.inject({ url: '/healthz' });
 */
export async function buildServer(deps: ServerDeps): Promise<PicloudServer> {
  let shuttingDown = false;
  const apiRoutes: ApiRouteInfo[] = [];
  const listeners = {} as Record<ListenerName, Listener>;
  const portOf = (listener: ListenerName) =>
    listeners[listener] ? boundPort(listeners[listener].app) : null;
  const httpsPortOf = (listener: ListenerName) => listeners[listener]?.https?.port ?? null;
  const shared = { deps, apiRoutes, isShuttingDown: () => shuttingDown, portOf };
  listeners.panel = await buildListener(shared, {
    name: 'panel',
    apiPlugins: deps.apiPlugins ?? [],
    panel: deps.panelDir ? { dir: deps.panelDir, files: panelFiles(deps.panelDir) } : null,
    customRoutes: null,
  });
  listeners.endpoints = await buildListener(shared, {
    name: 'endpoints',
    apiPlugins: deps.endpointApiPlugins ?? [],
    panel: null,
    customRoutes: deps.customRoutes ?? null,
  });
  return {
    panel: listeners.panel.app,
    endpoints: listeners.endpoints.app,
    apiRoutes,
    portOf,
    httpsPortOf,
    async listenHttps(listener, host, port) {
      const front = listeners[listener].https;
      if (!front) throw new Error('This server has no TLS certificate');
      await front.listen(port, host);
    },
    beginShutdown() {
      shuttingDown = true;
    },
    closeAllConnections() {
      for (const { app, https } of Object.values(listeners)) {
        app.server.closeAllConnections();
        https?.closeAllConnections();
      }
    },
    async close() {
      // Each listener's onClose hook closes its HTTPS side as well.
      await Promise.all([listeners.panel.app.close(), listeners.endpoints.app.close()]);
    },
  };
}
