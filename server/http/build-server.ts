/**
 * The single assembly point of the HTTP server: plugins, hooks, error format, health and version, the
 * versioned API and the panel. Everything it serves comes in through `ServerDeps` (no singletons), so
 * tests build the same server around a test database and drive it with `inject`.
 */
import fastifyStatic from '@fastify/static';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  LogController,
} from 'fastify';
import { PicloudError } from '../errors/catalogue.js';
import { API_VERSION } from '../version.js';
import { installErrorHandler } from './error-handler.js';
import { generateRequestId, REQUEST_ID_HEADER } from './request-id.js';
import { apiV1 } from './routes/api-v1.js';
import { type HealthDeps, healthRoutes } from './routes/health.js';
import { installNotFoundHandler } from './routes/not-found.js';

/** Everything the server needs from the rest of the appliance. */
export interface ServerDeps extends HealthDeps {
  /** Structured logger (pino). */
  logger: FastifyBaseLogger;
  /** Folder of the panel's static files, or null to serve no panel. */
  panelDir: string | null;
  /** Route plugins mounted under `/api/v{API_VERSION}` (control plane, data plane). */
  apiPlugins?: FastifyPluginAsync[];
  /** Largest accepted request body, in bytes (default 1 MiB). */
  bodyLimit?: number;
}

/** A server plus the switch that makes it refuse new requests while draining. */
export interface PicloudServer {
  app: FastifyInstance;
  /** From now on, new requests get 503 PICLOUD_ERR_SERVER_SHUTTING_DOWN; in-flight ones finish. */
  beginShutdown(): void;
}

/**
 * Builds (but does not start) the HTTP server.
 * @example const { app } = await buildServer(deps); await app.inject({ url: '/healthz' });
 */
export async function buildServer(deps: ServerDeps): Promise<PicloudServer> {
  const app = Fastify({
    loggerInstance: deps.logger,
    genReqId: generateRequestId,
    // One debug line per request (onResponse below) instead of Fastify's two info lines: cheaper on a Pi.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimit ?? 1024 * 1024,
    // We answer 503 in our own error format while draining (see onRequest below).
    return503OnClosing: false,
    ajv: { customOptions: { allErrors: true, coerceTypes: false, removeAdditional: false } },
  });
  let shuttingDown = false;

  installErrorHandler(app);
  installNotFoundHandler(app);

  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    if (shuttingDown) {
      reply.header('connection', 'close');
      throw new PicloudError('PICLOUD_ERR_SERVER_SHUTTING_DOWN');
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    const level = reply.statusCode >= 500 ? 'warn' : 'debug';
    request.log[level](
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request completed',
    );
  });

  await app.register(healthRoutes, deps);
  await app.register(apiV1, { prefix: `/api/v${API_VERSION}`, plugins: deps.apiPlugins ?? [] });
  if (deps.panelDir) {
    await app.register(fastifyStatic, {
      root: deps.panelDir,
      prefix: '/',
      index: ['index.html'],
      wildcard: true,
    });
  }

  return {
    app,
    beginShutdown() {
      shuttingDown = true;
    },
  };
}
