/**
 * Keyset pagination for admin lists: results come in a stable order and `next_cursor` is an opaque
 * token naming the last item returned, so pages stay consistent while rows are added.
 */
import { unstorable } from '../db/storable.js';
import { PicloudError } from '../errors/catalogue.js';

/** Query parameters of a paginated list. */
export interface PageQuery {
  limit?: number;
  cursor?: string;
}

/** One page of results. */
export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  next_cursor: string | null;
}

/** Default and largest page sizes. */
export const PAGE_LIMITS = { default: 50, max: 200 } as const;

/** Encodes the sort key of the last item of a page. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** Decodes a cursor made by {@link encodeCursor} with `length` parts; a malformed one is a 400. */
export function decodeCursor(cursor: string, length: number): (string | number)[] {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // A forged cursor must not carry into a query what PostgreSQL refuses (NUL, 1e309).
    if (
      Array.isArray(key) &&
      key.length === length &&
      key.every((part) => typeof part === 'string' || typeof part === 'number') &&
      unstorable(key) === null
    ) {
      return key;
    }
  } catch {
    // fall through
  }
  throw new PicloudError('PICLOUD_ERR_HTTP_BAD_CURSOR');
}

/**
 * Turns `limit + 1` fetched rows into a page (the extra row only proves there is a next page).
 */
export function toPage<Row, T>(
  rows: Row[],
  limit: number,
  key: (row: Row) => (string | number)[],
  map: (row: Row) => T,
): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return { items: items.map(map), next_cursor: more ? encodeCursor(key(items[items.length - 1])) : null };
}
