/**
 * The orchestrator: PiCloud's ingress. Resolves Host → app (most specific claim wins), matches the
 * app's routes, and dispatches to the executor through the `ExecutorClient` interface. Serves
 * `/api/v1/execute/{id}` (a script by id, whatever the host), the editor's Run
 * (`/api/v1/admin/scripts/{id}/run`, see script-run.ts) and the apps' custom routes. Its hot path
 * reads only in-memory tables that follow the database through LISTEN/NOTIFY.
 */

import { isIP } from 'node:net';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import '../contracts/route-access.js';
import type { Kysely } from 'kysely';
import type { ExecutionLimits, ExecutorClient } from '../contracts/executor.js';
import type { Database } from '../db/schema.js';
import { PicloudError } from '../errors/catalogue.js';
import type { CustomRouteHandler } from '../http/routes/catch-all.js';
import type { ExecutionLogSink } from '../manager/logs/execution-record.js';
import type { TriggerRunner } from '../manager/triggers/trigger-runner.js';
import { hostFromHeader } from '../routing/host-claim.js';
import { currentMachineHosts, isMachineHost, type MachineHosts } from '../routing/machine-hosts.js';
import type { Scope } from '../security/scopes.js';
import {
  allowOriginFor,
  type CorsOrigins,
  isPreflight,
  matchingMethods,
  preflightHeaders,
  responseCorsHeaders,
} from './cors.js';
import { dispatchToScript } from './dispatch.js';
import { installScriptBodyParsers } from './request-body.js';
import { RoutingCache } from './routing-cache.js';
import { type RouteTarget, type RoutingSnapshot, withModules } from './routing-snapshot.js';
import { scriptRunApi } from './script-run.js';
import { createTriggerRunner } from './trigger-dispatch.js';

/** What the orchestrator needs. */
export interface OrchestratorDeps {
  db: Kysely<Database>;
  /** For the LISTEN connection. */
  connectionString: string;
  executor: ExecutorClient;
  logSink: ExecutionLogSink;
  limits: ExecutionLimits;
  /**
   * Checks the API token of a call to a route that requires one (the manager's); throws the 401/403.
   * Without it, such routes refuse every call.
   */
  authorizeInvocation?: (request: FastifyRequest, appId: string, scope: Scope) => Promise<unknown>;
  log?: (level: 'info' | 'warn', message: string) => void;
  /** This machine's names and addresses (default: read from the operating system). */
  machineHosts?: () => MachineHosts;
}

/** A running orchestrator. */
export interface Orchestrator {
  /** The editor's Run (`/admin/scripts/:id/run`), mounted under `/api/v1` on the panel's listener. */
  apiPlugin: FastifyPluginAsync;
  /** `/execute/:id`, mounted under `/api/v1` on the endpoints' listener. */
  endpointApiPlugin: FastifyPluginAsync;
  customRoutes: CustomRouteHandler;
  routing: RoutingCache;
  /**
   * The executor with each job completed by the modules its script imports (from the routing
   * snapshot): what anything else that runs scripts (triggers) should call.
   */
  executor: ExecutorClient;
  /** Runs a script for a cron or queue trigger (given to the manager's trigger scheduler). */
  runTriggered: TriggerRunner;
  close(): Promise<void>;
}

/**
 * Host → app id. The machine's own names and addresses (routing/machine-hosts.ts) always go to the app
 * claiming `localhost`, whatever another app claims (a claim made before such claims were refused, or
 * of an address the machine got since); an IP literal nobody claims goes there too.
 */
export function resolveApp(
  snapshot: RoutingSnapshot,
  host: string | null,
  isMachineHost: (host: string) => boolean,
): string | undefined {
  if (host === null) return undefined;
  const appId = snapshot.hosts.resolve(host);
  const machineApp = snapshot.hosts.resolve('localhost');
  if (appId !== undefined && (appId === machineApp || !isMachineHost(host))) return appId;
  if (appId !== undefined) return machineApp;
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  return isIP(bare) !== 0 || isMachineHost(host) ? machineApp : undefined;
}

/**
 * Whether a host names this machine, with the machine's names and addresses read again at most every
 * 30 s, and only when asked (no timer): interfaces change rarely, and a request must not pay for a
 * system call.
 */
export function machineHostCheck(read: () => MachineHosts = currentMachineHosts): (host: string) => boolean {
  let hosts: MachineHosts | null = null;
  let readAt = 0;
  return (host) => {
    const now = Date.now();
    if (hosts === null || now - readAt > 30_000) {
      hosts = read();
      readAt = now;
    }
    return isMachineHost(host, hosts);
  };
}

/**
 * Answers a CORS preflight to an app that declares its origins: 204 with the methods of the routes on
 * the path, or 403 for an origin it does not list. Resolves false (the usual 404) when no route of the
 * app matches the path.
 */
async function answerPreflight(
  request: FastifyRequest,
  reply: FastifyReply,
  origins: CorsOrigins,
  matches: (method: string) => boolean,
): Promise<boolean> {
  const origin = String(request.headers.origin);
  const allowOrigin = allowOriginFor(origins, origin);
  if (allowOrigin === undefined) {
    throw new PicloudError(
      'PICLOUD_ERR_CORS_ORIGIN',
      `The origin ${origin} may not call this app from a browser`,
    );
  }
  const methods = matchingMethods(matches);
  if (methods.length === 0) return false;
  const headers = preflightHeaders(allowOrigin, methods, request.headers['access-control-request-headers']);
  await reply.code(204).headers(headers).send();
  return true;
}

/** Creates and starts the orchestrator (loads its routing tables, subscribes to changes). */
export async function createOrchestrator(deps: OrchestratorDeps): Promise<Orchestrator> {
  const routing = new RoutingCache(deps.db, deps.connectionString, deps.log);
  await routing.start();
  const executor: ExecutorClient = {
    execute: (job) => deps.executor.execute(withModules(routing.snapshot, job)),
    close: () => deps.executor.close(),
  };
  const dispatchDeps = { ...deps, executor };
  const isMachine = machineHostCheck(deps.machineHosts);

  /**
   * Lets a call to a route that requires a token through, or throws its 401/403. Only the Authorization
   * header counts: the panel's session cookie, which a browser attaches to cross-site requests, never.
   */
  async function authorize(request: FastifyRequest, reply: FastifyReply, appId: string, scope: Scope) {
    try {
      if (!deps.authorizeInvocation) {
        throw new PicloudError('PICLOUD_ERR_AUTH_REQUIRED', 'This endpoint needs an API token');
      }
      await deps.authorizeInvocation(request, appId, scope);
    } catch (error) {
      if (error instanceof PicloudError && error.status === 401) {
        reply.header('www-authenticate', 'Bearer realm="picloud"');
      }
      throw error;
    }
  }

  // The editor's Run (`/admin/scripts/{id}/run`, JSON only like the rest of the admin API; its answer
  // wraps the script's response in JSON, so nothing a script returns is served as a page on the
  // panel's origin).
  const apiPlugin = scriptRunApi({ db: deps.db, routing, dispatch: dispatchDeps }) as FastifyPluginAsync;

  // `/execute/{id}`, with the apps' body parsers: any content type reaches the script.
  const executeApi: FastifyPluginAsync = async (scope) => {
    installScriptBodyParsers(scope);
    const executeSchema = {
      tags: ['data plane'],
      summary:
        "Run an endpoint script by id, with any method and whatever the Host (the response is the script's)",
      params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } }, required: ['id'] },
    };
    const access = {
      scope: 'endpoints:invoke' as const,
      app: async (request: FastifyRequest) =>
        routing.snapshot.scripts.get((request.params as { id: string }).id)?.appId ?? null,
    };
    scope.all('/execute/:id', { schema: executeSchema, config: { access } }, async (request, reply) => {
      const { id } = request.params as { id: string };
      const snapshot = routing.snapshot;
      const script = snapshot.scripts.get(id);
      if (!script) throw new PicloudError('PICLOUD_ERR_SCRIPT_NOT_FOUND', `No script with id ${id}`);
      if (script.kind !== 'endpoint') {
        throw new PicloudError(
          'PICLOUD_ERR_SCRIPT_NOT_ENDPOINT',
          `"${script.name}" is a module: only endpoints run`,
        );
      }
      const app = snapshot.apps.get(script.appId);
      if (!app) throw new PicloudError('PICLOUD_ERR_SCRIPT_NOT_FOUND', `No script with id ${id}`);
      // The caller's token was checked by access control; the script does not get it.
      return dispatchToScript(dispatchDeps, request, reply, {
        app,
        script,
        params: {},
        trigger: 'execute',
        tokenChecked: true,
      });
    });
  };

  const customRoutes: CustomRouteHandler = {
    installBodyParsers: installScriptBodyParsers,
    async handle(request, reply) {
      const snapshot = routing.snapshot;
      const host = hostFromHeader(request.headers.host);
      const appId = resolveApp(snapshot, host, isMachine);
      if (appId === undefined) return false;
      const router = snapshot.routers.get(appId);
      const app = snapshot.apps.get(appId);
      if (!router || !app) return false;
      const path = request.url.split('?')[0];
      const constraints = host ? { host } : {};
      if (app.corsOrigins !== null && isPreflight(request.method, request.headers)) {
        return answerPreflight(request, reply, app.corsOrigins, (method) =>
          Boolean(router.find(method as never, path, constraints)),
        );
      }
      let found = router.find(request.method as never, path, constraints);
      if (!found && request.method === 'HEAD') found = router.find('GET', path, constraints);
      if (!found) return false;
      const target = found.store as RouteTarget;
      const script = snapshot.scripts.get(target.scriptId);
      if (!script) return false;
      // Set first, so that a refused token and the script's errors are readable by the allowed origin.
      const origin = request.headers.origin;
      const allowOrigin =
        origin !== undefined && app.corsOrigins !== null
          ? allowOriginFor(app.corsOrigins, origin)
          : undefined;
      if (allowOrigin !== undefined) reply.headers(responseCorsHeaders(allowOrigin));
      if (target.requiredScope !== null) await authorize(request, reply, appId, target.requiredScope);
      const params: Record<string, string> = {};
      for (const [name, value] of Object.entries(found.params)) if (value !== undefined) params[name] = value;
      await dispatchToScript(dispatchDeps, request, reply, {
        app,
        script,
        params,
        trigger: 'http',
        allowOrigin,
        tokenChecked: target.requiredScope !== null,
      });
      return true;
    },
    notFound(request) {
      const host = hostFromHeader(request.headers.host);
      const path = request.url.split('?')[0];
      if (resolveApp(routing.snapshot, host, isMachine) === undefined) {
        return new PicloudError(
          'PICLOUD_ERR_HOST_UNKNOWN',
          `No app answers for host "${host ?? ''}": claim it for an app (POST /api/v1/admin/apps/{app}/domains)`,
        );
      }
      return new PicloudError(
        'PICLOUD_ERR_ROUTE_NO_MATCH',
        `No route of this app matches ${request.method} ${path}`,
      );
    },
  };

  return {
    apiPlugin,
    endpointApiPlugin: executeApi,
    customRoutes,
    routing,
    executor,
    runTriggered: createTriggerRunner({ ...dispatchDeps, routing }),
    close: () => routing.close(),
  };
}
