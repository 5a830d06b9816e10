/**
 * Power-cut and crash recovery of the whole appliance, run as real processes: a second start reuses
 * the data; after `kill -9` of the server, and separately of PostgreSQL, every committed row is there.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { killLeftoverApplianceProcesses, startApplianceProcess } from '../support/appliance-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'picloud-recovery-'));
const env = { PICLOUD_DATA_DIR: dataDir };
afterAll(async () => {
  await killLeftoverApplianceProcesses();
  rmSync(dataDir, { recursive: true, force: true });
});

function postmasterPid(): number {
  return Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

function postgresPort(): number {
  return Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[3]);
}

async function withDatabase<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: postgresPort(),
    user: 'picloud',
    password: readFileSync(join(dataDir, 'postgres.password'), 'utf8').trim(),
    database: 'picloud',
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function commitApp(slug: string): Promise<void> {
  await withDatabase((client) =>
    client.query("INSERT INTO apps (slug, name) VALUES ($1, 'Committed')", [slug]),
  );
}

async function appSlugs(): Promise<string[]> {
  return withDatabase(async (client) =>
    (await client.query('SELECT slug FROM apps ORDER BY slug')).rows.map((r) => r.slug),
  );
}

async function healthz(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`);
  return `${response.status} ${await response.text()}`;
}

describe('recovery', () => {
  it('first start initialises, a second start reuses the data', async () => {
    const first = await startApplianceProcess(env);
    expect(first.output()).toContain('initialising PostgreSQL');
    expect(await healthz(first.port)).toBe('200 ok');
    await commitApp('before-restart');
    expect(await first.stop()).toBe(0);

    const second = await startApplianceProcess(env);
    expect(second.output()).not.toContain('initialising PostgreSQL');
    expect(second.output()).not.toContain('applied migration');
    expect(await appSlugs()).toEqual(['before-restart', 'default']);
    expect(await second.stop()).toBe(0);
  }, 60_000);

  it('survives kill -9 of the server: PostgreSQL left behind is stopped cleanly and data is intact', async () => {
    const running = await startApplianceProcess(env);
    await commitApp('before-server-kill');
    const orphan = postmasterPid();
    running.child.kill('SIGKILL');
    await new Promise((resolve) => running.child.once('exit', resolve));

    const restarted = await startApplianceProcess(env);
    expect(postmasterPid()).not.toBe(orphan);
    expect(restarted.output()).toContain('left by a previous PostgreSQL');
    expect(await healthz(restarted.port)).toBe('200 ok');
    expect(await appSlugs()).toEqual(['before-restart', 'before-server-kill', 'default']);
    expect(await restarted.stop()).toBe(0);
  }, 60_000);

  it('survives kill -9 of PostgreSQL: the server restarts it, and a later start finds every row', async () => {
    const running = await startApplianceProcess(env);
    await commitApp('before-postgres-kill');
    const victim = postmasterPid();
    process.kill(victim, 'SIGKILL');

    // 1. While PostgreSQL is down /healthz says so; 2. the supervisor brings it back with back-off.
    let status = '';
    for (let i = 0; i < 100 && status !== '200 ok'; i++) {
      await sleep(100);
      status = await healthz(running.port).catch((error: Error) => {
        throw new Error(`the server stopped answering (${error.message}):\n${running.output()}`);
      });
    }
    expect(status).toBe('200 ok');
    expect(postmasterPid()).not.toBe(victim);
    expect(running.output()).toContain('PostgreSQL exited unexpectedly');
    await commitApp('after-postgres-restart');

    // 3. Kill PostgreSQL once more and the server too: a cold start must still find every row.
    process.kill(postmasterPid(), 'SIGKILL');
    running.child.kill('SIGKILL');
    await new Promise((resolve) => running.child.once('exit', resolve));
    const restarted = await startApplianceProcess(env);
    expect(await appSlugs()).toEqual([
      'after-postgres-restart',
      'before-postgres-kill',
      'before-restart',
      'before-server-kill',
      'default',
    ]);
    expect(await restarted.stop()).toBe(0);
  }, 90_000);

  it('starts over a stale postmaster.pid whose pid now belongs to an unrelated process (power cut)', async () => {
    const lockFile = join(dataDir, 'postgres', 'postmaster.pid');
    const stranger = spawn('sleep', ['30']);
    try {
      // After a power cut the recorded pid may be reused by anything: PostgreSQL alone would refuse to start.
      const stale = readFileSync(join(dataDir, 'postgres', 'PG_VERSION'), 'utf8');
      expect(stale).toMatch(/^\d+/);
      writeFileSync(
        lockFile,
        `${stranger.pid}\n${join(dataDir, 'postgres')}\n0\n5432\n\n127.0.0.1\n  1  1\nready\n`,
      );
      const running = await startApplianceProcess(env);
      expect(running.output()).toContain('removed a stale postmaster.pid');
      expect(await appSlugs()).toContain('after-postgres-restart');
      expect(await running.stop()).toBe(0);
    } finally {
      stranger.kill('SIGKILL');
    }
  }, 60_000);
});
