/**
 * The KV store: JSON values under `(app, collection, key)`, with an optional TTL. Scripts reach it
 * through the `kv` script service (kv-service.ts), the owner through the admin API (kv-api.ts); both
 * pass the app id themselves — it never comes from a script's arguments.
 *
 * - **TTL.** An entry past its `expires_at` is invisible to every read at once. It is deleted lazily,
 *   never by a timer: each write to a collection also deletes a few of that collection's expired
 *   entries (in the same statement), and the first write after {@link KvStoreOptions.sweepIntervalMs}
 *   also sweeps a bounded batch across all apps. An idle appliance does nothing.
 * - **Order.** Keys compare by Unicode code point (the columns use COLLATE "C"); `list` walks them in
 *   that order with a keyset cursor, so pages neither repeat nor skip entries while others are added.
 * - **incr** is one `INSERT … ON CONFLICT DO UPDATE … RETURNING` statement: concurrent increments
 *   never lose an update.
 */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import { unstorableText } from '../../db/storable.js';
import { writeStatement } from '../change-feed.js';
import { decodeCursor, encodeCursor, PAGE_LIMITS, type Page } from '../pagination.js';
import { ServiceError } from '../services/script-services.js';

/** Limits of names and values. */
export const KV_LIMITS = {
  /** Longest collection name, in UTF-16 code units (JavaScript string length). */
  collectionLength: 128,
  /**
   * Longest key, in UTF-16 code units. 256 so that any key fits in the admin API's
   * `/kv/{collection}/{key}` path parameter (whose decoded length the router caps at 256).
   */
  keyLength: 256,
  /** Deepest nesting of arrays and maps in a value. */
  valueDepth: 64,
  /** Longest TTL: ten years of seconds. */
  maxTtlSeconds: 10 * 365 * 24 * 3600,
  /** Expired entries of a collection deleted by one write to it. */
  purgeBatch: 100,
} as const;

/** Reasons the KV store answers (what a script's error carries). */
export type KvReason =
  | 'KV_INVALID_KEY'
  | 'KV_INVALID_VALUE'
  | 'KV_VALUE_TOO_LARGE'
  | 'KV_INVALID_TTL'
  | 'KV_INVALID_CURSOR'
  | 'KV_NOT_A_NUMBER'
  | 'KV_OUT_OF_RANGE'
  | 'KV_APP_NOT_FOUND';

/** A refused KV operation; a {@link ServiceError}, so the script service passes it on as is. */
export class KvError extends ServiceError {
  declare readonly reason: KvReason;
  /** Safe structured details (sizes), for the admin API. */
  readonly details: Record<string, unknown> | undefined;

  constructor(reason: KvReason, message: string, details?: Record<string, unknown>) {
    super(reason, message);
    this.name = 'KvError';
    this.details = details;
  }
}

/** An entry with its metadata (the admin API's view). */
export interface KvEntry {
  key: string;
  value: unknown;
  /** ISO time after which the entry no longer exists; null: no TTL. */
  expires_at: string | null;
  created_at: string;
  updated_at: string;
}

/** A collection of an app, with its number of live entries. */
export interface KvCollection {
  collection: string;
  entries: number;
}

/** Options of `list`. */
export interface KvListOptions {
  /** Only keys that start with this. */
  prefix?: string;
  /** `next_cursor` of the previous page. */
  cursor?: string | null;
  /** Page size, 1–200 (default 50). */
  limit?: number;
}

/** Settings of the store. */
export interface KvStoreOptions {
  /** Largest value, as JSON text in UTF-8 bytes. */
  maxValueBytes: number;
  /** A write at least this long after the last sweep sweeps expired entries of every app (default a minute). */
  sweepIntervalMs?: number;
  /** Entries one sweep deletes at most (default 500). */
  sweepBatch?: number;
  /** Reports a failed sweep (the write that triggered it has succeeded). */
  onError?: (error: unknown) => void;
}

/** Largest magnitude `incr` keeps exact (JavaScript's safe integers). */
export const MAX_COUNTER = Number.MAX_SAFE_INTEGER;

/** Control characters (C0, DEL, C1) and lone surrogates, which have no UTF-8 form. */
const FORBIDDEN_IN_NAMES = /[\p{Cc}\p{Cs}]/u;

/** A live entry: no TTL, or one still in the future. */
const live = sql<boolean>`(expires_at IS NULL OR expires_at > now())`;

function checkName(what: 'collection' | 'key' | 'prefix', value: unknown, max: number): string {
  const min = what === 'prefix' ? 0 : 1;
  if (typeof value !== 'string') throw new KvError('KV_INVALID_KEY', `the ${what} must be a string`);
  if (value.length < min || value.length > max) {
    throw new KvError(
      'KV_INVALID_KEY',
      value.length < min
        ? `the ${what} must not be empty`
        : `the ${what} is ${value.length} characters long; at most ${max} are allowed`,
    );
  }
  if (FORBIDDEN_IN_NAMES.test(value)) {
    throw new KvError('KV_INVALID_KEY', `the ${what} must not contain control characters`);
  }
  return value;
}

/** Checks a collection name. */
export function checkCollection(collection: unknown): string {
  return checkName('collection', collection, KV_LIMITS.collectionLength);
}

/** Checks a key. */
export function checkKey(key: unknown): string {
  return checkName('key', key, KV_LIMITS.keyLength);
}

/** Checks a `list` prefix: a key's rules, but it may be empty. */
export function checkPrefix(prefix: unknown): string {
  return checkName('prefix', prefix ?? '', KV_LIMITS.keyLength);
}

/** Checks `incr`'s increment: a whole number within ±9007199254740991. */
export function checkIncrement(by: unknown): number {
  if (typeof by !== 'number' || !Number.isSafeInteger(by)) {
    throw new ServiceError('BAD_ARGUMENTS', 'incr adds a whole number (within ±9007199254740991)');
  }
  return by;
}

/** Why `incr` refused the value `current` of an existing entry. */
export function incrRefusal(current: unknown): KvError {
  if (typeof current === 'number' && Number.isInteger(current)) {
    return new KvError('KV_OUT_OF_RANGE', `incr would take the value beyond ±${MAX_COUNTER}`);
  }
  return new KvError('KV_NOT_A_NUMBER', 'the value under this key is not an integer; incr cannot add to it');
}

/** Checks a TTL in seconds: null or undefined for none, else a whole number from 1 s to 10 years. */
export function checkTtl(ttlSeconds: unknown): number | null {
  if (ttlSeconds === null || ttlSeconds === undefined) return null;
  if (
    typeof ttlSeconds !== 'number' ||
    !Number.isInteger(ttlSeconds) ||
    ttlSeconds < 1 ||
    ttlSeconds > KV_LIMITS.maxTtlSeconds
  ) {
    throw new KvError(
      'KV_INVALID_TTL',
      `the TTL must be a whole number of seconds from 1 to ${KV_LIMITS.maxTtlSeconds} (10 years)`,
    );
  }
  return ttlSeconds;
}

function invalidValue(problem: string): KvError {
  return new KvError('KV_INVALID_VALUE', `the value cannot be stored: ${problem}`);
}

/** Throws unless `value` is plain JSON that PostgreSQL's jsonb can hold exactly. */
function checkJson(value: unknown, depth: number): void {
  switch (typeof value) {
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw invalidValue(`${value} is not a JSON number`);
      return;
    case 'string':
      if (unstorableText(value)) throw invalidValue('a string holds NUL or a lone surrogate');
      return;
    case 'object': {
      if (value === null) return;
      if (depth >= KV_LIMITS.valueDepth) {
        throw invalidValue(`arrays and maps nest deeper than ${KV_LIMITS.valueDepth} levels`);
      }
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) checkJson(value[i], depth + 1);
        return;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw invalidValue(`a ${proto?.constructor?.name ?? 'value'} is not JSON`);
      }
      for (const [name, item] of Object.entries(value)) {
        if (unstorableText(name)) throw invalidValue('a map key holds NUL or a lone surrogate');
        checkJson(item, depth + 1);
      }
      return;
    }
    default:
      throw invalidValue(`${value === undefined ? '()' : typeof value} is not JSON`);
  }
}

/**
 * The JSON text of a value, after checking it is JSON and within `maxBytes` (UTF-8).
 * @example encodeValue({ n: 1 }, 65536) // '{"n":1}'
 */
export function encodeValue(value: unknown, maxBytes: number): string {
  checkJson(value, 0);
  const text = JSON.stringify(value);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    throw new KvError(
      'KV_VALUE_TOO_LARGE',
      `the value is ${bytes} bytes as JSON; at most ${maxBytes} are allowed`,
      { size_bytes: bytes, limit_bytes: maxBytes },
    );
  }
  return text;
}

/** The checked parts of a `set`: names, TTL (null: none) and the value's JSON text. */
export function checkEntry(
  collection: unknown,
  key: unknown,
  value: unknown,
  ttlSeconds: unknown,
  maxValueBytes: number,
): { collection: string; key: string; ttl: number | null; json: string } {
  return {
    collection: checkCollection(collection),
    key: checkKey(key),
    ttl: checkTtl(ttlSeconds),
    json: encodeValue(value, maxValueBytes),
  };
}

/**
 * The smallest string greater than every string that starts with `prefix` (code point order), or
 * null when there is none (a prefix of U+10FFFF only).
 */
export function prefixEnd(prefix: string): string | null {
  const points = [...prefix].map((c) => c.codePointAt(0) as number);
  while (points.length > 0) {
    const last = (points.pop() as number) + 1;
    if (last <= 0x10ffff) {
      // Skip the surrogate block: those code points cannot appear in a valid string.
      points.push(last === 0xd800 ? 0xe000 : last);
      return String.fromCodePoint(...points);
    }
  }
  return null;
}

/** Checks a `list` page size: 1–200, 50 when left out. */
export function pageLimit(limit: unknown): number {
  if (limit === undefined || limit === null) return PAGE_LIMITS.default;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > PAGE_LIMITS.max) {
    throw new ServiceError('BAD_ARGUMENTS', `the limit must be a whole number from 1 to ${PAGE_LIMITS.max}`);
  }
  return limit;
}

/** The key a `list` cursor continues after (null: from the start); one not made by `list` is refused. */
export function cursorKey(cursor: unknown): string | null {
  if (cursor === undefined || cursor === null || cursor === '') return null;
  try {
    if (typeof cursor !== 'string') throw new Error('not a string');
    const [key] = decodeCursor(cursor, 1);
    if (typeof key !== 'string') throw new Error('not a key');
    return key;
  } catch {
    throw new KvError('KV_INVALID_CURSOR', 'the cursor was not made by this list');
  }
}

function iso(date: Date | string | null): string | null {
  return date === null ? null : new Date(date).toISOString();
}

function isForeignKeyViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23503';
}

/** The KV store of every app. */
export class KvStore {
  readonly #db: Kysely<Database>;
  readonly #maxValueBytes: number;
  readonly #sweepIntervalMs: number;
  readonly #sweepBatch: number;
  readonly #onError: (error: unknown) => void;
  /** When the last sweep started (0: none yet, so the first write after a start sweeps). */
  #lastSweep = 0;

  constructor(db: Kysely<Database>, options: KvStoreOptions) {
    this.#db = db;
    this.#maxValueBytes = options.maxValueBytes;
    this.#sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    this.#sweepBatch = options.sweepBatch ?? 500;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** The largest value accepted, in bytes of JSON text. */
  get maxValueBytes(): number {
    return this.#maxValueBytes;
  }

  /** The value under a key, or null when there is none (or it has expired). */
  async get(appId: string, collection: unknown, key: unknown): Promise<unknown> {
    const entry = await this.entry(appId, collection, key);
    return entry === null ? null : entry.value;
  }

  /** An entry with its metadata, or null. */
  async entry(appId: string, collection: unknown, key: unknown): Promise<KvEntry | null> {
    const c = checkCollection(collection);
    const k = checkKey(key);
    const row = await this.#db
      .selectFrom('kv_entries')
      .select(['key', 'value', 'expires_at', 'created_at', 'updated_at'])
      .where('app_id', '=', appId)
      .where('collection', '=', c)
      .where('key', '=', k)
      .where(live)
      .executeTakeFirst();
    return row ? view(row) : null;
  }

  /**
   * Stores a value, replacing any entry under the key. `ttlSeconds` null: the entry never expires (a
   * TTL the replaced entry had is dropped). Answers the entry and whether it is new.
   */
  async set(
    appId: string,
    collection: unknown,
    key: unknown,
    value: unknown,
    ttlSeconds: unknown = null,
  ): Promise<KvEntry & { created: boolean }> {
    const {
      collection: c,
      key: k,
      ttl,
      json: text,
    } = checkEntry(collection, key, value, ttlSeconds, this.#maxValueBytes);
    const result = await this.#write(
      sql<RawEntry & { created: boolean }>`
        WITH ${this.#purge(appId, c, k)}
        INSERT INTO kv_entries AS e (app_id, collection, key, value, expires_at)
        VALUES (${appId}, ${c}, ${k}, ${text}::jsonb, now() + make_interval(secs => ${ttl}::integer))
        ON CONFLICT (app_id, collection, key) DO UPDATE SET
          value = EXCLUDED.value,
          expires_at = EXCLUDED.expires_at,
          created_at = CASE WHEN e.expires_at <= now() THEN now() ELSE e.created_at END,
          updated_at = now()
        RETURNING key, value, expires_at, created_at, updated_at, created_at = updated_at AS created`,
    );
    const row = result[0];
    return { ...view(row), created: row.created };
  }

  /** Deletes the entry under a key; true when there was one (an expired entry does not count). */
  async delete(appId: string, collection: unknown, key: unknown): Promise<boolean> {
    const c = checkCollection(collection);
    const k = checkKey(key);
    const rows = await this.#write(
      sql<{ live: boolean }>`
        WITH ${this.#purge(appId, c, k)}
        DELETE FROM kv_entries
         WHERE app_id = ${appId} AND collection = ${c} AND key = ${k}
        RETURNING ${live} AS live`,
    );
    return rows.some((row) => row.live);
  }

  /**
   * Adds `by` to the integer under a key and answers the sum; a missing (or expired) entry counts as
   * 0 and is created without a TTL, an existing entry keeps its TTL. Atomic: one statement.
   */
  async incr(appId: string, collection: unknown, key: unknown, by: unknown = 1): Promise<number> {
    const c = checkCollection(collection);
    const k = checkKey(key);
    checkIncrement(by);
    const expired = sql`e.expires_at <= now()`;
    const isNumber = sql`jsonb_typeof(e.value) = 'number'`;
    const rows = await this.#write(
      sql<{ value: unknown }>`
        WITH ${this.#purge(appId, c, k)}
        INSERT INTO kv_entries AS e (app_id, collection, key, value)
        VALUES (${appId}, ${c}, ${k}, to_jsonb(${by}::bigint))
        ON CONFLICT (app_id, collection, key) DO UPDATE SET
          value = CASE
            WHEN ${expired} THEN EXCLUDED.value
            WHEN ${isNumber} THEN to_jsonb(e.value::numeric + ${by}::numeric)
            ELSE e.value END,
          expires_at = CASE WHEN ${expired} THEN NULL ELSE e.expires_at END,
          created_at = CASE WHEN ${expired} THEN now() ELSE e.created_at END,
          updated_at = now()
        WHERE ${expired} OR CASE
          WHEN ${isNumber} THEN e.value::numeric = trunc(e.value::numeric)
            AND abs(e.value::numeric + ${by}::numeric) <= ${MAX_COUNTER}::numeric
          ELSE false END
        RETURNING value`,
    );
    if (rows.length === 1) return rows[0].value as number;
    // The entry exists and the guard refused it: tell the script why (this read need not be atomic).
    throw incrRefusal(await this.get(appId, c, k));
  }

  /**
   * A page of a collection's entries in key order, optionally only the keys starting with `prefix`.
   * `next_cursor` (null on the last page) continues after the last entry returned.
   */
  async list(appId: string, collection: unknown, options: KvListOptions = {}): Promise<Page<KvEntry>> {
    const c = checkCollection(collection);
    const prefix = checkPrefix(options.prefix);
    const after = cursorKey(options.cursor);
    const limit = pageLimit(options.limit);
    let query = this.#db
      .selectFrom('kv_entries')
      .select(['key', 'value', 'expires_at', 'created_at', 'updated_at'])
      .where('app_id', '=', appId)
      .where('collection', '=', c)
      .where(live);
    if (prefix !== '') {
      // A key range the primary key's index can scan; starts_with guards exactness.
      query = query.where('key', '>=', prefix).where(sql<boolean>`starts_with(key, ${prefix})`);
      const end = prefixEnd(prefix);
      if (end !== null) query = query.where('key', '<', end);
    }
    if (after !== null) query = query.where('key', '>', after);
    const rows = await query
      .orderBy('key')
      .limit(limit + 1)
      .execute();
    const more = rows.length > limit;
    const items = (more ? rows.slice(0, limit) : rows).map(view);
    return { items, next_cursor: more ? encodeCursor([items[items.length - 1].key]) : null };
  }

  /** A page of an app's collections (those with live entries) in name order, with entry counts. */
  async collections(
    appId: string,
    options: { cursor?: string | null; limit?: number } = {},
  ): Promise<Page<KvCollection>> {
    const after = cursorKey(options.cursor);
    const limit = pageLimit(options.limit);
    let query = this.#db
      .selectFrom('kv_entries')
      .select(['collection', sql<number>`count(*)::integer`.as('entries')])
      .where('app_id', '=', appId)
      .where(live);
    if (after !== null) query = query.where('collection', '>', after);
    const rows = await query
      .groupBy('collection')
      .orderBy('collection')
      .limit(limit + 1)
      .execute();
    const more = rows.length > limit;
    const items = (more ? rows.slice(0, limit) : rows).map((row) => ({
      collection: row.collection,
      entries: Number(row.entries),
    }));
    return { items, next_cursor: more ? encodeCursor([items[items.length - 1].collection]) : null };
  }

  /** Deletes up to `limit` expired entries of any app; answers how many. */
  async sweepExpired(limit = this.#sweepBatch): Promise<number> {
    const result = await sql`
      DELETE FROM kv_entries WHERE (app_id, collection, key) IN (
        SELECT app_id, collection, key FROM kv_entries
         WHERE expires_at <= now()
         ORDER BY expires_at
         LIMIT ${limit}
         FOR UPDATE SKIP LOCKED)`.execute(this.#db);
    return Number(result.numAffectedRows ?? 0);
  }

  /**
   * The CTE that deletes a bounded batch of a collection's expired entries along with a write to it.
   * The written key is left to the write itself (one statement must not touch a row twice), and
   * rows another transaction holds are skipped, so concurrent writers never wait on each other here.
   */
  #purge(appId: string, collection: string, key: string) {
    return sql`purged AS (
      DELETE FROM kv_entries
       WHERE app_id = ${appId} AND collection = ${collection} AND key IN (
         SELECT key FROM kv_entries
          WHERE app_id = ${appId} AND collection = ${collection}
            AND expires_at <= now() AND key <> ${key}
          LIMIT ${KV_LIMITS.purgeBatch}
          FOR UPDATE SKIP LOCKED))`;
  }

  /** Runs a write; then, when one is due, a sweep whose failure does not fail the write. */
  async #write<Row>(statement: RawBuilder<Row>): Promise<Row[]> {
    let rows: Row[];
    try {
      // With the audit entry of the admin API's request, when there is one.
      rows = (await writeStatement(this.#db, (writer) => statement.execute(writer))).rows;
    } catch (error) {
      if (isForeignKeyViolation(error)) throw new KvError('KV_APP_NOT_FOUND', 'the app no longer exists');
      throw error;
    }
    const now = Date.now();
    if (now - this.#lastSweep >= this.#sweepIntervalMs) {
      this.#lastSweep = now;
      await this.sweepExpired().catch(this.#onError);
    }
    return rows;
  }
}

/** A row as selected or returned. */
interface RawEntry {
  key: string;
  value: unknown;
  expires_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

function view(row: RawEntry): KvEntry {
  return {
    key: row.key,
    value: row.value,
    expires_at: iso(row.expires_at),
    created_at: iso(row.created_at) as string,
    updated_at: iso(row.updated_at) as string,
  };
}
