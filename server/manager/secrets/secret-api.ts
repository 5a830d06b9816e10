/**
 * `/api/v1/admin/apps/:app/secrets`: an app's secrets. Values go in (set, rotate) and never come out:
 * lists show names, versions and dates only; scripts read values with `secret::get`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { PicloudError } from '../../errors/catalogue.js';
import { appFromParam } from '../app-param.js';
import type { ManagerContext } from '../manager-deps.js';
import { AppParam, ErrorSchema } from '../schemas.js';
import { MAX_SECRET_BYTES, SECRET_NAME_PATTERN, type SecretStore } from './secret-store.js';

const SecretSchema = Type.Object(
  {
    name: Type.String(),
    version: Type.Integer({ description: '1 when created, +1 at each rotation' }),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time', description: 'when the current value was set' }),
  },
  { $id: 'Secret' },
);
const SecretParams = Type.Object({
  app: AppParam.properties.app,
  name: Type.String({
    pattern: SECRET_NAME_PATTERN,
    description: 'letters, digits, _ . - (at most 128), not starting with a digit, dot or dash',
  }),
});
const tags = ['secrets'];

/** Registers the secret routes. */
export function secretApi({ db, locate }: ManagerContext, secrets: SecretStore): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/admin/apps/:app/secrets',
      {
        config: { access: { scope: 'apps:read', app: locate.appParam } },
        schema: {
          tags,
          summary: "List an app's secrets (names, versions and dates; never values)",
          params: AppParam,
          response: { 200: Type.Object({ items: Type.Array(SecretSchema) }), 404: ErrorSchema },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        return found ? { items: await secrets.list(found.id) } : reply;
      },
    );

    app.put(
      '/admin/apps/:app/secrets/:name',
      {
        config: { access: { scope: 'secrets:write', app: locate.appParam } },
        schema: {
          tags,
          summary: 'Set a secret: create it (201) or rotate it to a new value (200)',
          params: SecretParams,
          body: Type.Object(
            { value: Type.String({ minLength: 1, maxLength: MAX_SECRET_BYTES }) },
            { additionalProperties: false },
          ),
          response: { 200: SecretSchema, 201: SecretSchema, 400: ErrorSchema, 404: ErrorSchema },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        if (!found) return reply;
        if (Buffer.byteLength(request.body.value, 'utf8') > MAX_SECRET_BYTES) {
          const message = `must be at most ${MAX_SECRET_BYTES} bytes in UTF-8`;
          throw new PicloudError('PICLOUD_ERR_HTTP_VALIDATION', `Invalid body: /value ${message}`, [
            { in: 'body', path: '/value', message },
          ]);
        }
        const { secret, created } = await secrets.put(found.id, request.params.name, request.body.value);
        return reply.code(created ? 201 : 200).send(secret);
      },
    );

    app.delete(
      '/admin/apps/:app/secrets/:name',
      {
        config: { access: { scope: 'secrets:write', app: locate.appParam } },
        schema: {
          tags,
          summary: 'Delete a secret (scripts then read null)',
          params: SecretParams,
          response: { 204: Type.Null(), 404: ErrorSchema },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        if (!found) return reply;
        await secrets.remove(found.id, request.params.name);
        return reply.code(204).send(null);
      },
    );
  };
}
