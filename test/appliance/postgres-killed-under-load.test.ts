/**
 * PostgreSQL killed while clients write (issue 13, item 3 of the "critical" list): a real
 * `picloud start` with its embedded PostgreSQL, four callers writing through a KV endpoint, and the
 * postmaster killed with SIGKILL five times. The server once died of an unhandled 'error' event from
 * a pooled client that was checked out but idle (57P01). Now the process survives each kill, the
 * supervisor restarts PostgreSQL, /healthz comes back by itself, and every write that was
 * acknowledged with a 2xx is there afterwards.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { apiClient, ownerTokenAt } from '../support/admin-client.js';
import { killLeftoverApplianceProcesses, startApplianceProcess } from '../support/appliance-process.js';

const scratch = mkdtempSync(join(tmpdir(), 'picloud-pg-kill-'));
// Run as root, PostgreSQL runs as an unprivileged user that must be able to pass through here.
chmodSync(scratch, 0o755);
const dataDir = join(scratch, 'data');

afterAll(async () => {
  await killLeftoverApplianceProcesses();
  rmSync(scratch, { recursive: true, force: true });
});

/** This appliance's postmaster (its data folder's postmaster.pid: never another instance's). */
function postmaster(): { pid: number; port: number } {
  const lines = readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n');
  return { pid: Number(lines[0]), port: Number(lines[3]) };
}

function connectionString(): string {
  const password = readFileSync(join(dataDir, 'postgres.password'), 'utf8').trim();
  return `postgres://picloud:${encodeURIComponent(password)}@127.0.0.1:${postmaster().port}/picloud`;
}

const WRITERS = 4;
const KILLS = 5;

it(`survives ${KILLS} kill -9 of PostgreSQL under ${WRITERS} writing clients, and loses no acknowledged write`, async () => {
  const appliance = await startApplianceProcess({
    PICLOUD_DATA_DIR: dataDir,
    PICLOUD_EXECUTOR_WORKERS: '2',
    PICLOUD_PUBLIC_RATE_LIMIT: '0',
  });
  const baseUrl = `http://127.0.0.1:${appliance.port}`;
  const alive = () => {
    if (appliance.child.exitCode !== null || appliance.child.signalCode !== null) {
      throw new Error(`picloud exited:\n${appliance.output()}`);
    }
  };
  const api = apiClient(
    baseUrl,
    await ownerTokenAt(connectionString()),
    `http://127.0.0.1:${appliance.panelPort}`,
  );
  const source = 'kv::set("writes", ctx.params.key, ctx.body); "stored"';
  expect((await api('POST', '/api/v1/admin/scripts', { app: 'default', name: 'write', source })).status).toBe(
    201,
  );
  const route = { script: 'write', methods: ['POST'], path: '/write/:key' };
  expect((await api('POST', '/api/v1/admin/apps/default/routes', route)).status).toBe(201);

  // 1. Four callers write unique keys back to back; a 2xx means the write is acknowledged.
  const acknowledged: string[] = [];
  const refused: Record<string, number> = {};
  let writing = true;
  const writers = Array.from({ length: WRITERS }, async (_, writer) => {
    for (let n = 0; writing; n++) {
      const key = `w${writer}-${n}`;
      try {
        const response = await fetch(`${baseUrl}/write/${key}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ writer, n }),
        });
        await response.arrayBuffer();
        if (response.ok) acknowledged.push(key);
        else {
          refused[response.status] = (refused[response.status] ?? 0) + 1;
          await sleep(20);
        }
      } catch {
        alive(); // a refused connection is only acceptable while the process lives
        await sleep(20);
      }
    }
  });

  async function acknowledgedMore(count: number): Promise<void> {
    const target = acknowledged.length + count;
    for (let i = 0; i < 300 && acknowledged.length < target; i++) await sleep(50);
    expect(acknowledged.length).toBeGreaterThanOrEqual(target);
  }

  try {
    for (let kill = 1; kill <= KILLS; kill++) {
      // 2. Writes flow; then the postmaster dies mid-write.
      await acknowledgedMore(20);
      const victim = postmaster().pid;
      process.kill(victim, 'SIGKILL');

      // 3. The server lives on and reports the outage; the supervisor brings PostgreSQL back and
      //    /healthz recovers with nobody's help.
      let health = '';
      for (let i = 0; i < 200 && health !== '200 ok'; i++) {
        await sleep(100);
        alive();
        health = await fetch(`${baseUrl}/healthz`).then(
          async (response) => `${response.status} ${await response.text()}`,
          () => 'no answer',
        );
      }
      expect(health, `kill ${kill}`).toBe('200 ok');
      expect(postmaster().pid).not.toBe(victim);
    }
    // 4. And writes are acknowledged again after the last restart.
    await acknowledgedMore(20);
  } finally {
    writing = false;
    await Promise.all(writers);
  }
  alive();
  expect(appliance.output()).toContain('PostgreSQL exited unexpectedly');

  // 5. Every acknowledged write is in the database.
  const client = new pg.Client({ connectionString: connectionString() });
  await client.connect();
  try {
    const { rows } = await client.query<{ key: string }>(
      "SELECT key FROM kv_entries WHERE collection = 'writes'",
    );
    const stored = new Set(rows.map((row) => row.key));
    expect(acknowledged.filter((key) => !stored.has(key))).toEqual([]);
  } finally {
    await client.end();
  }
  expect(await appliance.stop()).toBe(0);
}, 120_000);
