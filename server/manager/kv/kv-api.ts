/**
 * `/api/v1/admin/apps/:app/kv`: browse, edit and delete an app's KV entries (what its scripts store
 * with `kv::`). Reads need `kv:read`, changes `kv:write`. A key travels URL-encoded in the path
 * (`/kv/users/ada%2Fsettings` is the key `ada/settings`).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { PicloudError } from '../../errors/catalogue.js';
import { appFromParam } from '../app-param.js';
import type { ManagerContext } from '../manager-deps.js';
import { PAGE_LIMITS } from '../pagination.js';
import { ErrorSchema, PageOf } from '../schemas.js';
import { KV_LIMITS, KvError, type KvStore } from './kv-store.js';

const Collection = Type.String({
  minLength: 1,
  maxLength: KV_LIMITS.collectionLength,
  description: 'collection name (no control characters)',
});
const Key = Type.String({
  minLength: 1,
  maxLength: KV_LIMITS.keyLength,
  description: 'the key, URL-encoded (no control characters)',
});
const EntrySchema = Type.Object({
  collection: Type.String(),
  key: Type.String(),
  value: Type.Unknown({ description: 'any JSON value' }),
  expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'when the entry stops existing; null: no TTL',
  }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
const CollectionSchema = Type.Object({
  collection: Type.String(),
  entries: Type.Integer({ description: 'live (unexpired) entries' }),
});
const Limit = Type.Optional(
  Type.Integer({ minimum: 1, maximum: PAGE_LIMITS.max, description: `default ${PAGE_LIMITS.default}` }),
);
/** A cursor names a key (up to 256 characters, each up to 4 bytes), JSON-quoted and base64url-encoded. */
const Cursor = Type.Optional(Type.String({ maxLength: 4096 }));
/** One type list rather than a union: a wrong value is one clear validation problem, not one per branch. */
const TtlSeconds = Type.Unsafe<number | null>({
  type: ['integer', 'null'],
  minimum: 1,
  maximum: KV_LIMITS.maxTtlSeconds,
  description: 'the entry expires this many seconds from now (1 to 10 years); null or absent: never',
});
const AppParam = Type.Object({ app: Type.String({ minLength: 1, maxLength: 64 }) });
const CollectionParams = Type.Object({ app: AppParam.properties.app, collection: Collection });
const EntryParams = Type.Object({ app: AppParam.properties.app, collection: Collection, key: Key });
const tags = ['kv'];

/** Runs a store operation, turning its refusals into the catalogue's errors. */
async function refusalsAsErrors<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (!(error instanceof KvError)) throw error;
    switch (error.reason) {
      case 'KV_VALUE_TOO_LARGE':
        throw new PicloudError('PICLOUD_ERR_KV_VALUE_TOO_LARGE', error.message, error.details);
      case 'KV_INVALID_CURSOR':
        throw new PicloudError('PICLOUD_ERR_HTTP_BAD_CURSOR');
      case 'KV_APP_NOT_FOUND':
        throw new PicloudError('PICLOUD_ERR_APP_NOT_FOUND');
      case 'KV_INVALID_KEY':
      case 'KV_INVALID_VALUE':
      case 'KV_INVALID_TTL':
      case 'KV_NOT_A_NUMBER':
      case 'KV_OUT_OF_RANGE':
        throw new PicloudError('PICLOUD_ERR_KV_INVALID', error.message, { reason: error.reason });
      default: {
        const unreachable: never = error.reason;
        throw new Error(`unhandled KV reason ${unreachable}`);
      }
    }
  }
}

function notFound(collection: string, key: string): PicloudError {
  return new PicloudError('PICLOUD_ERR_KV_NOT_FOUND', `No entry "${key}" in collection "${collection}"`);
}

/** Registers the KV routes. */
export function kvApi({ db, locate }: ManagerContext, store: KvStore): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/admin/apps/:app/kv',
      {
        config: { access: { scope: 'kv:read', app: locate.appParam } },
        schema: {
          tags,
          summary: "List an app's KV collections with their entry counts",
          params: AppParam,
          querystring: Type.Object({ limit: Limit, cursor: Cursor }),
          response: { 200: PageOf(CollectionSchema), 400: ErrorSchema, 404: ErrorSchema },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        if (!found) return reply;
        return refusalsAsErrors(() => store.collections(found.id, request.query));
      },
    );

    app.get(
      '/admin/apps/:app/kv/:collection',
      {
        config: { access: { scope: 'kv:read', app: locate.appParam } },
        schema: {
          tags,
          summary: "List a collection's entries in key order",
          params: CollectionParams,
          querystring: Type.Object({
            prefix: Type.Optional(
              Type.String({ maxLength: KV_LIMITS.keyLength, description: 'only keys starting with this' }),
            ),
            limit: Limit,
            cursor: Cursor,
          }),
          response: { 200: PageOf(EntrySchema), 400: ErrorSchema, 404: ErrorSchema },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        if (!found) return reply;
        const { collection } = request.params;
        const page = await refusalsAsErrors(() => store.list(found.id, collection, request.query));
        return {
          items: page.items.map((entry) => ({ collection, ...entry })),
          next_cursor: page.next_cursor,
        };
      },
    );

    app.get(
      '/admin/apps/:app/kv/:collection/:key',
      {
        config: { access: { scope: 'kv:read', app: locate.appParam } },
        schema: {
          tags,
          summary: 'Get a KV entry',
          params: EntryParams,
          response: { 200: EntrySchema, 400: ErrorSchema, 404: ErrorSchema },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        if (!found) return reply;
        const { collection, key } = request.params;
        const entry = await refusalsAsErrors(() => store.entry(found.id, collection, key));
        if (!entry) throw notFound(collection, key);
        return { collection, ...entry };
      },
    );

    app.put(
      '/admin/apps/:app/kv/:collection/:key',
      {
        config: { access: { scope: 'kv:write', app: locate.appParam } },
        schema: {
          tags,
          summary: 'Create or replace a KV entry',
          params: EntryParams,
          body: Type.Object(
            {
              value: Type.Unknown({ description: 'any JSON value' }),
              ttl_seconds: Type.Optional(TtlSeconds),
            },
            { additionalProperties: false },
          ),
          response: {
            200: EntrySchema,
            201: EntrySchema,
            400: ErrorSchema,
            404: ErrorSchema,
            413: ErrorSchema,
          },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        if (!found) return reply;
        const { collection, key } = request.params;
        const { value, ttl_seconds } = request.body;
        const { created, ...entry } = await refusalsAsErrors(() =>
          store.set(found.id, collection, key, value, ttl_seconds ?? null),
        );
        return reply.code(created ? 201 : 200).send({ collection, ...entry });
      },
    );

    app.delete(
      '/admin/apps/:app/kv/:collection/:key',
      {
        config: { access: { scope: 'kv:write', app: locate.appParam } },
        schema: {
          tags,
          summary: 'Delete a KV entry',
          params: EntryParams,
          response: { 204: Type.Null(), 400: ErrorSchema, 404: ErrorSchema },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        if (!found) return reply;
        const { collection, key } = request.params;
        if (!(await refusalsAsErrors(() => store.delete(found.id, collection, key)))) {
          throw notFound(collection, key);
        }
        return reply.code(204).send(null);
      },
    );
  };
}
