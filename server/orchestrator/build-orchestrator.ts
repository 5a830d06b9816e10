/**
 * The orchestrator: PiCloud's ingress. Resolves Host → app (most specific claim wins), matches the
 * app's routes, and dispatches to the executor through the `ExecutorClient` interface. Serves
 * `/api/v1/execute/{id}` (a script by id, whatever the host) and the apps' custom routes. Its hot path
 * reads only in-memory tables that follow the database through LISTEN/NOTIFY.
 */

import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import '../contracts/route-access.js';
import type { Kysely } from 'kysely';
import type { ExecutionLimits, ExecutorClient } from '../contracts/executor.js';
import type { Database } from '../db/schema.js';
import { PicloudError } from '../errors/catalogue.js';
import type { CustomRouteHandler } from '../http/routes/catch-all.js';
import type { ExecutionLogSink } from '../manager/logs/execution-record.js';
import { hostFromHeader } from '../routing/host-claim.js';
import type { Scope } from '../security/scopes.js';
import { dispatchToScript } from './dispatch.js';
import { installScriptBodyParsers } from './request-body.js';
import { RoutingCache } from './routing-cache.js';
import type { RouteTarget, RoutingSnapshot } from './routing-snapshot.js';

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
}

/** A running orchestrator. */
export interface Orchestrator {
  /** `/execute/:id`, mounted under `/api/v1`. */
  apiPlugin: FastifyPluginAsync;
  customRoutes: CustomRouteHandler;
  routing: RoutingCache;
  close(): Promise<void>;
}

/** Names of this machine: requests addressed to it directly go to the app claiming `localhost`. */
const MACHINE_NAMES = new Set([hostname().toLowerCase(), `${hostname().toLowerCase()}.local`]);

/** Host → app id, with direct addresses of this machine (IP literals, its host name) treated as localhost. */
export function resolveApp(snapshot: RoutingSnapshot, host: string | null): string | undefined {
  if (host === null) return undefined;
  const appId = snapshot.hosts.resolve(host);
  if (appId !== undefined) return appId;
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  return isIP(bare) !== 0 || MACHINE_NAMES.has(host) ? snapshot.hosts.resolve('localhost') : undefined;
}

/** Creates and starts the orchestrator (loads its routing tables, subscribes to changes). */
export async function createOrchestrator(deps: OrchestratorDeps): Promise<Orchestrator> {
  const routing = new RoutingCache(deps.db, deps.connectionString, deps.log);
  await routing.start();

  const apiPlugin: FastifyPluginAsync = async (scope) => {
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
      return dispatchToScript(deps, request, reply, { app, script, params: {}, trigger: 'execute' });
    });
  };

  const customRoutes: CustomRouteHandler = {
    installBodyParsers: installScriptBodyParsers,
    async handle(request, reply) {
      const snapshot = routing.snapshot;
      const host = hostFromHeader(request.headers.host);
      const appId = resolveApp(snapshot, host);
      if (appId === undefined) return false;
      const router = snapshot.routers.get(appId);
      if (!router) return false;
      const path = request.url.split('?')[0];
      const constraints = host ? { host } : {};
      let found = router.find(request.method as never, path, constraints);
      if (!found && request.method === 'HEAD') found = router.find('GET', path, constraints);
      if (!found) return false;
      const target = found.store as RouteTarget;
      const script = snapshot.scripts.get(target.scriptId);
      const app = snapshot.apps.get(appId);
      if (!script || !app) return false;
      const params: Record<string, string> = {};
      for (const [name, value] of Object.entries(found.params)) if (value !== undefined) params[name] = value;
      await dispatchToScript(deps, request, reply, { app, script, params, trigger: 'http' });
      return true;
    },
    notFound(request) {
      const host = hostFromHeader(request.headers.host);
      const path = request.url.split('?')[0];
      if (resolveApp(routing.snapshot, host) === undefined) {
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
    customRoutes,
    routing,
    close: () => routing.close(),
  };
}
