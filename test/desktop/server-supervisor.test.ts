/**
 * The desktop app's supervisor against the real `picloud start` (bin/picloud.js over dist/, run by
 * Node as Electron runs it with ELECTRON_RUN_AS_NODE): start, crash → restart with back-off, stop,
 * and the start-up failures that must become a clear error instead of a restart loop.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { processGroupMembers } from '../../main/supervisor/process-group.js';
import type { ServerState } from '../../main/supervisor/server-state.js';
import {
  type CrashReport,
  ServerSupervisor,
  type ServerSupervisorOptions,
} from '../../main/supervisor/server-supervisor.js';
import { PICLOUD_BIN } from '../support/appliance-process.js';

const scratch = mkdtempSync(join(tmpdir(), 'picloud-supervisor-'));
// Run as root, the server runs PostgreSQL as an unprivileged user, who must pass through to the data folders.
chmodSync(scratch, 0o711);
const supervisors: ServerSupervisor[] = [];
afterAll(async () => {
  // A failed assertion skips a test's own stop: never leak a server and its PostgreSQL.
  await Promise.all(supervisors.map((supervisor) => supervisor.dispose()));
  rmSync(scratch, { recursive: true, force: true });
});

/** A supervisor of the real server, recording every state it passes through. */
function supervise(dataDir: string, options: Partial<ServerSupervisorOptions> = {}) {
  const supervisor = new ServerSupervisor({
    command: process.execPath,
    args: [PICLOUD_BIN, 'start'],
    env: { ...process.env, PICLOUD_CONFIG: '', PICLOUD_PORT: '0', PICLOUD_HOST: '127.0.0.1' },
    dataDir,
    startTimeoutMs: 60_000,
    stopTimeoutMs: 15_000,
    backoff: { initialMs: 200, maxMs: 1_000, factor: 2, resetAfterMs: 2_500 },
    ...options,
  });
  supervisors.push(supervisor);
  const states: ServerState[] = [];
  supervisor.on('state', (state) => states.push(state));
  return { supervisor, states, kinds: () => states.map((state) => state.kind) };
}

function next<T>(supervisor: ServerSupervisor, event: 'crashed' | 'restarted'): Promise<T> {
  return new Promise((resolve) => supervisor.once(event, (value: unknown) => resolve(value as T)));
}

async function healthz(url: string): Promise<string> {
  const response = await fetch(new URL('/healthz', url));
  return `${response.status} ${await response.text()}`;
}

/** Whether a process runs (a zombie does not: an orphan that PID 1 never reaps stays one). */
function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The pid in the embedded PostgreSQL's postmaster.pid. */
function postmasterPid(dataDir: string): number {
  return Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

function running(state: ServerState) {
  if (state.kind !== 'running') throw new Error(`expected running, got ${JSON.stringify(state)}`);
  return state;
}

describe('the supervisor runs the real server', () => {
  const dataDir = join(scratch, 'data');
  const { supervisor, kinds } = supervise(dataDir);

  it('starts it, reports its URL once ready, and writes its output to logs/server.log', async () => {
    const state = running(await supervisor.start());
    expect(kinds()).toEqual(['starting', 'running']);
    expect(state.url).toMatch(/^http:\/\/localhost:\d+\/$/);
    expect(await healthz(state.url)).toBe('200 ok');
    // The window opens the panel's listener; the tray copies the endpoints', a port of its own.
    expect(state.endpointsUrl).toMatch(/^http:\/\/localhost:\d+\/$/);
    expect(state.endpointsUrl).not.toBe(state.url);
    expect((await fetch(state.url)).headers.get('content-type')).toMatch(/^text\/html/);
    expect(await healthz(state.endpointsUrl as string)).toBe('200 ok');
    const log = readFileSync(join(dataDir, 'logs', 'server.log'), 'utf8');
    expect(log).toContain('starting the PiCloud server');
    expect(log).toMatch(/Panel: +http:\/\/localhost:\d+\//);
    // A second start while running is the same server.
    expect(running(await supervisor.start()).pid).toBe(state.pid);
  }, 60_000);

  it('restarts it after a crash with growing back-off, stopping the PostgreSQL the crashed one left', async () => {
    const first = running(supervisor.state);
    const orphan = postmasterPid(dataDir);
    // 1. kill -9: PostgreSQL is left without its server; the supervisor stops it before restarting.
    const crashed = next<CrashReport>(supervisor, 'crashed');
    const restarted = next<ServerState>(supervisor, 'restarted');
    process.kill(first.pid, 'SIGKILL');
    expect(await crashed).toEqual({
      message: 'The PiCloud server was killed by SIGKILL',
      failures: 1,
      restartInMs: 200,
    });
    expect(pidAlive(orphan)).toBe(false);
    expect(readFileSync(join(dataDir, 'logs', 'server.log'), 'utf8')).toMatch(
      new RegExp(`was killed by SIGKILL ===\\n=== stopped leftover processes [\\d, ]*\\b${orphan}\\b`),
    );
    const second = running(await restarted);
    expect(second.pid).not.toBe(first.pid);
    expect(await healthz(second.url)).toBe('200 ok');

    // 2. A crash right after the restart doubles the delay.
    const crashedAgain = next<CrashReport>(supervisor, 'crashed');
    const restartedAgain = next<ServerState>(supervisor, 'restarted');
    process.kill(second.pid, 'SIGKILL');
    expect(await crashedAgain).toMatchObject({ failures: 2, restartInMs: 400 });
    const third = running(await restartedAgain);

    // 3. After a stable run (resetAfterMs) the next crash starts again from the first delay.
    await sleep(2_600);
    const crashedLater = next<CrashReport>(supervisor, 'crashed');
    const restartedLater = next<ServerState>(supervisor, 'restarted');
    process.kill(third.pid, 'SIGKILL');
    expect(await crashedLater).toMatchObject({ failures: 1, restartInMs: 200 });
    expect(await healthz(running(await restartedLater).url)).toBe('200 ok');
    expect(readFileSync(join(dataDir, 'logs', 'server.log'), 'utf8')).toContain('restarting in 400 ms');
  }, 60_000);

  it('a second server on the same data folder is a clear error, and the running one is left alone', async () => {
    const { pid, url } = running(supervisor.state);
    const postgres = postmasterPid(dataDir);
    const { supervisor: second, kinds: secondKinds } = supervise(dataDir);
    const state = await second.start();
    expect(state).toEqual({
      kind: 'error',
      failure: 'already-running',
      code: 'PICLOUD_ERR_STARTUP_ALREADY_RUNNING',
      message: `PiCloud is already running with data folder ${dataDir} (pid ${pid}). Stop it first, or set PICLOUD_DATA_DIR.`,
    });
    expect(secondKinds()).toEqual(['starting', 'error']);
    // Its database is the first server's: the failed one must not have stopped it.
    expect(pidAlive(postgres)).toBe(true);
    expect(await healthz(url)).toBe('200 ok');
  }, 30_000);

  it('stops it cleanly: SIGTERM, exit code 0, PostgreSQL stopped, nothing left in its process group', async () => {
    const { pid } = running(supervisor.state);
    const stopping = supervisor.stop();
    expect(supervisor.state).toEqual({ kind: 'stopping', pid });
    expect(await stopping).toEqual({ kind: 'stopped' });
    expect(pidAlive(pid)).toBe(false);
    expect(processGroupMembers(pid)).toEqual([]);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    expect(readFileSync(join(dataDir, 'logs', 'server.log'), 'utf8')).toMatch(/exited with code 0 ===\n$/);
  }, 30_000);

  it('a port already in use is a clear error, not a restart loop', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { supervisor: blocked, kinds: blockedKinds } = supervise(dataDir, {
        env: { ...process.env, PICLOUD_CONFIG: '', PICLOUD_PORT: String(port), PICLOUD_HOST: '127.0.0.1' },
      });
      const failed = new Promise((resolve) => blocked.once('failed', resolve));
      const state = await blocked.start();
      expect(state).toEqual({
        kind: 'error',
        failure: 'port-in-use',
        code: 'PICLOUD_ERR_STARTUP_PORT_IN_USE',
        message: `PICLOUD_PORT=${port}: another program already listens on 127.0.0.1:${port}. Stop it, or choose another port with PICLOUD_PORT.`,
      });
      expect(await failed).toBe(state);
      await sleep(500); // no restart is scheduled
      expect(blockedKinds()).toEqual(['starting', 'error']);
    } finally {
      blocker.close();
    }
  }, 60_000);
});

describe('a data folder the server cannot use is a clear error', () => {
  it.each([
    ['is a regular file', (file: string) => file, /cannot be created: EEXIST/],
    ['lies under a regular file', (file: string) => join(file, 'data'), /cannot be created: ENOTDIR/],
  ])(
    'when it %s',
    async (_case, dataDirFrom, cause) => {
      const file = join(scratch, `file-${Math.random().toString(36).slice(2)}`);
      writeFileSync(file, 'not a folder');
      const dataDir = dataDirFrom(file);
      const { supervisor, kinds } = supervise(dataDir);
      const logErrors: Error[] = [];
      supervisor.on('log-error', (error) => logErrors.push(error));
      const state = await supervisor.start();
      expect(state).toMatchObject({
        kind: 'error',
        failure: 'data-dir',
        code: 'PICLOUD_ERR_STARTUP_DATA_DIR',
      });
      expect(state.kind === 'error' && state.message).toMatch(`PICLOUD_DATA_DIR=${dataDir} `);
      expect(state.kind === 'error' && state.message).toMatch(cause);
      expect(kinds()).toEqual(['starting', 'error']);
      // Its log file cannot live in that folder either: reported, and the server still told us why.
      expect(logErrors.map((error) => (error as NodeJS.ErrnoException).code)).toEqual([
        expect.stringMatching(/^(EEXIST|ENOTDIR)$/),
      ]);
    },
    30_000,
  );
});

describe('a stop during start-up', () => {
  it('stops the PostgreSQL the half-started server had already launched', async () => {
    const dataDir = join(scratch, 'half-started');
    const { supervisor } = supervise(dataDir);
    const started = supervisor.start();
    // A first start initialises PostgreSQL, starts it and migrates, then takes a while more to be ready.
    const migrated = () =>
      existsSync(supervisor.logFile) &&
      readFileSync(supervisor.logFile, 'utf8').includes('applied migration');
    while (!migrated() && supervisor.state.kind === 'starting') await sleep(10);
    expect(supervisor.state.kind).toBe('starting');
    const serverPid = supervisor.state.kind === 'starting' ? (supervisor.state.pid as number) : -1;
    const postgres = postmasterPid(dataDir);
    expect(pidAlive(postgres)).toBe(true);
    // Killed before it handles signals, the server cannot stop its PostgreSQL itself.
    expect(await supervisor.stop()).toEqual({ kind: 'stopped' });
    expect(await started).toEqual({ kind: 'stopped' });
    expect(pidAlive(serverPid)).toBe(false);
    expect(pidAlive(postgres)).toBe(false);
    expect(processGroupMembers(serverPid)).toEqual([]);
    expect(readFileSync(join(dataDir, 'logs', 'server.log'), 'utf8')).toMatch(
      new RegExp(`stopped leftover processes [\\d, ]*\\b${postgres}\\b`),
    );
  }, 60_000);
});
