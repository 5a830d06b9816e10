/**
 * The KV store: what scripts reach through the `kv` script service (round trips of every operation
 * and JSON type, key order and pagination, TTL, isolation between apps, size and name limits, atomic
 * `incr`, the deadline) and what the owner reaches through `/api/v1/admin/apps/:app/kv` (browse,
 * edit, delete, scopes), on a real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceOutcome } from '../../server/contracts/script-services.js';
import { KV_LIMITS, KvStore, prefixEnd } from '../../server/manager/kv/kv-store.js';
import { createManagerTestServer, type ManagerTestServer } from '../support/manager-server.js';
import { rows, runScenarios, scenario } from './scenario.js';

let t: ManagerTestServer;
beforeAll(async () => {
  t = await createManagerTestServer();
});
afterAll(async () => {
  await t?.close();
});
const server = () => t;

/** One `kv.<op>` call for `appId`, as the executor's bridge makes it. */
function call(appId: string, op: string, ...args: unknown[]): Promise<ServiceOutcome> {
  return t.manager.scriptServices.call(appId, { service: 'kv', op, args }, Date.now() + 10_000);
}

/** The arguments for a failure message (some are not JSON on purpose). */
function label(args: unknown[]): string {
  try {
    return JSON.stringify(args).slice(0, 200);
  } catch {
    return '(not JSON)';
  }
}

/** A call that must succeed; answers its value. */
async function ok(appId: string, op: string, ...args: unknown[]): Promise<any> {
  const outcome = await call(appId, op, ...args);
  expect(outcome, `kv.${op} ${label(args)}`).toMatchObject({ ok: true });
  return (outcome as { value: unknown }).value;
}

/** A call that must be refused with `reason` (and a message). */
async function refused(appId: string, op: string, args: unknown[], reason: string): Promise<string> {
  const outcome = await call(appId, op, ...args);
  expect(outcome, `kv.${op} ${label(args)}`).toEqual({
    ok: false,
    reason,
    message: expect.stringMatching(/\S/),
  });
  return (outcome as { message: string }).message;
}

/** Rows physically in the table (expired ones included) for an app and collection. */
async function stored(appId: string, collection: string): Promise<string[]> {
  return (
    await rows(t, 'SELECT key FROM kv_entries WHERE app_id = $1 AND collection = $2 ORDER BY key', [
      appId,
      collection,
    ])
  ).map((row) => row.key);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Code point order (what `kv::list` promises), unlike JavaScript's UTF-16 `<`. */
function byCodePoint(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0) as number);
  const y = [...b].map((c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

describe('the kv script service', () => {
  let alpha: string;
  let beta: string;
  beforeAll(async () => {
    await t.reset();
    alpha = (await t.createApp('alpha')).id;
    beta = (await t.createApp('beta')).id;
  });

  it('is registered on the manager', () => {
    expect(t.manager.scriptServices.has('kv')).toBe(true);
  });

  describe('round trips', () => {
    it.each<[string, unknown]>([
      ['a string', 'hello'],
      ['an empty string', ''],
      ['unicode', 'héllo wörld — 😀 中文'],
      ['an integer', 42],
      ['a negative integer', -7],
      ['a big safe integer', Number.MAX_SAFE_INTEGER],
      ['a float', 3.25],
      ['true', true],
      ['false', false],
      ['null', null],
      ['an empty array', []],
      ['an empty map', {}],
      [
        'a nested document',
        { name: 'Ada', tags: ['x', 'y'], n: 1.5, ok: false, none: null, deep: { a: [1, [2]] } },
      ],
    ])('keeps %s exactly', async (_name, value) => {
      expect(await ok(alpha, 'set', 'types', 'k', value)).toBeNull();
      expect(await ok(alpha, 'get', 'types', 'k')).toEqual(value);
    });

    it('answers null for a missing key', async () => {
      expect(await ok(alpha, 'get', 'types', 'never-set')).toBeNull();
    });

    it('replaces a value, deletes it once, and then reports nothing to delete', async () => {
      await ok(alpha, 'set', 'rt', 'k', 1);
      await ok(alpha, 'set', 'rt', 'k', { v: 2 });
      expect(await ok(alpha, 'get', 'rt', 'k')).toEqual({ v: 2 });
      expect(await ok(alpha, 'delete', 'rt', 'k')).toBe(true);
      expect(await ok(alpha, 'get', 'rt', 'k')).toBeNull();
      expect(await ok(alpha, 'delete', 'rt', 'k')).toBe(false);
    });

    it('accepts keys with slashes, spaces, punctuation and any script, up to the length limit', async () => {
      const keys = ['a/b/c', 'with space', '%2F?#&=', 'ключ', '😀', 'k'.repeat(KV_LIMITS.keyLength)];
      for (const [i, key] of keys.entries()) await ok(alpha, 'set', 'names', key, i);
      for (const [i, key] of keys.entries()) expect(await ok(alpha, 'get', 'names', key)).toBe(i);
      await ok(alpha, 'set', 'c'.repeat(KV_LIMITS.collectionLength), 'k', 'long collection');
      expect(await ok(alpha, 'get', 'c'.repeat(KV_LIMITS.collectionLength), 'k')).toBe('long collection');
    });
  });

  describe('list', () => {
    it('walks a collection in code point order, whatever the locale', async () => {
      const keys = ['😀', 'a', 'B', '\ufffd', 'é', 'ab', 'A'];
      for (const key of keys) await ok(alpha, 'set', 'order', key, key);
      const page = await ok(alpha, 'list', 'order');
      expect(page.items.map((item: { key: string }) => item.key)).toEqual([...keys].sort(byCodePoint));
      expect(page.items[0]).toEqual({ key: 'A', value: 'A' });
      expect(page.next_cursor).toBeNull();
    });

    it('filters by prefix, code points beyond the BMP included', async () => {
      for (const key of ['user:1', 'user:2', 'user', 'user;', 'users', 'usex', '😀a', '😀b', '😁']) {
        await ok(alpha, 'set', 'prefixes', key, true);
      }
      const keys = async (prefix: string) =>
        (await ok(alpha, 'list', 'prefixes', { prefix })).items.map((item: { key: string }) => item.key);
      expect(await keys('user:')).toEqual(['user:1', 'user:2']);
      expect(await keys('user')).toEqual(['user', 'user:1', 'user:2', 'user;', 'users']);
      expect(await keys('😀')).toEqual(['😀a', '😀b']);
      expect(await keys('nothing')).toEqual([]);
      expect(prefixEnd('ab')).toBe('ac');
      expect(prefixEnd('a\ud7ff')).toBe('a\ue000');
      expect(prefixEnd('a\u{10ffff}')).toBe('b');
      expect(prefixEnd('\u{10ffff}')).toBeNull();
    });

    it('pages with a prefix without duplicates or gaps while entries are added', async () => {
      // 1. Fifty even-numbered keys under the prefix, and neighbours that must never show up.
      const key = (n: number) => `item:${String(n).padStart(3, '0')}`;
      const original = Array.from({ length: 50 }, (_, i) => key(i * 2));
      for (const k of original) await ok(alpha, 'set', 'pages', k, k);
      for (const k of ['item', 'item;', 'iteM:1', 'hem:1']) await ok(alpha, 'set', 'pages', k, k);

      // 2. Seven at a time; after each page, add one odd key behind the cursor and one ahead of it.
      const seen: string[] = [];
      const addedAhead: string[] = [];
      const addedBehind: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { items: { key: string; value: string }[]; next_cursor: string | null } = await ok(
          alpha,
          'list',
          'pages',
          { prefix: 'item:', limit: 7, cursor },
        );
        pages++;
        expect(page.items.length).toBeLessThanOrEqual(7);
        for (const item of page.items) expect(item.value).toBe(item.key);
        seen.push(...page.items.map((item) => item.key));
        cursor = page.next_cursor;
        const last = Number(seen[seen.length - 1].slice(5));
        if (cursor !== null && last + 3 < 100) {
          const behind = key(last - 1);
          const ahead = key(last + 3);
          await ok(alpha, 'set', 'pages', behind, behind);
          await ok(alpha, 'set', 'pages', ahead, ahead);
          addedBehind.push(behind);
          addedAhead.push(ahead);
        }
      } while (cursor !== null);

      // 3. Every original key once, in order; what was added ahead was found, what was added behind not.
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual([...seen].sort(byCodePoint));
      expect(seen.filter((k) => original.includes(k))).toEqual(original);
      for (const k of addedAhead) expect(seen).toContain(k);
      for (const k of addedBehind) expect(seen).not.toContain(k);
      expect(seen.every((k) => k.startsWith('item:'))).toBe(true);
      expect(pages).toBeGreaterThan(7);
    });

    it('pages 50 entries by default and 200 at most', async () => {
      for (let i = 0; i < 60; i++) await ok(alpha, 'set', 'sizes', `k${String(i).padStart(2, '0')}`, i);
      const first = await ok(alpha, 'list', 'sizes');
      expect(first.items).toHaveLength(50);
      const rest = await ok(alpha, 'list', 'sizes', { cursor: first.next_cursor });
      expect(rest.items).toHaveLength(10);
      expect(rest.next_cursor).toBeNull();
      expect((await ok(alpha, 'list', 'sizes', { limit: 200 })).items).toHaveLength(60);
      expect((await ok(alpha, 'list', 'sizes', null)).items).toHaveLength(50);
    });

    it.each<[string, unknown, string]>([
      ['a limit of 0', { limit: 0 }, 'BAD_ARGUMENTS'],
      ['a limit over 200', { limit: 201 }, 'BAD_ARGUMENTS'],
      ['a fractional limit', { limit: 2.5 }, 'BAD_ARGUMENTS'],
      ['an unknown option', { prefx: 'a' }, 'BAD_ARGUMENTS'],
      ['options that are not a map', ['a'], 'BAD_ARGUMENTS'],
      ['a made-up cursor', { cursor: 'not-a-cursor' }, 'KV_INVALID_CURSOR'],
      ['a cursor that is not a string', { cursor: 5 }, 'KV_INVALID_CURSOR'],
      ['a prefix with a control character', { prefix: 'a\tb' }, 'KV_INVALID_KEY'],
      ['a prefix that is not a string', { prefix: 1 }, 'KV_INVALID_KEY'],
    ])('refuses %s', async (_name, options, reason) => {
      await refused(alpha, 'list', ['sizes', options], reason);
    });
  });

  describe('TTL', () => {
    it('hides an entry from get and list as soon as it expires, then deletes it on a later write', async () => {
      // 1. Two entries with a TTL of 1 s, one without.
      await ok(alpha, 'set', 'ttl', 'short', 'gone soon', 1);
      await ok(alpha, 'set', 'ttl', 'short2', 'gone soon too', 1);
      await ok(alpha, 'set', 'ttl', 'kept', 'stays');
      expect(await ok(alpha, 'get', 'ttl', 'short')).toBe('gone soon');
      expect((await ok(alpha, 'list', 'ttl')).items).toHaveLength(3);

      // 2. After 1.1 s, every read misses them...
      await sleep(1_100);
      expect(await ok(alpha, 'get', 'ttl', 'short')).toBeNull();
      expect((await ok(alpha, 'list', 'ttl')).items).toEqual([{ key: 'kept', value: 'stays' }]);
      const collections = await t.request('GET', `/admin/apps/${alpha}/kv`);
      expect(collections.body.items).toContainEqual({ collection: 'ttl', entries: 1 });

      // 3. ...while nothing has deleted them (no timer, reads do not write): they are still stored...
      expect(await stored(alpha, 'ttl')).toEqual(['kept', 'short', 'short2']);

      // 4. ...until a write to their collection, which deletes them as it goes.
      expect(await ok(alpha, 'delete', 'ttl', 'short')).toBe(false);
      expect(await stored(alpha, 'ttl')).toEqual(['kept']);
    });

    it('lets set without a TTL make an entry permanent, and a set over an expired entry start afresh', async () => {
      await ok(alpha, 'set', 'ttl2', 'k', 1, 1);
      await ok(alpha, 'set', 'ttl2', 'k', 2);
      await ok(alpha, 'set', 'ttl2', 'e', 'old', 1);
      const [before] = await rows(
        t,
        "SELECT created_at FROM kv_entries WHERE collection = 'ttl2' AND key = 'e'",
      );
      await sleep(1_100);
      expect(await ok(alpha, 'get', 'ttl2', 'k')).toBe(2);
      await ok(alpha, 'set', 'ttl2', 'e', 'new');
      const [after] = await rows(
        t,
        "SELECT created_at, expires_at FROM kv_entries WHERE collection = 'ttl2' AND key = 'e'",
      );
      expect(after.expires_at).toBeNull();
      expect(after.created_at.getTime()).toBeGreaterThan(before.created_at.getTime());
    });

    it('sweeps expired entries of collections nobody writes to any more, in bounded batches', async () => {
      const store = new KvStore(t.db, { maxValueBytes: 1024, sweepIntervalMs: 0, sweepBatch: 3 });
      await store.sweepExpired(10_000);
      for (let i = 0; i < 5; i++) await store.set(beta, 'abandoned', `k${i}`, i, 1);
      await sleep(1_100);
      expect(await stored(beta, 'abandoned')).toHaveLength(5);
      // A write to another collection is due a sweep (interval 0): at most 3 go at once.
      await store.set(beta, 'elsewhere', 'k', 1);
      expect(await stored(beta, 'abandoned')).toHaveLength(2);
      expect(await store.sweepExpired()).toBe(2);
      expect(await stored(beta, 'abandoned')).toHaveLength(0);
    });

    it.each<[string, unknown]>([
      ['0', 0],
      ['a negative TTL', -5],
      ['a fraction', 1.5],
      ['more than 10 years', KV_LIMITS.maxTtlSeconds + 1],
      ['a string', '60'],
    ])('refuses a TTL of %s', async (_name, ttl) => {
      await refused(alpha, 'set', ['ttl3', 'k', 1, ttl], 'KV_INVALID_TTL');
      expect(await stored(alpha, 'ttl3')).toEqual([]);
    });

    it('accepts a TTL of 10 years', async () => {
      await ok(alpha, 'set', 'ttl3', 'decade', 1, KV_LIMITS.maxTtlSeconds);
      const [row] = await rows(
        t,
        "SELECT extract(epoch FROM expires_at - now())::bigint AS s FROM kv_entries WHERE key = 'decade'",
      );
      expect(Number(row.s)).toBeGreaterThan(KV_LIMITS.maxTtlSeconds - 60);
    });
  });

  describe('isolation between apps', () => {
    it('keeps two apps apart under the same collection and key', async () => {
      await ok(alpha, 'set', 'shared', 'k', 'alpha');
      await ok(beta, 'set', 'shared', 'k', 'beta');
      await ok(alpha, 'set', 'shared', 'only-alpha', 100);
      expect(await ok(alpha, 'get', 'shared', 'k')).toBe('alpha');
      expect(await ok(beta, 'get', 'shared', 'k')).toBe('beta');
      expect(await ok(beta, 'get', 'shared', 'only-alpha')).toBeNull();
      expect((await ok(beta, 'list', 'shared')).items).toEqual([{ key: 'k', value: 'beta' }]);
      expect(await ok(beta, 'incr', 'shared', 'only-alpha')).toBe(1);
      expect(await ok(alpha, 'get', 'shared', 'only-alpha')).toBe(100);
      expect(await ok(beta, 'delete', 'shared', 'k')).toBe(true);
      expect(await ok(alpha, 'get', 'shared', 'k')).toBe('alpha');
    });

    it('takes the app only from the caller, never from the arguments', async () => {
      await refused(alpha, 'get', ['shared', 'k', beta], 'BAD_ARGUMENTS');
      await refused(alpha, 'set', ['shared', 'k', 'x', null, beta], 'BAD_ARGUMENTS');
      expect(await ok(beta, 'get', 'shared', 'k')).toBeNull();
    });

    it('goes with its app: deleting an app deletes its entries', async () => {
      const gamma = (await t.createApp('gamma')).id;
      await ok(gamma, 'set', 'c', 'k', 1);
      expect((await t.request('DELETE', '/admin/apps/gamma')).status).toBe(204);
      expect(await rows(t, 'SELECT * FROM kv_entries WHERE app_id = $1', [gamma])).toEqual([]);
      await refused(gamma, 'set', ['c', 'k', 1], 'KV_APP_NOT_FOUND');
    });
  });

  describe('limits', () => {
    it('refuses a value over the size limit (UTF-8 bytes of its JSON) and keeps the old one', async () => {
      const limit = 65_536;
      // '"' + text + '"': the limit exactly, then one byte over with a two-byte character.
      const fits = 'x'.repeat(limit - 2);
      await ok(alpha, 'set', 'size', 'k', fits);
      expect(await ok(alpha, 'get', 'size', 'k')).toBe(fits);
      const message = await refused(
        alpha,
        'set',
        ['size', 'k', `${'x'.repeat(limit - 3)}é`],
        'KV_VALUE_TOO_LARGE',
      );
      expect(message).toContain(String(limit));
      await refused(alpha, 'set', ['size', 'k', { list: Array(20_000).fill('abcd') }], 'KV_VALUE_TOO_LARGE');
      expect(await ok(alpha, 'get', 'size', 'k')).toBe(fits);
    });

    it('follows the kvMaxValueBytes setting', async () => {
      const small = await createManagerTestServer({ kvMaxValueBytes: 100 });
      try {
        const app = (await small.createApp('small')).id;
        const at = (value: unknown) =>
          small.manager.scriptServices.call(
            app,
            { service: 'kv', op: 'set', args: ['c', 'k', value] },
            Date.now() + 10_000,
          );
        expect(await at('x'.repeat(98))).toEqual({ ok: true, value: null });
        expect(await at('x'.repeat(99))).toMatchObject({ ok: false, reason: 'KV_VALUE_TOO_LARGE' });
        const put = await small.request('PUT', '/admin/apps/small/kv/c/k', { value: 'x'.repeat(99) });
        expect(put.status).toBe(413);
        expect(put.body.error).toMatchObject({
          code: 'PICLOUD_ERR_KV_VALUE_TOO_LARGE',
          details: { size_bytes: 101, limit_bytes: 100 },
        });
      } finally {
        await small.close();
      }
    });

    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = [deep];
    it.each<[string, unknown]>([
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
      ['undefined (unit)', undefined],
      ['a string with NUL', 'a\u0000b'],
      ['a lone surrogate', 'a\ud800b'],
      ['a map key with NUL', { 'a\u0000': 1 }],
      ['a JavaScript Map', new Map([['a', 1]])],
      ['a Date', new Date()],
      ['a bigint', 10n],
      ['a cycle', cyclic],
      ['nesting deeper than 64', deep],
      ['a nested NaN', { a: [1, Number.NaN] }],
    ])('refuses %s as a value', async (_name, value) => {
      await refused(alpha, 'set', ['values', 'k', value], 'KV_INVALID_VALUE');
      expect(await stored(alpha, 'values')).toEqual([]);
    });

    it.each<[string, unknown, unknown]>([
      ['an empty key', 'c', ''],
      ['an empty collection', '', 'k'],
      ['a key too long', 'c', 'k'.repeat(KV_LIMITS.keyLength + 1)],
      ['a collection too long', 'c'.repeat(KV_LIMITS.collectionLength + 1), 'k'],
      ['a newline in the key', 'c', 'a\nb'],
      ['NUL in the key', 'c', 'a\u0000'],
      ['DEL in the collection', 'c\u007f', 'k'],
      ['a C1 control in the key', 'c', 'a\u0085'],
      ['a lone surrogate in the key', 'c', '\udc00'],
      ['a number as key', 'c', 5],
      ['null as collection', null, 'k'],
    ])('refuses %s', async (_name, collection, key) => {
      await refused(alpha, 'set', [collection, key, 1], 'KV_INVALID_KEY');
      await refused(alpha, 'get', [collection, key], 'KV_INVALID_KEY');
      await refused(alpha, 'delete', [collection, key], 'KV_INVALID_KEY');
      await refused(alpha, 'incr', [collection, key], 'KV_INVALID_KEY');
    });

    it('refuses wrong argument counts and unknown operations', async () => {
      await refused(alpha, 'get', ['c'], 'BAD_ARGUMENTS');
      await refused(alpha, 'set', ['c', 'k'], 'BAD_ARGUMENTS');
      await refused(alpha, 'list', [], 'BAD_ARGUMENTS');
      const message = await refused(alpha, 'drop', ['c'], 'UNKNOWN_OPERATION');
      expect(message).toContain('get, set, delete, list, incr');
      await refused(alpha, 'constructor', [], 'UNKNOWN_OPERATION');
    });
  });

  describe('incr', () => {
    it('starts a missing entry at 0, adds 1 by default or any whole number', async () => {
      expect(await ok(alpha, 'incr', 'counters', 'a')).toBe(1);
      expect(await ok(alpha, 'incr', 'counters', 'a')).toBe(2);
      expect(await ok(alpha, 'incr', 'counters', 'a', 10)).toBe(12);
      expect(await ok(alpha, 'incr', 'counters', 'a', -20)).toBe(-8);
      expect(await ok(alpha, 'incr', 'counters', 'b', 0)).toBe(0);
      expect(await ok(alpha, 'get', 'counters', 'a')).toBe(-8);
      await ok(alpha, 'set', 'counters', 'c', 5);
      expect(await ok(alpha, 'incr', 'counters', 'c', 2)).toBe(7);
    });

    it('is atomic: 50 concurrent increments make 50', async () => {
      const results = await Promise.all(
        Array.from({ length: 50 }, () => ok(alpha, 'incr', 'counters', 'race')),
      );
      expect(await ok(alpha, 'get', 'counters', 'race')).toBe(50);
      expect([...results].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    });

    it('keeps the TTL of an entry, and restarts an expired one from 0 without TTL', async () => {
      await ok(alpha, 'set', 'counters', 'ttl', 5, 1);
      expect(await ok(alpha, 'incr', 'counters', 'ttl')).toBe(6);
      const [kept] = await rows(
        t,
        "SELECT expires_at FROM kv_entries WHERE collection = 'counters' AND key = 'ttl'",
      );
      expect(kept.expires_at).not.toBeNull();
      await sleep(1_100);
      expect(await ok(alpha, 'incr', 'counters', 'ttl')).toBe(1);
      const [fresh] = await rows(
        t,
        "SELECT expires_at FROM kv_entries WHERE collection = 'counters' AND key = 'ttl'",
      );
      expect(fresh.expires_at).toBeNull();
    });

    it.each<[string, unknown]>([
      ['a string', 'seven'],
      ['a numeric string', '7'],
      ['a float', 1.5],
      ['a map', { n: 1 }],
      ['null', null],
      ['a boolean', true],
    ])('refuses to add to %s, which stays as it was', async (_name, value) => {
      await ok(alpha, 'set', 'not-numbers', 'k', value);
      await refused(alpha, 'incr', ['not-numbers', 'k'], 'KV_NOT_A_NUMBER');
      expect(await ok(alpha, 'get', 'not-numbers', 'k')).toEqual(value);
    });

    it('refuses to leave the safe integer range, and steps that are not whole numbers', async () => {
      await ok(alpha, 'set', 'counters', 'big', Number.MAX_SAFE_INTEGER - 1);
      expect(await ok(alpha, 'incr', 'counters', 'big')).toBe(Number.MAX_SAFE_INTEGER);
      await refused(alpha, 'incr', ['counters', 'big'], 'KV_OUT_OF_RANGE');
      expect(await ok(alpha, 'get', 'counters', 'big')).toBe(Number.MAX_SAFE_INTEGER);
      await refused(alpha, 'incr', ['counters', 'x', 1.5], 'BAD_ARGUMENTS');
      await refused(alpha, 'incr', ['counters', 'x', '1'], 'BAD_ARGUMENTS');
      await refused(alpha, 'incr', ['counters', 'x', 2 ** 60], 'BAD_ARGUMENTS');
      expect(await ok(alpha, 'get', 'counters', 'x')).toBeNull();
    });
  });

  describe('the deadline', () => {
    it('answers TIMEOUT by the deadline while the database is slow', async () => {
      // 1. Another transaction holds the entry's row, so kv.set waits for its lock.
      await ok(alpha, 'set', 'slow', 'k', 'before');
      const blocker = await t.database.pool.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query("SELECT * FROM kv_entries WHERE collection = 'slow' FOR UPDATE");
        // 2. The call answers at its deadline, not when the lock goes.
        const started = Date.now();
        const outcome = await t.manager.scriptServices.call(
          alpha,
          { service: 'kv', op: 'set', args: ['slow', 'k', 'after'] },
          started + 300,
        );
        const elapsed = Date.now() - started;
        expect(outcome).toMatchObject({ ok: false, reason: 'TIMEOUT' });
        expect(elapsed).toBeGreaterThanOrEqual(290);
        expect(elapsed).toBeLessThan(1_500);
      } finally {
        await blocker.query('ROLLBACK');
        blocker.release();
      }
    });

    it('does nothing when the deadline has already passed', async () => {
      const outcome = await t.manager.scriptServices.call(
        alpha,
        { service: 'kv', op: 'set', args: ['late', 'k', 1] },
        Date.now() - 1,
      );
      expect(outcome).toMatchObject({ ok: false, reason: 'TIMEOUT' });
      expect(await stored(alpha, 'late')).toEqual([]);
    });
  });
});

describe('the admin API', () => {
  /** "shop" with users/ada, users/bob, users/a%2Fb, settings/theme and an expired entry; "other" with users/ada. */
  async function shop(t: ManagerTestServer) {
    const app = await t.createApp('shop');
    const other = await t.createApp('other');
    const set = (appId: string, collection: string, key: string, value: unknown, ttl: number | null = null) =>
      t.manager.scriptServices.call(
        appId,
        { service: 'kv', op: 'set', args: [collection, key, value, ttl] },
        Date.now() + 10_000,
      );
    await set(app.id, 'users', 'ada', { name: 'Ada', born: 1815 });
    await set(app.id, 'users', 'bob', { name: 'Bob' }, 3600);
    await set(app.id, 'users', 'a/b', 'slash');
    await set(app.id, 'settings', 'theme', 'dark');
    await set(other.id, 'users', 'ada', 'other ada');
    await t.database.pool.query(
      `INSERT INTO kv_entries (app_id, collection, key, value, expires_at)
       VALUES ($1, 'users', 'expired', '1', now() - interval '1 second'),
              ($1, 'stale', 'expired', '1', now() - interval '1 second')`,
      [app.id],
    );
    return { app, other };
  }
  type Shop = Awaited<ReturnType<typeof shop>>;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

  describe('browse', () => {
    runScenarios(server, [
      scenario({
        name: 'lists collections with their live entries, by name',
        setup: shop,
        method: 'GET',
        url: '/admin/apps/shop/kv',
        status: 200,
        json: {
          items: [
            { collection: 'settings', entries: 1 },
            { collection: 'users', entries: 3 },
          ],
          next_cursor: null,
        },
      }),
      scenario({
        name: 'pages collections',
        setup: shop,
        method: 'GET',
        url: '/admin/apps/shop/kv?limit=1',
        status: 200,
        expect: async (response, _f, t) => {
          expect(response.body.items).toEqual([{ collection: 'settings', entries: 1 }]);
          const next = await t.request(
            'GET',
            `/admin/apps/shop/kv?limit=1&cursor=${response.body.next_cursor}`,
          );
          expect(next.body).toEqual({ items: [{ collection: 'users', entries: 3 }], next_cursor: null });
        },
      }),
      scenario({
        name: "lists a collection's live entries in key order, with metadata",
        setup: shop,
        method: 'GET',
        url: '/admin/apps/shop/kv/users',
        status: 200,
        expect: (response) => {
          expect(response.body).toEqual({
            items: [
              {
                collection: 'users',
                key: 'a/b',
                value: 'slash',
                expires_at: null,
                created_at: ISO,
                updated_at: ISO,
              },
              expect.objectContaining({ key: 'ada', value: { name: 'Ada', born: 1815 }, expires_at: null }),
              expect.objectContaining({ key: 'bob', value: { name: 'Bob' }, expires_at: ISO }),
            ],
            next_cursor: null,
          });
        },
      }),
      scenario({
        name: 'filters a collection by prefix and pages it',
        setup: shop,
        method: 'GET',
        url: '/admin/apps/shop/kv/users?prefix=a&limit=1',
        status: 200,
        expect: async (response, _f, t) => {
          expect(response.body.items.map((item: { key: string }) => item.key)).toEqual(['a/b']);
          const next = await t.request(
            'GET',
            `/admin/apps/shop/kv/users?prefix=a&limit=1&cursor=${response.body.next_cursor}`,
          );
          expect(next.body.items.map((item: { key: string }) => item.key)).toEqual(['ada']);
          expect(next.body.next_cursor).toBeNull();
        },
      }),
      scenario({
        name: 'gets one entry (a key with a slash travels URL-encoded)',
        setup: shop,
        method: 'GET',
        url: '/admin/apps/shop/kv/users/a%2Fb',
        status: 200,
        json: { collection: 'users', key: 'a/b', value: 'slash', expires_at: null },
      }),
      scenario({
        name: 'finds the app by id as well as slug',
        setup: shop,
        method: 'GET',
        url: (f: Shop) => `/admin/apps/${f.app.id}/kv/users/ada`,
        status: 200,
        json: { value: { name: 'Ada', born: 1815 } },
      }),
      scenario({
        name: 'answers 404 for a missing key',
        setup: shop,
        method: 'GET',
        url: '/admin/apps/shop/kv/users/nobody',
        status: 404,
        code: 'PICLOUD_ERR_KV_NOT_FOUND',
      }),
      scenario({
        name: 'answers 404 for an expired entry',
        setup: shop,
        method: 'GET',
        url: '/admin/apps/shop/kv/users/expired',
        status: 404,
        code: 'PICLOUD_ERR_KV_NOT_FOUND',
      }),
      scenario({
        name: "never shows another app's entries",
        setup: shop,
        method: 'GET',
        url: '/admin/apps/other/kv',
        status: 200,
        json: { items: [{ collection: 'users', entries: 1 }], next_cursor: null },
      }),
      scenario({
        name: 'answers 404 for an unknown app',
        setup: shop,
        method: 'GET',
        url: '/admin/apps/nope/kv/users',
        status: 404,
        code: 'PICLOUD_ERR_APP_NOT_FOUND',
      }),
      scenario({
        name: 'refuses a made-up cursor',
        setup: shop,
        method: 'GET',
        url: '/admin/apps/shop/kv/users?cursor=bogus',
        status: 400,
        code: 'PICLOUD_ERR_HTTP_BAD_CURSOR',
      }),
      scenario({
        name: 'refuses a limit over 200',
        setup: shop,
        method: 'GET',
        url: '/admin/apps/shop/kv/users?limit=201',
        status: 400,
        code: 'PICLOUD_ERR_HTTP_VALIDATION',
      }),
      scenario({
        name: 'refuses a control character in a collection',
        setup: shop,
        method: 'GET',
        url: '/admin/apps/shop/kv/us%0Aers',
        status: 400,
        code: 'PICLOUD_ERR_KV_INVALID',
        json: { error: { details: { reason: 'KV_INVALID_KEY' } } },
      }),
    ]);
  });

  describe('edit and delete', () => {
    const entry = (f: Shop, collection: string, key: string) =>
      rows(t, 'SELECT value, expires_at FROM kv_entries WHERE app_id = $1 AND collection = $2 AND key = $3', [
        f.app.id,
        collection,
        key,
      ]);
    runScenarios(server, [
      scenario({
        name: 'creates an entry: 201',
        setup: shop,
        method: 'PUT',
        url: '/admin/apps/shop/kv/users/carol',
        body: { value: { name: 'Carol', tags: ['x'] } },
        status: 201,
        changes: ['kv_entries'],
        json: { collection: 'users', key: 'carol', value: { name: 'Carol', tags: ['x'] }, expires_at: null },
        after: async (f) => {
          expect(await entry(f, 'users', 'carol')).toEqual([
            { value: { name: 'Carol', tags: ['x'] }, expires_at: null },
          ]);
        },
      }),
      scenario({
        name: 'replaces an entry: 200, and drops its TTL',
        setup: shop,
        method: 'PUT',
        url: '/admin/apps/shop/kv/users/bob',
        body: { value: 'plain' },
        status: 200,
        changes: ['kv_entries'],
        json: { key: 'bob', value: 'plain', expires_at: null },
      }),
      scenario({
        name: 'sets a TTL',
        setup: shop,
        method: 'PUT',
        url: '/admin/apps/shop/kv/settings/session',
        body: { value: null, ttl_seconds: 60 },
        status: 201,
        changes: ['kv_entries'],
        expect: (response) => {
          expect(response.body.value).toBeNull();
          const left = Date.parse(response.body.expires_at) - Date.now();
          expect(left).toBeGreaterThan(50_000);
          expect(left).toBeLessThanOrEqual(61_000);
        },
      }),
      scenario({
        name: 'stores under a key with a slash and unicode',
        setup: shop,
        method: 'PUT',
        url: `/admin/apps/shop/kv/users/${encodeURIComponent('ö/😀 x')}`,
        body: { value: 1 },
        status: 201,
        changes: ['kv_entries'],
        after: async (f) => {
          expect(await entry(f, 'users', 'ö/😀 x')).toHaveLength(1);
        },
      }),
      scenario({
        name: 'deletes an entry: 204',
        setup: shop,
        method: 'DELETE',
        url: '/admin/apps/shop/kv/users/ada',
        status: 204,
        changes: ['kv_entries'],
        after: async (f) => {
          expect(await entry(f, 'users', 'ada')).toEqual([]);
          expect(
            await rows(t, "SELECT value FROM kv_entries WHERE app_id = $1 AND key = 'ada'", [f.other.id]),
          ).toEqual([{ value: 'other ada' }]);
        },
      }),
      scenario({
        // (In "settings": a write to "users" would also delete its expired entry, invisible as it is.)
        name: 'answers 404 when deleting a missing key',
        setup: shop,
        method: 'DELETE',
        url: '/admin/apps/shop/kv/settings/nobody',
        status: 404,
        code: 'PICLOUD_ERR_KV_NOT_FOUND',
      }),
      scenario({
        name: 'refuses a value over the limit: 413, nothing changes',
        setup: shop,
        method: 'PUT',
        url: '/admin/apps/shop/kv/users/ada',
        body: { value: 'x'.repeat(70_000) },
        status: 413,
        code: 'PICLOUD_ERR_KV_VALUE_TOO_LARGE',
      }),
      scenario({
        name: 'refuses a control character in the key',
        setup: shop,
        method: 'PUT',
        url: '/admin/apps/shop/kv/users/a%09b',
        body: { value: 1 },
        status: 400,
        code: 'PICLOUD_ERR_KV_INVALID',
      }),
      scenario({
        // Refused with every other request part PostgreSQL cannot store, before the handler.
        name: 'refuses a string holding NUL',
        setup: shop,
        method: 'PUT',
        url: '/admin/apps/shop/kv/users/ada',
        body: { value: 'a\u0000b' },
        status: 400,
        code: 'PICLOUD_ERR_HTTP_VALIDATION',
        json: { error: { details: [{ in: 'body', path: '/value' }] } },
      }),
      scenario({
        name: 'refuses a body without value',
        setup: shop,
        method: 'PUT',
        url: '/admin/apps/shop/kv/users/ada',
        body: { ttl_seconds: 5 },
        status: 400,
        code: 'PICLOUD_ERR_HTTP_VALIDATION',
      }),
      scenario({
        name: 'refuses a TTL of 0',
        setup: shop,
        method: 'PUT',
        url: '/admin/apps/shop/kv/users/ada',
        body: { value: 1, ttl_seconds: 0 },
        status: 400,
        code: 'PICLOUD_ERR_HTTP_VALIDATION',
      }),
      scenario({
        name: 'refuses a TTL over 10 years',
        setup: shop,
        method: 'PUT',
        url: '/admin/apps/shop/kv/users/ada',
        body: { value: 1, ttl_seconds: KV_LIMITS.maxTtlSeconds + 1 },
        status: 400,
        code: 'PICLOUD_ERR_HTTP_VALIDATION',
      }),
      scenario({
        name: 'takes a null TTL as none',
        setup: shop,
        method: 'PUT',
        url: '/admin/apps/shop/kv/users/bob',
        body: { value: 1, ttl_seconds: null },
        status: 200,
        changes: ['kv_entries'],
        json: { key: 'bob', value: 1, expires_at: null },
      }),
      scenario({
        name: 'refuses unknown properties',
        setup: shop,
        method: 'PUT',
        url: '/admin/apps/shop/kv/users/ada',
        body: { value: 1, app: 'other' },
        status: 400,
        code: 'PICLOUD_ERR_HTTP_VALIDATION',
      }),
      scenario({
        name: 'refuses a key over 256 characters',
        setup: shop,
        method: 'PUT',
        url: `/admin/apps/shop/kv/users/${'k'.repeat(KV_LIMITS.keyLength + 1)}`,
        body: { value: 1 },
        status: 404,
        code: 'PICLOUD_ERR_API_NOT_FOUND',
      }),
    ]);

    it('accepts a key of 256 characters', async () => {
      await t.reset();
      await shop(t);
      const key = 'é'.repeat(KV_LIMITS.keyLength);
      const put = await t.request('PUT', `/admin/apps/shop/kv/users/${encodeURIComponent(key)}`, {
        value: 1,
      });
      expect(put.status, put.text).toBe(201);
      expect(put.body.key).toBe(key);
    });
  });

  describe('scopes and app-limited tokens', () => {
    let fixture: Shop;
    beforeAll(async () => {
      await t.reset();
      fixture = await shop(t);
    });

    it('lets kv:read browse but not change', async () => {
      const read = bearer(await t.createToken(['kv:read']));
      expect((await t.request('GET', '/admin/apps/shop/kv', undefined, read)).status).toBe(200);
      expect((await t.request('GET', '/admin/apps/shop/kv/users', undefined, read)).status).toBe(200);
      expect((await t.request('GET', '/admin/apps/shop/kv/users/ada', undefined, read)).status).toBe(200);
      const before = await t.snapshot();
      const put = await t.request('PUT', '/admin/apps/shop/kv/users/ada', { value: 'pwned' }, read);
      expect(put.status).toBe(403);
      expect(put.body.error.code).toBe('PICLOUD_ERR_AUTH_SCOPE');
      const del = await t.request('DELETE', '/admin/apps/shop/kv/users/ada', undefined, read);
      expect(del.status).toBe(403);
      expect(await t.snapshot()).toEqual(before);
    });

    it('lets kv:write change but not browse', async () => {
      const write = bearer(await t.createToken(['kv:write']));
      expect((await t.request('PUT', '/admin/apps/shop/kv/users/w', { value: 1 }, write)).status).toBe(201);
      expect((await t.request('DELETE', '/admin/apps/shop/kv/users/w', undefined, write)).status).toBe(204);
      expect((await t.request('GET', '/admin/apps/shop/kv/users', undefined, write)).status).toBe(403);
    });

    it('refuses other scopes', async () => {
      const others = bearer(await t.createToken(['apps:write', 'scripts:write', 'logs:read']));
      for (const [method, body] of [
        ['GET', undefined],
        ['PUT', { value: 1 }],
        ['DELETE', undefined],
      ] as const) {
        const response = await t.request(method, '/admin/apps/shop/kv/users/ada', body, others);
        expect(response.status, method).toBe(403);
        expect(response.body.error.code).toBe('PICLOUD_ERR_AUTH_SCOPE');
      }
    });

    it('limits an app-limited token to its app', async () => {
      const mine = bearer(await t.createToken(['kv:read', 'kv:write'], { appId: fixture.app.id }));
      expect((await t.request('GET', '/admin/apps/shop/kv/users/ada', undefined, mine)).status).toBe(200);
      expect((await t.request('PUT', '/admin/apps/shop/kv/users/mine', { value: 1 }, mine)).status).toBe(201);
      const before = await t.snapshot();
      for (const [method, url, body] of [
        ['GET', '/admin/apps/other/kv', undefined],
        ['GET', '/admin/apps/other/kv/users', undefined],
        ['GET', '/admin/apps/other/kv/users/ada', undefined],
        ['PUT', '/admin/apps/other/kv/users/ada', { value: 'pwned' }],
        ['DELETE', '/admin/apps/other/kv/users/ada', undefined],
      ] as const) {
        const response = await t.request(method, url, body, mine);
        expect(response.status, `${method} ${url}`).toBe(403);
        expect(response.body.error.code).toBe('PICLOUD_ERR_AUTH_APP_FORBIDDEN');
      }
      expect(await t.snapshot()).toEqual(before);
    });

    it('refuses a request without credentials', async () => {
      const response = await t.anonymous('GET', '/admin/apps/shop/kv');
      expect(response.status).toBe(401);
    });
  });
});
