/**
 * `/healthz`: plain-text `ok` for load balancers and service managers, 503 when the database does not
 * answer. `/version`: the version of every compatibility surface.
 */
import type { FastifyInstance } from 'fastify';
import { PicloudError } from '../../errors/catalogue.js';
import { surfaceVersions } from '../../version.js';

/** What the health routes need to know. */
export interface HealthDeps {
  /** Asks the database for a sign of life. */
  databaseIsHealthy(): Promise<boolean>;
  /** Schema version after migrations. */
  schemaVersion: number;
}

/** Registers `/healthz` and `/version`. */
export async function healthRoutes(app: FastifyInstance, deps: HealthDeps): Promise<void> {
  app.get('/healthz', async (_request, reply) => {
    if (!(await deps.databaseIsHealthy())) {
      throw new PicloudError(
        'PICLOUD_ERR_DB_UNAVAILABLE',
        'The database is unavailable: PiCloud is not healthy',
      );
    }
    return reply.type('text/plain; charset=utf-8').send('ok');
  });

  app.get(
    '/version',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            required: ['product', 'sdk', 'api', 'schema', 'wire'],
            properties: {
              product: { type: 'string' },
              sdk: { type: 'string' },
              api: { type: 'integer' },
              schema: { type: 'integer' },
              wire: { type: 'integer' },
            },
          },
        },
      },
    },
    async () => surfaceVersions(deps.schemaVersion),
  );
}
