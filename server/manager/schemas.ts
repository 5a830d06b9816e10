/**
 * JSON schemas shared by the admin API (TypeBox: one definition gives validation, TypeScript types and
 * the OpenAPI document).
 */
import { Type } from '@sinclair/typebox';
import { PAGE_LIMITS } from './pagination.js';

/**
 * A slug: DNS-label shaped, so it fits in URLs and host names. Never shaped like a UUID: `:app` takes an
 * id or a slug, and a UUID-shaped slug would be looked up as an id and never found.
 */
export const Slug = Type.String({
  pattern:
    '^(?![0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$',
  description: 'URL-safe name (letters, digits, inner dashes; at most 63), not shaped like a UUID',
});

/** A UUID. */
export const Uuid = Type.String({ format: 'uuid' });

/** `?limit=&cursor=` of paginated lists. */
export const PageQuerySchema = Type.Object({
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: PAGE_LIMITS.max, description: `default ${PAGE_LIMITS.default}` }),
  ),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
});

/** The error body, for the OpenAPI document. */
export const ErrorSchema = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
});

/** Why a script run failed, as logs and the editor's Run report it (line/column from the engine). */
export const RunErrorFields = {
  code: Type.String(),
  message: Type.String(),
  kind: Type.Optional(Type.String()),
  line: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  column: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
};

/** `:app` — an app id or slug (a retired slug answers 308 to the current one). */
export const AppParam = Type.Object({ app: Type.String({ minLength: 1, maxLength: 64 }) });

/** A page of `item`. */
export function PageOf<T extends ReturnType<typeof Type.Object>>(item: T) {
  return Type.Object({ items: Type.Array(item), next_cursor: Type.Union([Type.String(), Type.Null()]) });
}
