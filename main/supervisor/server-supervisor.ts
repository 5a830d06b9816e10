/**
 * Runs `picloud start` as a child process and keeps it running: a state machine (stopped, starting,
 * running, stopping, restarting, error) with a readiness probe (the server's banner), a start-up
 * timeout, restarts with exponential back-off after a crash, a clear error state for failures that
 * would only recur, and a clean stop (SIGTERM, then SIGKILL after a timeout). The child's output goes
 * to a size-capped log file in the data folder; whatever it leaves running when it dies (its
 * PostgreSQL) is stopped.
 *
 * Knows nothing of Electron: the desktop app passes its own executable with ELECTRON_RUN_AS_NODE=1,
 * tests pass Node.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF, failuresAfter } from './backoff.js';
import { classifyExit } from './classify-exit.js';
import { stopServerLeftovers } from './leftovers.js';
import { RotatingLogFile } from './log-file.js';
import type { FailureKind, ServerState } from './server-state.js';

/** How to run and watch the server. */
export interface ServerSupervisorOptions {
  /** The program: Node, or the Electron executable (then `env` holds ELECTRON_RUN_AS_NODE=1). */
  readonly command: string;
  /** Its arguments: the `picloud` CLI script and `start`. */
  readonly args: readonly string[];
  /** The server's environment; PICLOUD_DATA_DIR is set from `dataDir`. */
  readonly env: NodeJS.ProcessEnv;
  /** The data folder the server uses; the log file and runtime.json live there. */
  readonly dataDir: string;
  /** Where the child's output goes; `<dataDir>/logs/server.log` by default. */
  readonly logFile?: string;
  /** Size cap of the log file. */
  readonly logMaxBytes?: number;
  /** How long a start may take before it is given up (the first one initialises PostgreSQL). */
  readonly startTimeoutMs?: number;
  /** How long the server may take to stop after SIGTERM before it is killed. */
  readonly stopTimeoutMs?: number;
  /** Spacing of restarts. */
  readonly backoff?: BackoffPolicy;
  /** Starts that fail without a known cause are tried this many times before an error is shown. */
  readonly maxStartAttempts?: number;
  /** Restarts in a row (without a stable run between); the crash after the last one is an error. */
  readonly maxCrashes?: number;
}

/** A crash after readiness, and what happens next. */
export interface CrashReport {
  /** What ended the run. */
  readonly message: string;
  /** Consecutive failures, this one included. */
  readonly failures: number;
  /** The back-off delay before the restart. */
  readonly restartInMs: number;
}

/** Events for the tray, the window and notifications. */
export interface SupervisorEvents {
  /** Every state change. */
  state: [state: ServerState];
  /** The server crashed after it was ready and will be restarted. */
  crashed: [report: CrashReport];
  /** The server is ready again after a crash. */
  restarted: [state: Extract<ServerState, { kind: 'running' }>];
  /** The supervisor stopped trying: the state is now `error`. */
  failed: [state: Extract<ServerState, { kind: 'error' }>];
  /** The log file cannot be written (the server still runs). */
  'log-error': [error: Error];
}

/** The ready banner `picloud start` prints on standard error: `  Panel:      http://localhost:8081/`. */
const READY_BANNER = /Panel: +(https?:\/\/\S+)/;
/** A first start initialises PostgreSQL, which takes a while on a Raspberry Pi's SD card. */
const DEFAULT_START_TIMEOUT_MS = 120_000;
/** More than the server's own graceful shutdown (PICLOUD_SHUTDOWN_TIMEOUT_MS, 10 s by default). */
const DEFAULT_STOP_TIMEOUT_MS = 20_000;
/** Standard error kept for diagnosing an exit. */
const STDERR_TAIL_CHARS = 16 * 1024;

/** One spawned child and what is known about it. */
interface Run {
  readonly child: ChildProcess;
  readyAt: number | null;
  stderrTail: string;
  /** The supervisor asked it to stop (stop, restart, start-up timeout). */
  stopRequested: boolean;
  timedOut: boolean;
  startTimer: NodeJS.Timeout | null;
  killTimer: NodeJS.Timeout | null;
  /** Settles once the exit is fully handled (process group reaped, next state set). */
  readonly done: Promise<void>;
  finish(): void;
}

/**
 * Supervises one PiCloud server.
 * @example
 * const supervisor = new ServerSupervisor({ command: process.execPath, args: ['bin/picloud.js', 'start'],
 *   env: process.env, dataDir: '/var/lib/picloud' });
 * supervisor.on('state', (state) => console.log(state.kind));
 * await supervisor.start(); // resolves with the running (or error) state
 * await supervisor.stop();
 */
export class ServerSupervisor extends EventEmitter<SupervisorEvents> {
  /** Where the server's output is written. */
  readonly logFile: string;
  private readonly options: ServerSupervisorOptions;
  private readonly backoff: BackoffPolicy;
  private readonly log: RotatingLogFile;
  private current: ServerState = { kind: 'stopped' };
  private run: Run | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  /** Consecutive crashes (reset by a stable run). */
  private crashes = 0;
  /** Consecutive failed starts (reset by readiness). */
  private failedStarts = 0;
  /** The next readiness follows a crash: announce it. */
  private recovering = false;
  private settleWaiters: ((state: ServerState) => void)[] = [];

  constructor(options: ServerSupervisorOptions) {
    super();
    this.options = options;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.logFile = options.logFile ?? join(options.dataDir, 'logs', 'server.log');
    this.log = new RotatingLogFile(this.logFile, {
      maxBytes: options.logMaxBytes,
      onError: (error) => this.emit('log-error', error),
    });
  }

  private get startTimeoutMs(): number {
    return this.options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  }

  /** The current state. */
  get state(): ServerState {
    return this.current;
  }

  /**
   * Starts the server unless it runs. Concurrent calls share one start. Resolves with the state the
   * start settles in: `running`, `error` (never rejects), or `stopped` if a stop came first.
   */
  start(): Promise<ServerState> {
    switch (this.current.kind) {
      case 'running':
        return Promise.resolve(this.current);
      case 'starting':
        return this.settled();
      case 'stopping':
        return this.settledRun().then(() => this.start());
      case 'restarting':
        // The user does not want to wait out the back-off.
        this.clearRestartTimer();
        return this.spawnAndSettle();
      case 'stopped':
      case 'error':
        this.crashes = 0;
        this.failedStarts = 0;
        this.recovering = false;
        return this.spawnAndSettle();
    }
  }

  /**
   * Stops the server: SIGTERM, then SIGKILL after the stop timeout; whatever it left running (its
   * PostgreSQL, if it could not stop it) is stopped too. Also cancels a pending restart and clears an
   * error.
   */
  async stop(): Promise<ServerState> {
    this.clearRestartTimer();
    const run = this.run;
    if (!run) {
      if (this.current.kind !== 'stopped') this.setState({ kind: 'stopped' });
      return this.current;
    }
    if (!run.stopRequested) this.terminate(run);
    await run.done;
    return this.current;
  }

  /** Stops, then starts. */
  async restart(): Promise<ServerState> {
    await this.stop();
    return this.start();
  }

  /** Stops the server and closes the log file (the desktop app is quitting). */
  async dispose(): Promise<void> {
    await this.stop();
    this.log.close();
  }

  private settled(): Promise<ServerState> {
    return new Promise((resolve) => this.settleWaiters.push(resolve));
  }

  private async settledRun(): Promise<void> {
    await this.run?.done;
  }

  private spawnAndSettle(): Promise<ServerState> {
    const settled = this.settled();
    this.spawnRun();
    return settled;
  }

  private setState(state: ServerState): void {
    this.current = state;
    this.emit('state', state);
    if (state.kind === 'running' || state.kind === 'error' || state.kind === 'stopped') {
      const waiters = this.settleWaiters;
      this.settleWaiters = [];
      for (const resolve of waiters) resolve(state);
    }
  }

  private fail(failure: FailureKind, message: string, code: string | null = null): void {
    const state = { kind: 'error', failure, message, code } as const;
    this.setState(state);
    this.emit('failed', state);
  }

  private spawnRun(): void {
    const { command, args, env, dataDir } = this.options;
    this.log.write(`\n=== ${new Date().toISOString()} starting the PiCloud server ===\n`);
    let child: ChildProcess;
    try {
      child = spawn(command, [...args], {
        env: { ...env, PICLOUD_DATA_DIR: dataDir },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, so the programs it runs (initdb) can be found and stopped if it dies.
        // Not on Windows, where a detached child gets a console window of its own.
        detached: process.platform !== 'win32',
        windowsHide: true,
      });
    } catch (error) {
      this.fail('spawn-failed', `Cannot launch the PiCloud server: ${(error as Error).message}`);
      return;
    }
    let finish = () => {};
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const run: Run = {
      child,
      readyAt: null,
      stderrTail: '',
      stopRequested: false,
      timedOut: false,
      startTimer: null,
      killTimer: null,
      done,
      finish,
    };
    this.run = run;
    child.stdout?.on('data', (chunk: Buffer) => this.log.write(chunk));
    child.stderr?.on('data', (chunk: Buffer) => {
      this.log.write(chunk);
      run.stderrTail = (run.stderrTail + chunk.toString()).slice(-STDERR_TAIL_CHARS);
      if (run.readyAt === null && !run.stopRequested) {
        const banner = READY_BANNER.exec(run.stderrTail);
        if (banner) this.onReady(run, banner[1]);
      }
    });
    child.on('error', (error) => {
      // Only a failed spawn gets no 'exit' (no pid); other errors (a failed kill) come with one.
      if (child.pid === undefined) {
        this.clearRunTimers(run);
        this.run = null;
        this.fail('spawn-failed', `Cannot launch the PiCloud server (${command}): ${error.message}`);
        run.finish();
      }
    });
    child.once('exit', (exitCode, signal) => {
      this.onExit(run, exitCode, signal).catch((error: Error) => {
        this.fail('crashed', `Supervising the PiCloud server failed: ${error.message}`);
        run.finish();
      });
    });
    run.startTimer = setTimeout(() => {
      run.timedOut = true;
      this.terminate(run);
    }, this.startTimeoutMs);
    this.setState({ kind: 'starting', pid: child.pid ?? null });
  }

  private onReady(run: Run, bannerUrl: string): void {
    run.readyAt = Date.now();
    this.clearRunTimers(run);
    this.failedStarts = 0;
    const runtime = readRuntimeInfo(this.options.dataDir, run.child.pid ?? -1);
    const state = {
      kind: 'running',
      pid: run.child.pid ?? -1,
      url: runtime?.panelUrl ?? bannerUrl,
      endpointsUrl: runtime?.localUrl ?? null,
      lanUrls: runtime?.lanUrls ?? [],
      caFingerprint: runtime?.caFingerprint ?? null,
      since: run.readyAt,
    } as const;
    this.setState(state);
    if (this.recovering) {
      this.recovering = false;
      this.emit('restarted', state);
    }
  }

  private terminate(run: Run): void {
    run.stopRequested = true;
    this.clearRunTimers(run);
    const pid = run.child.pid;
    if (pid === undefined) return; // never spawned: its 'error' handler finishes the run
    this.setState({ kind: 'stopping', pid });
    if (run.child.exitCode !== null || run.child.signalCode !== null) return; // exited; being handled
    run.child.kill('SIGTERM');
    const stopTimeoutMs = this.options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    run.killTimer = setTimeout(() => {
      this.log.write(`=== no exit ${stopTimeoutMs} ms after SIGTERM: SIGKILL ===\n`);
      run.child.kill('SIGKILL');
    }, stopTimeoutMs);
  }

  private async onExit(run: Run, exitCode: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const pid = run.child.pid;
    if (pid === undefined) return; // a failed spawn, handled by its 'error'
    this.clearRunTimers(run);
    this.log.write(
      `=== ${new Date().toISOString()} the PiCloud server ${signal ? `was killed by ${signal}` : `exited with code ${exitCode}`} ===\n`,
    );
    const leftovers = await stopServerLeftovers(pid, this.options.dataDir).catch((error: Error) => {
      this.log.write(`=== could not stop what the server left running: ${error.message} ===\n`);
      return [];
    });
    if (leftovers.length > 0) this.log.write(`=== stopped leftover processes ${leftovers.join(', ')} ===\n`);
    // A stop may have come in while the leftovers were stopped.
    this.clearRunTimers(run);
    this.run = null;
    if (run.stopRequested) {
      if (run.timedOut) {
        const ms = this.startTimeoutMs;
        const limit = ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
        this.fail('start-timeout', `The PiCloud server was not ready within ${limit}; see ${this.logFile}`);
      } else {
        this.setState({ kind: 'stopped' });
      }
      run.finish();
      return;
    }
    const exit = classifyExit({
      wasReady: run.readyAt !== null,
      exitCode,
      signal,
      stderrTail: run.stderrTail,
    });
    if (exit.permanent) {
      this.fail(exit.failure, exit.message, exit.code);
    } else if (run.readyAt === null) {
      this.failedStarts += 1;
      const attempts = this.options.maxStartAttempts ?? 3;
      if (this.failedStarts >= attempts) {
        this.fail(exit.failure, `${exit.message} (tried ${attempts} times; see ${this.logFile})`, exit.code);
      } else {
        this.scheduleRestart(exit.message, this.failedStarts);
      }
    } else {
      this.crashes = failuresAfter(this.backoff, this.crashes, Date.now() - run.readyAt);
      const maxCrashes = this.options.maxCrashes ?? 10;
      if (this.crashes > maxCrashes) {
        this.fail(
          'crashed',
          `The PiCloud server crashed ${this.crashes} times in a row; see ${this.logFile}`,
        );
      } else {
        this.recovering = true;
        const restartInMs = this.scheduleRestart(exit.message, this.crashes);
        this.emit('crashed', { message: exit.message, failures: this.crashes, restartInMs });
      }
    }
    run.finish();
  }

  private scheduleRestart(reason: string, failures: number): number {
    const delayMs = backoffDelay(this.backoff, failures);
    this.log.write(`=== restarting in ${delayMs} ms ===\n`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.spawnRun();
    }, delayMs);
    this.setState({ kind: 'restarting', reason, delayMs, failures, at: Date.now() + delayMs });
    return delayMs;
  }

  private clearRestartTimer(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
  }

  private clearRunTimers(run: Run): void {
    if (run.startTimer) clearTimeout(run.startTimer);
    if (run.killTimer) clearTimeout(run.killTimer);
    run.startTimer = null;
    run.killTimer = null;
  }
}

/** The server's runtime.json (server/appliance/runtime-file.ts) if it belongs to `pid`. */
function readRuntimeInfo(
  dataDir: string,
  pid: number,
): { panelUrl: string; localUrl: string; lanUrls: string[]; caFingerprint: string | null } | null {
  try {
    const info = JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')) as {
      pid?: unknown;
      panelUrl?: unknown;
      localUrl?: unknown;
      lanUrls?: unknown;
      caFingerprint?: unknown;
    };
    if (
      info.pid !== pid ||
      typeof info.panelUrl !== 'string' ||
      typeof info.localUrl !== 'string' ||
      !Array.isArray(info.lanUrls)
    )
      return null;
    return {
      panelUrl: info.panelUrl,
      localUrl: info.localUrl,
      lanUrls: info.lanUrls.filter((url) => typeof url === 'string'),
      caFingerprint: typeof info.caFingerprint === 'string' ? info.caFingerprint : null,
    };
  } catch {
    return null;
  }
}
