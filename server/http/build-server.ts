/**
 * The single assembly point of the HTTP server: plugins, hooks, error format, health and version, the
 * versioned API and the panel. Everything it serves comes in through `ServerDeps` (no singletons), so
 * tests build the same server around a test database and drive it with `inject`.
 */
import { AjvCompiler } from '@fastify/ajv-compiler';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifySchema,
  type FastifySchemaCompiler,
  type FastifySchemaValidationError,
  LogController,
} from 'fastify';
import { unstorable } from '../db/storable.js';
import { PicloudError } from '../errors/catalogue.js';
import { API_VERSION, PRODUCT_VERSION } from '../version.js';
import { answerClientError } from './client-error.js';
import { installErrorHandler } from './error-handler.js';
import { installJsonBodyParser } from './json-body.js';
import { installClientAddress } from './peer-address.js';
import { generateRequestId, REQUEST_ID_HEADER } from './request-id.js';
import { type ApiRouteInfo, apiV1 } from './routes/api-v1.js';
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
  /** Enforces the routes' declared access (the manager's); required when there are API plugins. */
  accessControl?: (scope: FastifyInstance) => Promise<void>;
  /** The apps' custom routes (the orchestrator), tried before the panel's files. */
  customRoutes?: CustomRouteHandler;
  /** Largest accepted request body, in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Largest request line plus headers, in bytes (default 16 KiB). */
  headerLimit?: number;
  /** Requests per minute per client address to the apps' endpoints and panel files (0 or absent: none). */
  publicRateLimit?: number;
  /** Proxies whose X-Forwarded-* headers are believed (see the trustProxy setting); default none. */
  trustProxy?: string | false;
}

/** Ajv settings: all errors at once; 'array' coercion lets path and query strings satisfy integer/boolean schemas. */
const AJV_OPTIONS = {
  customOptions: { allErrors: true, coerceTypes: 'array' as const, removeAdditional: false },
};

/**
 * Compiles each route's validator on its first request instead of at start-up: the API has dozens of
 * routes and compiling every schema up front cost a fifth of a warm start (bench/startup). Every
 * schema is still compiled by a test (test/manager/openapi.test.ts), so a bad one cannot wait for a
 * user to find it.
 *
 * Every validated part — path parameters, query, body — is also refused when it holds what PostgreSQL
 * cannot store (U+0000 or a lone surrogate in a string or key, a number that is not finite such as
 * `?limit=1e309`, which Ajv coerces to Infinity and lets through): one check for every route, before
 * any handler, instead of a 500 from whichever query the value reaches.
 */
function installLazyValidators(app: FastifyInstance): void {
  let compile: FastifySchemaCompiler<FastifySchema> | null = null;
  app.setValidatorCompiler((routeSchema) => {
    let validate: Validator | null = null;
    const lazy: Validator = (data: unknown) => {
      compile ??= AjvCompiler()({}, AJV_OPTIONS) as unknown as FastifySchemaCompiler<FastifySchema>;
      validate ??= compile(routeSchema) as Validator;
      const valid = validate(data);
      // Fastify reads the errors from the function it was given.
      lazy.errors = validate.errors;
      if (!valid) return false;
      const problem = unstorable(data);
      if (problem === null) return true;
      lazy.errors = [
        {
          keyword: 'storable',
          instancePath: problem.path,
          schemaPath: '#',
          params: {},
          message: problem.message,
        },
      ];
      return false;
    };
    return lazy;
  });
}

/** An Ajv validate function as Fastify calls it. */
type Validator = ((data: unknown) => boolean) & { errors?: FastifySchemaValidationError[] | null };

/** A server plus the switch that makes it refuse new requests while draining. */
export interface PicloudServer {
  app: FastifyInstance;
  /** From now on, new requests get 503 PICLOUD_ERR_SERVER_SHUTTING_DOWN; in-flight ones finish. */
  beginShutdown(): void;
  /** Every route under `/api/v1` with its declared access. */
  apiRoutes: readonly ApiRouteInfo[];
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
    http: { maxHeaderSize: deps.headerLimit ?? 16 * 1024 },
    // Slow-loris guard: the whole request head must arrive within this time.
    connectionTimeout: 0,
    requestTimeout: 60_000,
    clientErrorHandler: answerClientError,
    trustProxy: deps.trustProxy ?? false,
    // Host names (up to 253 characters) travel as path parameters, e.g. when releasing a claim by pattern.
    routerOptions: { maxParamLength: 256 },
    // We answer 503 in our own error format while draining (see onRequest below).
    return503OnClosing: false,
    // 'array' coercion lets path and query strings satisfy integer/boolean schemas, as Fastify does by default.
  });
  installLazyValidators(app);
  let shuttingDown = false;
  // Response schemas document the API (OpenAPI); handlers build their views field by field, so plain
  // JSON.stringify is enough and spares compiling a serializer per route at every start.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  installClientAddress(app);
  installErrorHandler(app);
  installNotFoundHandler(app);
  installJsonBodyParser(app);

  // Callback hooks, not async ones: they run on every request, and a promise each is measurable.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    if (shuttingDown) {
      reply.header('connection', 'close');
      done(new PicloudError('PICLOUD_ERR_SERVER_SHUTTING_DOWN'));
      return;
    }
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const level = reply.statusCode >= 500 ? 'warn' : 'debug';
    // Checked first (pino can tell): the entry is built only when the level is on ('debug' is off by default).
    const log = request.log as FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean };
    if (log.isLevelEnabled?.(level) !== false) {
      request.log[level](
        {
          method: request.method,
          url: request.url,
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 10) / 10,
        },
        'request completed',
      );
    }
    done();
  });

  // Security headers on the panel and the API. Scripts' responses are the apps' own business: the
  // catch-all route opts out and applies them to panel files only.
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        // No upgrade-insecure-requests: the panel is often reached over plain HTTP on the LAN.
      },
    },
    // No HSTS: a LAN appliance is reached by plain HTTP as often as through the optional HTTPS proxy,
    // and a remembered HSTS entry would lock the browser out of the plain-HTTP address.
    strictTransportSecurity: false,
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
  if (deps.publicRateLimit) {
    // Applied per route (the catch-all below); the admin API has its own sign-in throttle.
    await app.register(fastifyRateLimit, {
      global: false,
      // Scripts' responses carry the headers their script chose: no X-RateLimit-* on every answer, only
      // Retry-After once the limit is hit.
      addHeadersOnExceeding: {
        'x-ratelimit-limit': false,
        'x-ratelimit-remaining': false,
        'x-ratelimit-reset': false,
      },
      addHeaders: {
        'x-ratelimit-limit': false,
        'x-ratelimit-remaining': false,
        'x-ratelimit-reset': false,
        'retry-after': true,
      },
      errorResponseBuilder: (_request, context) =>
        new PicloudError(
          'PICLOUD_ERR_HTTP_RATE_LIMITED',
          `More than ${context.max} requests per minute from this address; retry in ${Math.ceil(context.ttl / 1000)} s`,
        ),
    });
  }

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
  const apiRoutes: ApiRouteInfo[] = [];
  await app.register(apiV1, {
    prefix: `/api/v${API_VERSION}`,
    registry: apiRoutes,
    plugins: deps.apiPlugins ?? [],
    accessControl: deps.accessControl ?? null,
  });
  app.get(`/api/v${API_VERSION}/openapi.json`, { schema: { hide: true } }, async () => app.swagger());
  if (deps.panelDir) {
    // Only reply.sendFile: the catch-all route decides between custom routes and panel files.
    await app.register(fastifyStatic, { root: deps.panelDir, serve: false });
  }
  await app.register(catchAllRoute, {
    customRoutes: deps.customRoutes ?? null,
    panel: deps.panelDir ? panelFiles(deps.panelDir) : null,
    rateLimitPerMinute: deps.publicRateLimit ?? 0,
  });

  return {
    app,
    apiRoutes,
    beginShutdown() {
      shuttingDown = true;
    },
  };
}
