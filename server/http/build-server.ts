/**
 * The single assembly point of the HTTP server: plugins, hooks, error format, health and version, the
 * versioned API and the panel. Everything it serves comes in through `ServerDeps` (no singletons), so
 * tests build the same server around a test database and drive it with `inject`.
 */
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  LogController,
} from 'fastify';
import { PicloudError } from '../errors/catalogue.js';
import { API_VERSION, PRODUCT_VERSION } from '../version.js';
import { installErrorHandler } from './error-handler.js';
import { generateRequestId, REQUEST_ID_HEADER } from './request-id.js';
import { apiV1 } from './routes/api-v1.js';
import { type CustomRouteHandler, catchAllRoute, panelFiles } from './routes/catch-all.js';
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
  /** The apps' custom routes (the orchestrator), tried before the panel's files. */
  customRoutes?: CustomRouteHandler;
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
    // Host names (up to 253 characters) travel as path parameters, e.g. when releasing a claim by pattern.
    routerOptions: { maxParamLength: 256 },
    // We answer 503 in our own error format while draining (see onRequest below).
    return503OnClosing: false,
    // 'array' coercion lets path and query strings satisfy integer/boolean schemas, as Fastify does by default.
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
  });
  let shuttingDown = false;
  // Response schemas document the API (OpenAPI); handlers build their views field by field, so plain
  // JSON.stringify is enough and spares compiling a serializer per route at every start.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

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

  // The OpenAPI document is generated from the route schemas (registered before any route).
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'PiCloud HTTP API',
        version: PRODUCT_VERSION,
        description: 'Control plane and data plane of a PiCloud appliance.',
      },
    },
  });
  await app.register(healthRoutes, deps);
  await app.register(apiV1, { prefix: `/api/v${API_VERSION}`, plugins: deps.apiPlugins ?? [] });
  app.get(`/api/v${API_VERSION}/openapi.json`, { schema: { hide: true } }, async () => app.swagger());
  if (deps.panelDir) {
    // Only reply.sendFile: the catch-all route decides between custom routes and panel files.
    await app.register(fastifyStatic, { root: deps.panelDir, serve: false });
  }
  await app.register(catchAllRoute, {
    customRoutes: deps.customRoutes ?? null,
    panel: deps.panelDir ? panelFiles(deps.panelDir) : null,
  });

  return {
    app,
    beginShutdown() {
      shuttingDown = true;
    },
  };
}
