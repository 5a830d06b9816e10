/**
 * The one place that composes the versioned HTTP API: everything below is served under
 * `/api/v{API_VERSION}`. A future v2 is a new file registered next to this one, while v1 keeps working.
 * Control-plane (`/admin/*`) and data-plane (`/execute/{id}`) routes are registered by the manager and
 * the orchestrator through `plugins`.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';

/** The API v1 scope; each plugin adds its routes relative to `/api/v1`. */
export async function apiV1(app: FastifyInstance, options: { plugins: FastifyPluginAsync[] }): Promise<void> {
  for (const plugin of options.plugins) await app.register(plugin);
}
