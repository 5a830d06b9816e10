/**
 * The KV store of `picloud rhai run` behaves as the appliance's: the same sequence of `kv.*` calls,
 * through the same handler, answers the same values and the same refusals from the in-memory store as
 * from PostgreSQL — names, values, sizes, TTLs, key order by code point, pages and cursors, `incr`.
 * And its file keeps the data between runs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryKvStore } from '../../server/cli/rhai/memory-kv-store.js';
import type { ServiceOutcome } from '../../server/contracts/script-services.js';
import { kvHandler } from '../../server/manager/kv/kv-service.js';
import { ScriptServiceRegistry } from '../../server/manager/services/script-services.js';
import { createManagerTestServer, type ManagerTestServer } from '../support/manager-server.js';

const MAX_VALUE_BYTES = 65_536;
let t: ManagerTestServer;
let appId: string;
const scratch = mkdtempSync(join(tmpdir(), 'picloud-memory-kv-'));

beforeAll(async () => {
  t = await createManagerTestServer({ kvMaxValueBytes: MAX_VALUE_BYTES });
  appId = (await t.createApp('parity')).id;
});
afterAll(async () => {
  await t?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** One call, as the bridge makes it. */
type Call = [op: string, ...args: unknown[]];

const astral = '\u{1F600}';
const CALLS: Call[] = [
  ['get', 'c', 'missing'],
  ['set', 'c', 'a', { n: 1, list: [1, 'x', null, true], nested: { deep: 2.5 } }, null],
  ['get', 'c', 'a'],
  ['set', 'c', 'b', 'text', 60],
  ['set', 'c', '\uFFFF', 1, null],
  ['set', 'c', astral, 2, null],
  ['set', 'c', 'ab', 3, null],
  ['list', 'c', {}],
  ['list', 'c', { prefix: 'a' }],
  ['list', 'c', { limit: 2 }],
  ['incr', 'n', 'k', 1],
  ['incr', 'n', 'k', 41],
  ['incr', 'n', 'k', -100],
  ['incr', 'c', 'a', 1],
  ['set', 'n', 'big', 9007199254740990, null],
  ['incr', 'n', 'big', 5],
  ['delete', 'c', 'a'],
  ['delete', 'c', 'a'],
  ['get', 'c', 'a'],
  ['set', '', 'k', 1, null],
  ['set', 'c', 'x'.repeat(257), 1, null],
  ['set', 'c', 'bad\u0001', 1, null],
  ['set', 'c', 'k', 'nul \u0000', null],
  ['set', 'c', 'k', 'x'.repeat(MAX_VALUE_BYTES), null],
  ['set', 'c', 'k', 1, 0],
  ['set', 'c', 'k', 1, 10 * 365 * 24 * 3600 + 1],
  ['list', 'c', { cursor: 'not-a-cursor' }],
  ['list', 'c', { limit: 201 }],
  ['list', 'c', { colour: 'red' }],
  ['incr', 'n', 'k', 1.5],
  ['get', 'c'],
];

/** Runs the calls in order through `services`; their values, or their reasons and messages. */
async function outcomes(services: { call: ScriptServiceRegistry['call'] }): Promise<unknown[]> {
  const results: unknown[] = [];
  for (const [op, ...args] of CALLS) {
    const outcome: ServiceOutcome = await services.call(
      appId,
      { service: 'kv', op, args },
      Date.now() + 10_000,
    );
    results.push(
      outcome.ok ? { op, value: outcome.value } : { op, reason: outcome.reason, message: outcome.message },
    );
  }
  return results;
}

describe('MemoryKvStore', () => {
  it('answers every call as the PostgreSQL store does', async () => {
    // The appliance's registry: the KV handler over PostgreSQL.
    const database = await outcomes(t.manager.scriptServices);
    const local = new ScriptServiceRegistry();
    local.register('kv', kvHandler(new MemoryKvStore({ maxValueBytes: MAX_VALUE_BYTES })));
    const memory = await outcomes(local);
    expect(memory).toEqual(database);
    // The table has teeth: it holds successes and refusals of every kind.
    const reasons = new Set(database.map((o) => (o as { reason?: string }).reason).filter(Boolean));
    expect(reasons).toEqual(
      new Set([
        'KV_NOT_A_NUMBER',
        'KV_OUT_OF_RANGE',
        'KV_INVALID_KEY',
        'KV_INVALID_VALUE',
        'KV_VALUE_TOO_LARGE',
        'KV_INVALID_TTL',
        'KV_INVALID_CURSOR',
        'BAD_ARGUMENTS',
      ]),
    );
  });

  it('keeps its data in its file across instances, expired entries left out', async () => {
    const file = join(scratch, 'kv.json');
    const first = new MemoryKvStore({ maxValueBytes: MAX_VALUE_BYTES, file });
    await first.set('local', 'rooms', 'kitchen', { celsius: 21 });
    await first.incr('local', 'stats', 'hits', 3);
    await first.set('local', 'sessions', 's1', 'x', 3600);
    const second = new MemoryKvStore({ maxValueBytes: MAX_VALUE_BYTES, file });
    expect(await second.get('local', 'rooms', 'kitchen')).toEqual({ celsius: 21 });
    expect(await second.incr('local', 'stats', 'hits', 1)).toBe(4);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(saved.collections).toEqual({
      rooms: { kitchen: { celsius: 21 } },
      sessions: { s1: 'x' },
      stats: { hits: 4 },
    });
    expect(Date.parse(saved.expires_at.sessions.s1)).toBeGreaterThan(Date.now() + 3_500_000);
  });
});
