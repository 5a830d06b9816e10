/**
 * `throw` is capped like output (issue 13, item 6): a script that throws a 4 Mi-character string
 * once answered 12.5 MB and stored it per run, and listing such logs took the server to gigabytes.
 * Now the response and the log record hold at most 64 KiB of message, and a log listing cuts its text
 * in SQL whatever the rows hold.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_TEXT_MAX_BYTES } from '../../server/contracts/executor.js';
import { capText, headWithin } from '../../server/executor/text-cap.js';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';

let pc: TestAppliance;
const scriptIds: Record<string, string> = {};

/** 2^22 euro signs: 4 Mi characters (the string limit), 12 MiB of UTF-8. */
const HUGE = 'let s = "€"; for i in 0..22 { s += s; }';
/**
 * 2^18 of them (768 KiB, twelve times the cap) in a thrown map: the engine spells a thrown map out
 * in full for its own error text, slowly, and at 2^22 that alone outgrows a worker's heap.
 */
const LARGE = 'let s = "€"; for i in 0..18 { s += s; }';
const SCRIPTS = {
  'throws-huge': `${HUGE} throw s;`,
  'throws-huge-map': `${LARGE} throw #{ status: 422, message: s, extra: s };`,
  'throws-huge-details': `${LARGE} throw #{ status: 422, message: "short", extra: s };`,
  'prints-huge': `${HUGE} print("first line"); print(s); "printed"`,
};

beforeAll(async () => {
  pc = await startTestAppliance();
  for (const [name, source] of Object.entries(SCRIPTS)) {
    const created = await pc.api('POST', '/api/v1/admin/scripts', { app: 'default', name, source });
    expect(created.status).toBe(201);
    scriptIds[name] = created.body.id;
    const route = { script: name, methods: ['GET'], path: `/${name}` };
    expect((await pc.api('POST', '/api/v1/admin/apps/default/routes', route)).status).toBe(201);
  }
}, 60_000);

afterAll(async () => {
  await pc?.stop();
});

const NOTE = `… message truncated at ${RUN_TEXT_MAX_BYTES} bytes`;

/** The newest log record of a script, straight from the database (what was stored; writes are batched). */
async function storedRecord(name: string) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const row = await sql<{ message: string | null; output: string; bytes: number | null }>`
      SELECT error->>'message' AS message, output, octet_length(error->>'message') AS bytes
      FROM execution_logs WHERE script_id = ${scriptIds[name]} ORDER BY id DESC LIMIT 1`.execute(
      pc.appliance.database.db,
    );
    if (row.rows[0]) return row.rows[0];
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no log record for ${name}`);
}

describe('an error message is capped like output', () => {
  it('the reported script: a small response, and a log record within the cap', async () => {
    const response = await fetch(`${pc.baseUrl}/throws-huge`);
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(Buffer.byteLength(text)).toBeLessThan(RUN_TEXT_MAX_BYTES + 1_024);
    const { error } = JSON.parse(text);
    expect(error.code).toBe('PICLOUD_ERR_SCRIPT_THROWN');
    expect(error.message.endsWith(NOTE)).toBe(true);
    // The head is whole euro signs: 21,845 of them (65,535 bytes), never a broken character.
    expect(error.message).toBe(`${'€'.repeat(21_845)}${NOTE}`);

    const stored = await storedRecord('throws-huge');
    expect(stored.message).toBe(error.message);
    expect(stored.bytes).toBeLessThanOrEqual(RUN_TEXT_MAX_BYTES + Buffer.byteLength(NOTE));
  });

  it("a thrown map's message is capped, and details over the cap are left out", async () => {
    for (const name of ['throws-huge-map', 'throws-huge-details']) {
      const response = await fetch(`${pc.baseUrl}/${name}`);
      const text = await response.text();
      expect(response.status).toBe(422);
      expect(Buffer.byteLength(text)).toBeLessThan(RUN_TEXT_MAX_BYTES + 1_024);
      const { error } = JSON.parse(text);
      expect(error.details).toEqual({ kind: 'ErrorRuntime', line: 1, column: expect.any(Number) });
      expect(error.message.endsWith(`(details over ${RUN_TEXT_MAX_BYTES} bytes left out)`)).toBe(true);
    }
    const short = await fetch(`${pc.baseUrl}/throws-huge-details`).then((r) => r.json());
    expect(short.error.message).toBe(`short (details over ${RUN_TEXT_MAX_BYTES} bytes left out)`);
  });

  it('output keeps the head of a line over the cap, then the note', async () => {
    const response = await fetch(`${pc.baseUrl}/prints-huge`);
    expect(await response.text()).toBe('printed');
    const { output } = await storedRecord('prints-huge');
    expect(output.startsWith('first line\n€€€')).toBe(true);
    expect(output.endsWith(`\n… output truncated at ${RUN_TEXT_MAX_BYTES} bytes`)).toBe(true);
    expect(Buffer.byteLength(output)).toBeLessThanOrEqual(RUN_TEXT_MAX_BYTES + 64);
  });
});

describe('reading logs back is bounded whatever the rows hold', () => {
  it('a listing of rows holding 4 Mi characters each returns at most the cap of each', async () => {
    // Rows as an older version wrote them (no cap): straight into the table.
    const app = await pc.api('GET', '/api/v1/admin/apps/default');
    const huge = 'x'.repeat(4 * 1024 * 1024);
    await sql`
      INSERT INTO execution_logs (app_id, request_id, trigger, status, http_status, duration_ms, error, output)
      SELECT ${app.body.id}::uuid, 'old-' || n, 'http', 'error', 500, 1,
             jsonb_build_object('code', 'PICLOUD_ERR_SCRIPT_THROWN', 'message', ${huge}::text),
             ${huge}
      FROM generate_series(1, 20) AS n`.execute(pc.appliance.database.db);

    const started = process.memoryUsage().rss;
    const response = await fetch(`${pc.panelUrl}/api/v1/admin/logs?limit=20`, {
      headers: { authorization: `Bearer ${pc.token}` },
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    const page = JSON.parse(text);
    expect(page.items).toHaveLength(20);
    for (const item of page.items) {
      expect(item.output).toHaveLength(RUN_TEXT_MAX_BYTES);
      expect(item.error.message).toHaveLength(RUN_TEXT_MAX_BYTES);
      expect(item.error.code).toBe('PICLOUD_ERR_SCRIPT_THROWN');
    }
    // 20 rows of 2 × 4 MiB would be 160 MiB; the page is 20 × 2 × 64 KiB.
    expect(Buffer.byteLength(text)).toBeLessThan(3 * 1024 * 1024);
    expect(process.memoryUsage().rss - started).toBeLessThan(100 * 1024 * 1024);

    const one = await pc.api('GET', `/api/v1/admin/logs/${page.items[0].id}`);
    expect(one.body.output).toHaveLength(RUN_TEXT_MAX_BYTES);
    expect(one.body.error.message).toHaveLength(RUN_TEXT_MAX_BYTES);
  });
});

describe('the cap itself', () => {
  it.each([
    ['ascii within the budget', 'hello', 5, 'hello'],
    ['ascii over it', 'hello', 3, 'hel'],
    ['never half a three-byte character', '€€€', 4, '€'],
    ['never half a surrogate pair', '😀😀', 5, '😀'],
    ['nothing fits', '€', 2, ''],
  ])('headWithin: %s', (_name, text, bytes, head) => {
    expect(headWithin(text, bytes)).toBe(head);
  });

  it('capText appends the note only when it cut', () => {
    expect(capText('short', 10, 'message')).toBe('short');
    expect(capText('a longer text', 4, 'output')).toBe('a lo… output truncated at 4 bytes');
  });
});
