/**
 * Script-service calls while PostgreSQL cannot be reached: every `kv::` call answers the script
 * `DATABASE_UNAVAILABLE` with a clear message, and the appliance's log gets one concise warning line
 * per kind of failure — no error-level line, no stack — however many calls fail. Once PostgreSQL is
 * back, calls work again.
 *
 * PostgreSQL "goes away" behind a TCP relay in front of the test server: closing the relay cuts the
 * open connections and refuses new ones, as a stopped or restarting PostgreSQL does.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { Writable } from 'node:stream';
import { Kysely, PostgresDialect } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../server/db/database.js';
import { migrate, readMigrations } from '../../server/db/migrator.js';
import type { Database } from '../../server/db/schema.js';
import { kvHandler } from '../../server/manager/kv/kv-service.js';
import { KvStore } from '../../server/manager/kv/kv-store.js';
import { createOutageLog, OUTAGE_LOG_INTERVAL_MS } from '../../server/manager/services/outage-log.js';
import { ScriptServiceRegistry } from '../../server/manager/services/script-services.js';
import { MIGRATIONS_DIR } from '../../server/paths.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/** A TCP relay to PostgreSQL that can be cut (open connections reset, new ones refused) and restored. */
class Relay {
  #server: Server | null = null;
  readonly #sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}

  async up(): Promise<void> {
    const server = createServer((client) => {
      const upstream = tcpConnect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  async down(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const socket of this.#sockets) socket.resetAndDestroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

let database: TestDatabase;
let relay: Relay;
beforeAll(async () => {
  database = await createTestDatabase();
  const client = await database.pool.connect();
  const result = await migrate(client, readMigrations(MIGRATIONS_DIR)).finally(() => client.release());
  if (!result.ok) throw new Error(result.error);
  const url = new URL(database.url);
  relay = new Relay({ host: url.hostname, port: Number(url.port) });
  await relay.up();
});
afterAll(async () => {
  await relay?.down();
  await database?.drop();
});

/** The registry as the appliance wires it, logging into `lines` through pino. */
function appliance() {
  const lines: Record<string, any>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const url = new URL(database.url);
  url.port = String(relay.port);
  url.hostname = '127.0.0.1';
  const pool = createPool(url.toString(), (level, message) => logger[level](message));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const services = new ScriptServiceRegistry({
    onError: (error, call) => logger.error({ err: error, ...call }, 'script service call failed'),
    onUnavailable: createOutageLog((level, message, fields) => logger[level](fields, message)),
  });
  services.register('kv', kvHandler(new KvStore(db, { maxValueBytes: 64 * 1024 })));
  return { services, lines, db };
}

const APP = '00000000-0000-4000-8000-000000000001';

describe('kv:: calls while PostgreSQL cannot be reached', () => {
  it('answer DATABASE_UNAVAILABLE, and the log has one warning line per kind of failure', async () => {
    const { services, lines, db } = appliance();
    try {
      // The default app the migrations seed.
      const { rows } = await database.pool.query("SELECT id FROM apps WHERE slug = 'default'");
      const id: string = rows[0].id;
      const call = (op: string, args: unknown[]) =>
        services.call(id, { service: 'kv', op, args }, Date.now() + 10_000);
      // 1. Working: a few pooled connections open through the relay.
      expect(await Promise.all([0, 1, 2].map((i) => call('set', ['c', `k${i}`, i])))).toEqual([
        { ok: true, value: null },
        { ok: true, value: null },
        { ok: true, value: null },
      ]);

      // 2. PostgreSQL goes away: open connections are cut, new ones refused.
      await relay.down();
      const outcomes = [];
      for (let round = 0; round < 10; round++) {
        outcomes.push(...(await Promise.all([call('get', ['c', 'k0']), call('set', ['c', 'k1', round])])));
      }
      outcomes.push(await call('incr', ['c', 'n', 1]));
      for (const outcome of outcomes) {
        expect(outcome).toEqual({
          ok: false,
          reason: 'DATABASE_UNAVAILABLE',
          message: "the appliance's database cannot be reached right now; try again shortly",
        });
      }

      // 3. The log: no error line, no stack, and one warning per kind of failure.
      expect(lines.filter((line) => line.level >= 50)).toEqual([]);
      expect(JSON.stringify(lines)).not.toMatch(/stack|\s+at /);
      const outage = lines.filter((line) => /cannot reach the database/.test(line.msg));
      const kinds = outage.map((line) => line.kind);
      expect(new Set(kinds).size).toBe(kinds.length);
      expect(kinds).toContain('ECONNREFUSED');
      for (const line of outage) {
        expect(line.level).toBe(40);
        expect(line.msg.length).toBeLessThan(300);
        expect(line).toMatchObject({ service: 'kv', appId: id });
      }
      expect(outcomes.length).toBeGreaterThan(outage.length * 5);

      // 4. PostgreSQL is back: calls work again.
      await relay.up();
      expect(await call('get', ['c', 'k2'])).toMatchObject({ ok: true });
    } finally {
      await db.destroy();
    }
  });
});

describe('the outage log', () => {
  it('writes a kind of failure again only after a quiet minute, counting the calls in between', () => {
    const written: string[] = [];
    let clock = 0;
    const report = createOutageLog(
      (_level, message) => written.push(message),
      () => clock,
    );
    const call = { appId: APP, service: 'kv', op: 'get' };
    const refused = { kind: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' };
    const shutdown = { kind: '57P01', message: 'terminating connection due to administrator command' };
    for (let i = 0; i < 100; i++) report(refused, call);
    report(shutdown, call);
    expect(written).toHaveLength(2);
    clock = OUTAGE_LOG_INTERVAL_MS - 1;
    report(refused, call);
    expect(written).toHaveLength(2);
    clock = OUTAGE_LOG_INTERVAL_MS + 1;
    report(refused, call);
    expect(written).toHaveLength(3);
    expect(written[2]).toMatch(/ECONNREFUSED.*; 100 more calls failed so since the last line$/);
  });
});
