/**
 * `/api/v1/admin/accounts`: the owner's admin accounts (the first comes from set-up). Needs the
 * `admin` scope. The last account, and the caller's own, cannot be deleted.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { PicloudError } from '../../errors/catalogue.js';
import { MAX_PASSWORD_LENGTH } from '../../security/password-hash.js';
import { writeTransaction } from '../change-feed.js';
import { isUuid } from '../ids.js';
import { ErrorSchema } from '../schemas.js';
import { createAdmin, listAdmins, USERNAME_PATTERN } from './account-store.js';
import type { AuthService } from './auth-service.js';

const AccountSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  username: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  password_changed_at: Type.String({ format: 'date-time' }),
});
const tags = ['auth'];

/** Registers the account routes. */
export function accountApi(auth: AuthService): FastifyPluginAsyncTypebox {
  const { db } = auth;
  return async (app) => {
    app.get(
      '/admin/accounts',
      {
        config: { access: { scope: 'admin' } },
        schema: {
          tags,
          summary: 'List admin accounts',
          response: { 200: Type.Object({ items: Type.Array(AccountSchema) }) },
        },
      },
      async () => ({ items: await listAdmins(db) }),
    );

    app.post(
      '/admin/accounts',
      {
        config: { access: { scope: 'admin' } },
        schema: {
          tags,
          summary: 'Create another admin account',
          body: Type.Object(
            {
              username: Type.String({ pattern: USERNAME_PATTERN }),
              password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH }),
            },
            { additionalProperties: false },
          ),
          response: { 201: AccountSchema, 400: ErrorSchema, 409: ErrorSchema },
        },
      },
      async (request, reply) => reply.code(201).send(await createAdmin(db, request.body)),
    );

    app.delete(
      '/admin/accounts/:id',
      {
        config: { access: { scope: 'admin' } },
        schema: {
          tags,
          summary: 'Delete an admin account and end its sessions (not your own, not the last)',
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
          response: { 204: Type.Null(), 404: ErrorSchema, 409: ErrorSchema },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const principal = request.principal;
        if (principal?.kind === 'admin' && principal.adminId === id) {
          throw new PicloudError('PICLOUD_ERR_AUTH_ACCOUNT_IN_USE', 'You cannot delete your own account');
        }
        await writeTransaction(db, async (trx) => {
          const all = await trx.selectFrom('admins').select('id').forUpdate().execute();
          if (!isUuid(id) || !all.some((row) => row.id === id)) {
            throw new PicloudError('PICLOUD_ERR_AUTH_ADMIN_NOT_FOUND', `No admin account with id ${id}`);
          }
          if (all.length === 1) {
            throw new PicloudError(
              'PICLOUD_ERR_AUTH_ACCOUNT_IN_USE',
              'The last admin account cannot be deleted',
            );
          }
          await trx.deleteFrom('admins').where('id', '=', id).execute();
        });
        return reply.code(204).send(null);
      },
    );
  };
}
