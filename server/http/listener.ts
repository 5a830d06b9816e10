/**
 * One listener of the appliance (the panel's or the endpoints'; see build-server.ts): a Fastify
 * instance with the cross-cutting parts both share — request ids, the one error format, draining,
 * security headers, the per-address limit, the OpenAPI document, health and version — plus what is
 * that listener's own: its half of the API and its catch-all (panel files, or the apps' routes).
 */
import { createServer as createHttpServer } from 'node:http';
import type { Socket } from 'node:net';
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
import type { ServerDeps } from './build-server.js';
import { answerClientError } from './client-error.js';
import { installErrorHandler } from './error-handler.js';
import { HttpsFront } from './https-front.js';
import { installHttpsRedirect } from './https-redirect.js';
import { installJsonBodyParser } from './json-body.js';
import type { ListenerName } from './listener-paths.js';
import { LongUploads } from './long-uploads.js';
import { installClientAddress } from './peer-address.js';
import { generateRequestId, REQUEST_ID_HEADER } from './request-id.js';
import { type ApiRouteInfo, apiV1 } from './routes/api-v1.js';
import { type CustomRouteHandler, catchAllRoute } from './routes/catch-all.js';
import { healthRoutes } from './routes/health.js';
import { installNotFoundHandler, type ListenerContext } from './routes/not-found.js';
import { trustPageRoutes } from './routes/trust-page.js';

/**
 * Ajv settings for path parameters, query strings and headers: all errors at once; 'array' coercion
 * lets their strings satisfy integer/boolean schemas.
 */
const AJV_TEXT_OPTIONS = {
  customOptions: { allErrors: true, coerceTypes: 'array' as const, removeAdditional: false },
};
/**
 * Ajv settings for JSON bodies: no coercion. JSON carries its own types, and coercion would rewrite
 * what a client sent — a `null` in a nullable field (a union of a type and null) becomes `""` or `0`
 * through the union's first branch, and `"required_scope": null` then failed as an unknown scope.
 */
const AJV_BODY_OPTIONS = {
  customOptions: { allErrors: true, coerceTypes: false, removeAdditional: false },
};

/** Headers only a reverse proxy should set about the client; dropped from the appliance's own requests. */
const FORWARDING_HEADERS = [
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'forwarded',
  'x-real-ip',
];

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
  const compilers = new Map<boolean, FastifySchemaCompiler<FastifySchema>>();
  const compilerFor = (body: boolean) => {
    let compile = compilers.get(body);
    if (!compile) {
      compile = AjvCompiler()(
        {},
        body ? AJV_BODY_OPTIONS : AJV_TEXT_OPTIONS,
      ) as unknown as FastifySchemaCompiler<FastifySchema>;
      compilers.set(body, compile);
    }
    return compile;
  };
  app.setValidatorCompiler((routeSchema) => {
    let validate: Validator | null = null;
    const lazy: Validator = (data: unknown) => {
      validate ??= compilerFor(routeSchema.httpPart === 'body')(routeSchema) as Validator;
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

/** What both listeners share. */
export interface SharedParts {
  deps: ServerDeps;
  /** Collects the API routes of both listeners. */
  apiRoutes: ApiRouteInfo[];
  isShuttingDown(): boolean;
  portOf(listener: ListenerName): number | null;
}

/** What is one listener's own. */
export interface ListenerParts {
  name: ListenerName;
  apiPlugins: FastifyPluginAsync[];
  /** The panel's files (the panel's listener only). */
  panel: { dir: string; files: Set<string> } | null;
  /** The apps' routes (the endpoints' listener only). */
  customRoutes: CustomRouteHandler | null;
}

/** One listener: its Fastify instance (plain HTTP) and, with a certificate, its HTTPS side. */
export interface Listener {
  app: FastifyInstance;
  /** The same routes over HTTPS, on a port of its own; null without a certificate source. */
  https: HttpsFront | null;
}

/** Fastify's options for the servers it would make itself, which a server factory must apply. */
interface ServerFactoryOptions {
  http?: { maxHeaderSize?: number; connectionsCheckingInterval?: number };
  keepAliveTimeout: number;
  requestTimeout: number;
  connectionTimeout: number;
}

/** Builds one listener (not yet listening). */
export async function buildListener(shared: SharedParts, parts: ListenerParts): Promise<Listener> {
  const { deps } = shared;
  const context: ListenerContext = { name: parts.name, portOf: shared.portOf };
  const requestTimeout = deps.requestTimeoutMs ?? 60_000;
  // Node applies no request deadline shorter than the headers deadline (60 s by default): the head
  // must arrive within the request's deadline, and within 60 s.
  const headersTimeout = Math.min(60_000, requestTimeout);
  const longUploads = new LongUploads(requestTimeout);
  const clientError = (error: Error & { code?: string }, socket: Socket) => {
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT' && longUploads.spares(socket)) return;
    answerClientError(error, socket);
  };
  let https: HttpsFront | null = null;
  const tls = deps.tls ?? null;
  // With a certificate, Fastify's one request handler serves two servers: the plain-HTTP one Fastify
  // listens with, and the HTTPS front — the same routes, hooks and limits on both schemes.
  const serverFactory = tls
    ? (handler: Parameters<typeof createHttpServer>[1], options: ServerFactoryOptions) => {
        const httpOptions = {
          maxHeaderSize: options.http?.maxHeaderSize,
          connectionsCheckingInterval: options.http?.connectionsCheckingInterval,
        };
        const plain = createHttpServer(httpOptions, handler);
        https = new HttpsFront(handler as never, httpOptions, tls, clientError);
        for (const server of [plain, https.server]) {
          server.keepAliveTimeout = options.keepAliveTimeout;
          server.requestTimeout = options.requestTimeout;
          server.headersTimeout = headersTimeout;
          server.setTimeout(options.connectionTimeout);
        }
        return plain;
      }
    : undefined;
  const app = Fastify({
    ...(serverFactory ? { serverFactory: serverFactory as never } : {}),
    loggerInstance: deps.logger,
    genReqId: generateRequestId,
    // One debug line per request (onResponse below) instead of Fastify's two info lines: cheaper on a Pi.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimit ?? 1024 * 1024,
    http: {
      maxHeaderSize: deps.headerLimit ?? 16 * 1024,
      // How often Node looks for requests past the deadline (its default, 30 s, for the default 60 s).
      connectionsCheckingInterval: Math.min(30_000, Math.max(50, requestTimeout / 2)),
    },
    // Slow-loris guard: the whole request must arrive within this time (but see long-uploads.ts).
    connectionTimeout: 0,
    requestTimeout,
    clientErrorHandler: clientError,
    trustProxy: deps.trustProxy ?? false,
    // Host names (up to 253 characters) travel as path parameters, e.g. when releasing a claim by pattern.
    routerOptions: { maxParamLength: 256 },
    // We answer 503 in our own error format while draining (see onRequest below).
    return503OnClosing: false,
  });
  app.server.headersTimeout = headersTimeout;
  installLazyValidators(app);
  longUploads.install(app);
  // Response schemas document the API (OpenAPI); handlers build their views field by field, so plain
  // JSON.stringify is enough and spares compiling a serializer per route at every start.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  const { isOwnConnection } = deps;
  if (isOwnConnection) {
    // First of all hooks, before anything reads the client address (rate limits, sign-in throttles,
    // the audit log, set-up from this machine): a script's own request to this machine is no proxy.
    app.addHook('onRequest', (request, _reply, done) => {
      if (isOwnConnection(request.raw.socket)) {
        for (const name of FORWARDING_HEADERS) delete request.raw.headers[name];
      }
      done();
    });
  }
  installClientAddress(app);
  if (parts.name === 'panel' && deps.httpsRedirect) installHttpsRedirect(app, deps.httpsRedirect);
  installErrorHandler(app);
  installNotFoundHandler(app, context);
  installJsonBodyParser(app);
  // Callback hooks, not async ones: they run on every request, and a promise each is measurable.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    if (shared.isShuttingDown()) {
      reply.header('connection', 'close');
      done(new PicloudError('PICLOUD_ERR_SERVER_SHUTTING_DOWN'));
      return;
    }
    done();
  });
  const redirect = parts.name === 'panel' ? deps.panelRedirect : null;
  if (redirect) {
    app.addHook('onRequest', (request, reply, done) => {
      const path = request.url.split('?', 1)[0];
      if (path === '/healthz' || path === '/version') {
        done();
        return;
      }
      // The origin is fixed and the path is kept as it came: `//evil` stays a path on the primary.
      void reply.code(307).header('location', `${redirect}${request.url}`).send();
    });
  }
  app.addHook('onResponse', (request, reply, done) => {
    const level = reply.statusCode >= 500 ? 'warn' : 'debug';
    // Checked first (pino can tell): the entry is built only when the level is on ('debug' is off by default).
    const log = request.log as FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean };
    if (log.isLevelEnabled?.(level) !== false) {
      request.log[level](
        {
          listener: parts.name,
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
      errorResponseBuilder: (_request, limit) =>
        new PicloudError(
          'PICLOUD_ERR_HTTP_RATE_LIMITED',
          `More than ${limit.max} requests per minute from this address; retry in ${Math.ceil(limit.ttl / 1000)} s`,
        ),
    });
  }

  // The OpenAPI document of this listener's API is generated from the route schemas (registered
  // before any route).
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: parts.name === 'panel' ? 'PiCloud HTTP API (control plane)' : 'PiCloud HTTP API (data plane)',
        version: PRODUCT_VERSION,
        description:
          parts.name === 'panel'
            ? "Control plane of a PiCloud appliance, served on the panel's port."
            : "Data plane of a PiCloud appliance, served on the endpoints' port.",
      },
    },
  });
  await app.register(healthRoutes, deps);
  await app.register(apiV1, {
    prefix: `/api/v${API_VERSION}`,
    registry: shared.apiRoutes,
    plugins: parts.apiPlugins,
    accessControl: deps.accessControl ?? null,
    listener: parts.name,
  });
  app.get(`/api/v${API_VERSION}/openapi.json`, { schema: { hide: true } }, async () => app.swagger());
  if (parts.name === 'panel' && deps.trustPage) await app.register(trustPageRoutes(deps.trustPage));
  if (parts.panel) {
    // Only reply.sendFile: the catch-all route decides what is a panel file.
    await app.register(fastifyStatic, { root: parts.panel.dir, serve: false });
  }
  await app.register(catchAllRoute, {
    customRoutes: parts.customRoutes,
    panel: parts.panel?.files ?? null,
    rateLimitPerMinute: deps.publicRateLimit ?? 0,
    listener: context,
  });
  const front = https as HttpsFront | null;
  if (front) app.addHook('onClose', async () => front.close());
  return { app, https: front };
}
