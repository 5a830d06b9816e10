/**
 * The supervisor's policies that need no real server, driven by tiny Node children that behave the
 * way a failing server would: one that never gets ready, one that ignores SIGTERM, one that fails
 * at start without a known cause, one that crashes right after it is ready.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ServerState } from '../../main/supervisor/server-state.js';
import { ServerSupervisor, type ServerSupervisorOptions } from '../../main/supervisor/server-supervisor.js';

const scratch = mkdtempSync(join(tmpdir(), 'picloud-supervisor-policy-'));
const supervisors: ServerSupervisor[] = [];
afterAll(async () => {
  await Promise.all(supervisors.map((supervisor) => supervisor.dispose()));
  rmSync(scratch, { recursive: true, force: true });
});

const BANNER = "process.stderr.write('\\n  Panel:   http://localhost:1234/\\n');";

/** A supervisor of `node -e script`. */
function supervise(name: string, script: string, options: Partial<ServerSupervisorOptions> = {}) {
  const supervisor = new ServerSupervisor({
    command: process.execPath,
    args: ['-e', script],
    env: process.env,
    dataDir: join(scratch, name),
    backoff: { initialMs: 50, maxMs: 200, factor: 2, resetAfterMs: 60_000 },
    ...options,
  });
  supervisors.push(supervisor);
  const states: ServerState[] = [];
  supervisor.on('state', (state) => states.push(state));
  return { supervisor, kinds: () => states.map((state) => state.kind), states };
}

describe('supervision policies', () => {
  it('gives up a start that prints no ready banner within the start timeout', async () => {
    const { supervisor, kinds } = supervise('silent', 'setInterval(() => {}, 1000);', {
      startTimeoutMs: 300,
    });
    const state = await supervisor.start();
    expect(state).toMatchObject({ kind: 'error', failure: 'start-timeout' });
    expect(state.kind === 'error' && state.message).toContain('was not ready within 300 ms');
    expect(kinds()).toEqual(['starting', 'stopping', 'error']);
  });

  it('kills a server that ignores SIGTERM once the stop timeout has passed', async () => {
    const { supervisor } = supervise(
      'stubborn',
      `process.on('SIGTERM', () => {}); ${BANNER} setInterval(() => {}, 1000);`,
      {
        stopTimeoutMs: 300,
      },
    );
    expect(await supervisor.start()).toMatchObject({
      kind: 'running',
      url: 'http://localhost:1234/',
      lanUrls: [],
    });
    const started = Date.now();
    expect(await supervisor.stop()).toEqual({ kind: 'stopped' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    const log = readFileSync(supervisor.logFile, 'utf8');
    expect(log).toContain('no exit 300 ms after SIGTERM: SIGKILL');
    expect(log).toContain('was killed by SIGKILL');
  });

  it('retries a start that fails without a known cause, then shows its error', async () => {
    const { supervisor, states } = supervise(
      'flaky',
      "console.error('picloud: could not start: the disk made a funny noise'); process.exit(1);",
    );
    const state = await supervisor.start();
    expect(state).toMatchObject({ kind: 'error', failure: 'start-failed', code: null });
    expect(state.kind === 'error' && state.message).toMatch(
      /^the disk made a funny noise \(tried 3 times; see .*server\.log\)$/,
    );
    expect(states.map((s) => (s.kind === 'restarting' ? `restarting ${s.delayMs}` : s.kind))).toEqual([
      'starting',
      'restarting 50',
      'starting',
      'restarting 100',
      'starting',
      'error',
    ]);
  });

  it('gives up after too many crashes in a row, and a start begins afresh', async () => {
    const crashes: number[] = [];
    const { supervisor } = supervise('crashing', `${BANNER} setTimeout(() => process.exit(70), 20);`, {
      maxCrashes: 2,
    });
    supervisor.on('crashed', (report) => crashes.push(report.restartInMs));
    const failed = new Promise<ServerState>((resolve) => supervisor.once('failed', resolve));
    expect((await supervisor.start()).kind).toBe('running');
    const state = await failed;
    expect(crashes).toEqual([50, 100]);
    expect(state).toMatchObject({ kind: 'error', failure: 'crashed' });
    expect(state.kind === 'error' && state.message).toContain('crashed 3 times in a row');
    expect((await supervisor.start()).kind).toBe('running');
    await supervisor.stop();
  });

  it('shares one start between concurrent callers, and start during a back-off spawns at once', async () => {
    const { supervisor, kinds } = supervise('shared', `${BANNER} setInterval(() => {}, 1000);`, {
      backoff: { initialMs: 60_000, maxMs: 60_000, factor: 2, resetAfterMs: 60_000 },
    });
    const [first, second] = await Promise.all([supervisor.start(), supervisor.start()]);
    expect(first).toBe(second);
    expect(kinds()).toEqual(['starting', 'running']);
    const crashed = new Promise((resolve) => supervisor.once('crashed', resolve));
    process.kill(first.kind === 'running' ? first.pid : -1, 'SIGKILL');
    await crashed;
    expect(supervisor.state).toMatchObject({ kind: 'restarting', delayMs: 60_000 });
    // The user does not wait a minute: Start spawns now.
    expect((await supervisor.start()).kind).toBe('running');
    expect(await supervisor.stop()).toEqual({ kind: 'stopped' });
  });

  it('a stop during a back-off cancels the restart', async () => {
    const { supervisor, kinds } = supervise('cancelled', `${BANNER} setTimeout(() => process.exit(1), 20);`, {
      backoff: { initialMs: 200, maxMs: 200, factor: 2, resetAfterMs: 60_000 },
    });
    const crashed = new Promise((resolve) => supervisor.once('crashed', resolve));
    await supervisor.start();
    await crashed;
    expect(await supervisor.stop()).toEqual({ kind: 'stopped' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(kinds()).toEqual(['starting', 'running', 'restarting', 'stopped']);
  });

  it('reports a server program that cannot be launched', async () => {
    const { supervisor } = supervise('missing', '', { command: join(scratch, 'no-such-node') });
    const state = await supervisor.start();
    expect(state).toMatchObject({ kind: 'error', failure: 'spawn-failed' });
    expect(state.kind === 'error' && state.message).toContain('ENOENT');
  });
});
