/**
 * The KV store of a local run (`picloud rhai run`, `picloud rhai repl`): the appliance's KV semantics
 * — the same checks of names, values and TTLs, code-point key order, cursors, `incr`'s rules — over a
 * map in memory, optionally kept in a JSON file (`--kv FILE`) so that several runs share their data.
 *
 * The file is plain JSON a user can write by hand to seed a run:
 * `{"collections": {"stats": {"visits": 3}}, "expires_at": {"sessions": {"s1": "2030-01-01T00:00:00.000Z"}}}`
 * (`expires_at` only for entries with a TTL). It is rewritten (to a temporary file, then renamed) after
 * every change. One run has one app: the app id of the calls is not part of the identity here.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { KvOperations } from '../../manager/kv/kv-service.js';
import {
  checkCollection,
  checkEntry,
  checkIncrement,
  checkKey,
  checkPrefix,
  checkTtl,
  cursorKey,
  encodeValue,
  incrRefusal,
  type KvEntry,
  type KvListOptions,
  MAX_COUNTER,
  pageLimit,
} from '../../manager/kv/kv-store.js';
import { encodeCursor, type Page } from '../../manager/pagination.js';

/** One entry: its JSON text (so stored values are copies, as in the database). */
interface Stored {
  json: string;
  /** Epoch milliseconds; null: no TTL. */
  expiresAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** The file's shape. */
interface KvFile {
  collections: Record<string, Record<string, unknown>>;
  expires_at?: Record<string, Record<string, string>>;
}

/** Why a `--kv` file cannot be used. */
export class KvFileError extends Error {}

/** Code point order (what PostgreSQL's `COLLATE "C"` gives), not JavaScript's UTF-16 unit order. */
function byCodePoint(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i].codePointAt(0) as number) - (y[i].codePointAt(0) as number);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** In-memory KV with the appliance's rules. */
export class MemoryKvStore implements KvOperations {
  readonly #collections = new Map<string, Map<string, Stored>>();
  readonly #maxValueBytes: number;
  readonly #file: string | null;

  /**
   * @param file where to keep the data between runs (read now when it exists), or null for memory only
   * @throws KvFileError when the file exists but is not a KV file
   */
  constructor(options: { maxValueBytes: number; file?: string | null }) {
    this.#maxValueBytes = options.maxValueBytes;
    this.#file = options.file ?? null;
    if (this.#file !== null) this.#load(this.#file);
  }

  async get(_appId: string, collection: unknown, key: unknown): Promise<unknown> {
    const entry = this.#live(checkCollection(collection), checkKey(key));
    return entry === null ? null : JSON.parse(entry.json);
  }

  async set(
    _appId: string,
    collection: unknown,
    key: unknown,
    value: unknown,
    ttlSeconds: unknown = null,
  ): Promise<KvEntry & { created: boolean }> {
    const {
      collection: c,
      key: k,
      ttl,
      json,
    } = checkEntry(collection, key, value, ttlSeconds, this.#maxValueBytes);
    const now = Date.now();
    const before = this.#live(c, k);
    const stored: Stored = {
      json,
      expiresAt: ttl === null ? null : now + ttl * 1000,
      createdAt: before?.createdAt ?? now,
      updatedAt: now,
    };
    this.#write(c, k, stored);
    return { ...view(k, stored), created: before === null };
  }

  async delete(_appId: string, collection: unknown, key: unknown): Promise<boolean> {
    const c = checkCollection(collection);
    const k = checkKey(key);
    const existed = this.#live(c, k) !== null;
    const entries = this.#collections.get(c);
    if (entries?.delete(k)) {
      if (entries.size === 0) this.#collections.delete(c);
      this.#save();
    }
    return existed;
  }

  async incr(_appId: string, collection: unknown, key: unknown, by: unknown = 1): Promise<number> {
    const c = checkCollection(collection);
    const k = checkKey(key);
    const increment = checkIncrement(by);
    const before = this.#live(c, k);
    const current: unknown = before === null ? 0 : JSON.parse(before.json);
    if (
      typeof current !== 'number' ||
      !Number.isInteger(current) ||
      Math.abs(current + increment) > MAX_COUNTER
    ) {
      throw incrRefusal(current);
    }
    const sum = current + increment;
    const now = Date.now();
    this.#write(c, k, {
      json: JSON.stringify(sum),
      expiresAt: before?.expiresAt ?? null,
      createdAt: before?.createdAt ?? now,
      updatedAt: now,
    });
    return sum;
  }

  async list(_appId: string, collection: unknown, options: KvListOptions = {}): Promise<Page<KvEntry>> {
    const c = checkCollection(collection);
    const prefix = checkPrefix(options.prefix);
    const after = cursorKey(options.cursor);
    const limit = pageLimit(options.limit);
    const now = Date.now();
    const keys = [...(this.#collections.get(c) ?? new Map<string, Stored>())]
      .filter(([key, entry]) => isLive(entry, now) && key.startsWith(prefix))
      .filter(([key]) => after === null || byCodePoint(key, after) > 0)
      .sort(([a], [b]) => byCodePoint(a, b));
    const page = keys.slice(0, limit).map(([key, entry]) => view(key, entry));
    return {
      items: page,
      next_cursor: keys.length > limit ? encodeCursor([page[page.length - 1].key]) : null,
    };
  }

  #live(collection: string, key: string): Stored | null {
    const entry = this.#collections.get(collection)?.get(key);
    return entry !== undefined && isLive(entry, Date.now()) ? entry : null;
  }

  #write(collection: string, key: string, entry: Stored): void {
    let entries = this.#collections.get(collection);
    if (entries === undefined) {
      entries = new Map();
      this.#collections.set(collection, entries);
    }
    entries.set(key, entry);
    this.#save();
  }

  #load(file: string): void {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // made by the first write
      throw new KvFileError(`cannot read the KV file ${file}: ${(error as Error).message}`);
    }
    let data: KvFile;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new KvFileError(`the KV file ${file} is not JSON: ${(error as Error).message}`);
    }
    const isObject = (v: unknown): v is Record<string, unknown> =>
      typeof v === 'object' && v !== null && !Array.isArray(v);
    if (!isObject(data) || !isObject(data.collections)) {
      throw new KvFileError(
        `the KV file ${file} must hold {"collections": {"<collection>": {"<key>": <value>}}}`,
      );
    }
    const now = Date.now();
    try {
      for (const [collection, entries] of Object.entries(data.collections)) {
        if (!isObject(entries)) throw new Error(`collection "${collection}" is not a map of keys to values`);
        for (const [key, value] of Object.entries(entries)) {
          const expires = ownValue(ownValue(data.expires_at, collection), key);
          const expiresAt = expires === undefined ? null : Date.parse(String(expires));
          if (Number.isNaN(expiresAt) || (expires !== undefined && typeof expires !== 'string')) {
            throw new Error(`expires_at of "${collection}"/"${key}" is not a time`);
          }
          const json = encodeValue(value, this.#maxValueBytes);
          let stored = this.#collections.get(checkCollection(collection));
          if (stored === undefined) {
            stored = new Map();
            this.#collections.set(collection, stored);
          }
          stored.set(checkKey(key), { json, expiresAt, createdAt: now, updatedAt: now });
        }
      }
    } catch (error) {
      throw new KvFileError(`the KV file ${file} cannot be used: ${(error as Error).message}`);
    }
  }

  #save(): void {
    if (this.#file === null) return;
    const now = Date.now();
    // No prototypes: a collection or key named `__proto__` is just a name.
    const file: KvFile = { collections: Object.create(null) };
    const expires: Record<string, Record<string, string>> = Object.create(null);
    for (const [collection, entries] of [...this.#collections].sort(([a], [b]) => byCodePoint(a, b))) {
      const live = [...entries].filter(([, entry]) => isLive(entry, now));
      if (live.length === 0) continue;
      file.collections[collection] = Object.create(null);
      for (const [key, entry] of live.sort(([a], [b]) => byCodePoint(a, b))) {
        file.collections[collection][key] = JSON.parse(entry.json);
        if (entry.expiresAt !== null) {
          expires[collection] ??= Object.create(null);
          expires[collection][key] = new Date(entry.expiresAt).toISOString();
        }
      }
    }
    if (Object.keys(expires).length > 0) file.expires_at = expires;
    const temporary = `${this.#file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(file, null, 2)}\n`);
    renameSync(temporary, this.#file);
  }
}

/** `record[name]` when it is the record's own property (never one of Object.prototype's). */
function ownValue(record: unknown, name: string): unknown {
  return typeof record === 'object' && record !== null && Object.hasOwn(record, name)
    ? (record as Record<string, unknown>)[name]
    : undefined;
}

function isLive(entry: Stored, now: number): boolean {
  return entry.expiresAt === null || entry.expiresAt > now;
}

function view(key: string, entry: Stored): KvEntry {
  return {
    key,
    value: JSON.parse(entry.json),
    expires_at: entry.expiresAt === null ? null : new Date(entry.expiresAt).toISOString(),
    created_at: new Date(entry.createdAt).toISOString(),
    updated_at: new Date(entry.updatedAt).toISOString(),
  };
}
