/**
 * Supervises the embedded PostgreSQL: initdb on first run, start and stop with the server, recovery
 * from an unclean stop, and restart with back-off when it dies underneath us. A state machine in the
 * spirit of a service manager: stopped → starting → started → stopping → stopped, with `error` when a
 * start fails.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { StartupError } from '../errors/startup-error.js';
import { stopLeftoverPostgres } from './leftover-processes.js';
import { locatePostgresBinaries, type PostgresBinaries } from './postgres-binaries.js';
import { firstUnreachableAncestor, postgresRunAs, type RunAs } from './system-user.js';

/** Lifecycle states of the embedded server. */
export type PostgresState = 'stopped' | 'starting' | 'started' | 'stopping' | 'error';

/** Where and how the embedded server runs. */
export interface EmbeddedPostgresOptions {
  /** PiCloud's data folder; the cluster lives in `<dataDir>/postgres`. */
  dataDir: string;
  /** TCP port on 127.0.0.1, or 0 to pick a free one at each start. */
  port: number;
  /** Receives log lines (PostgreSQL's own output goes to `<dataDir>/logs/postgres.log`). */
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Longest wait for readiness, crash recovery included (default 60 s). */
  startTimeoutMs?: number;
  /** Restart after an unexpected exit (default true). */
  restartOnCrash?: boolean;
  /** Opens the server to a cluster's members (the primary's); null or absent: loopback only. */
  network?: PostgresNetwork | null;
}

/**
 * How a cluster's primary opens its PostgreSQL to the LAN (built by `server/cluster/`): TLS with a
 * certificate from the cluster CA, client certificates checked against that CA, and the
 * `pg_hba.conf` lines that admit members.
 */
export interface PostgresNetwork {
  /** `listen_addresses` besides 127.0.0.1, e.g. `['*']`. */
  listenAddresses: string[];
  /** PEM: the server's certificate (chain), its key, and the CA that client certificates must chain to. */
  tls: { cert: string; key: string; ca: string };
  /** `pg_hba.conf` lines after the loopback ones (first match wins; nothing else is admitted). */
  hba: string[];
}

/** The database, role and file names inside the data folder. */
export const DATABASE_NAME = 'picloud';
export const ROLE_NAME = 'picloud';
export const PASSWORD_FILE = 'postgres.password';
/** Loopback, password-authenticated: PiCloud's own connections (and a primary's). */
const LOOPBACK_HBA = ['host all all 127.0.0.1/32 scram-sha-256', 'host all all ::1/128 scram-sha-256'];
const LOG_FILE_MAX_BYTES = 10 * 1024 * 1024;
const READY_LINE = 'database system is ready to accept connections';
/** Back-off after unexpected exits, in milliseconds; the last value repeats. */
const RESTART_BACKOFF_MS = [500, 1_000, 2_000, 5_000, 10_000, 30_000];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Reads the per-install password, creating it (random, mode 0600) on first run. */
function ensurePassword(dataDir: string): string {
  const file = join(dataDir, PASSWORD_FILE);
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    return readFileSync(file, 'utf8').trim();
  }
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/**
 * The embedded PostgreSQL of one data folder.
 * @example
 * const db = new EmbeddedPostgres({ dataDir, port: 0 });
 * const url = await db.start(); // postgres://picloud:…@127.0.0.1:port/picloud
 * await db.stop();
 */
export class EmbeddedPostgres {
  private stateValue: PostgresState = 'stopped';
  private child: ChildProcess | null = null;
  private startPromise: Promise<string> | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private restartAttempt = 0;
  private portInUse = 0;
  private password = '';
  private runAs: RunAs | null = null;
  private readonly clusterDir: string;
  private readonly options: Required<Omit<EmbeddedPostgresOptions, 'log' | 'network'>> &
    Pick<EmbeddedPostgresOptions, 'log' | 'network'>;

  constructor(options: EmbeddedPostgresOptions) {
    this.options = { startTimeoutMs: 60_000, restartOnCrash: true, ...options };
    this.clusterDir = join(options.dataDir, 'postgres');
  }

  /** Current lifecycle state. */
  get state(): PostgresState {
    return this.stateValue;
  }

  /** Pid of the running postmaster, if any. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The port the server listens on (0 before the first start). */
  get port(): number {
    return this.portInUse;
  }

  /**
   * Opens the server to the LAN (or closes it, with null) and restarts it, on the same port: the
   * listening addresses need a restart. Connections drop once; pools and LISTENers reconnect.
   */
  async reconfigure(network: PostgresNetwork | null): Promise<void> {
    this.options.network = network;
    await this.stop();
    await this.start();
  }

  /** The connection string of the running server. */
  get connectionString(): string {
    const password = encodeURIComponent(this.password);
    return `postgres://${ROLE_NAME}:${password}@127.0.0.1:${this.portInUse}/${DATABASE_NAME}`;
  }

  /**
   * Starts the server (initialising the cluster on first run) and resolves with its connection string.
   * Concurrent calls share one start.
   */
  start(): Promise<string> {
    if (this.stateValue === 'started') return Promise.resolve(this.connectionString);
    if (!this.startPromise) {
      this.startPromise = this.doStart().finally(() => {
        this.startPromise = null;
      });
    }
    return this.startPromise;
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.options.log?.(level, message);
  }

  private async doStart(): Promise<string> {
    this.stateValue = 'starting';
    try {
      const binaries = await locatePostgresBinaries();
      this.prepareDirectories();
      this.password = ensurePassword(this.options.dataDir);
      if (!existsSync(join(this.clusterDir, 'PG_VERSION'))) await this.initdb(binaries);
      const leftovers = await stopLeftoverPostgres(this.clusterDir);
      if (leftovers.stopped.length > 0) {
        this.log('warn', `stopped ${leftovers.stopped.length} process(es) left by a previous PostgreSQL`);
      }
      if (leftovers.removedStaleLock) this.log('warn', 'removed a stale postmaster.pid');
      // A restart keeps its port: the pool's connection string stays valid.
      this.portInUse = this.options.port || this.portInUse || (await freePort());
      this.writeAccessFiles();
      await this.launch(binaries);
      await this.ensureDatabase();
      this.stateValue = 'started';
      this.restartAttempt = 0;
      return this.connectionString;
    } catch (error) {
      this.stateValue = 'error';
      this.child?.kill('SIGKILL');
      this.child = null;
      throw error;
    }
  }

  /** Creates the data folder layout with modes that keep the password and cluster private. */
  private prepareDirectories(): void {
    const { dataDir } = this.options;
    this.runAs = postgresRunAs();
    if (this.runAs) {
      const blocked = firstUnreachableAncestor(dataDir, this.runAs);
      if (blocked) {
        throw new StartupError(
          `PICLOUD_DATA_DIR=${dataDir}: PostgreSQL runs as user "${this.runAs.name}" (PiCloud runs as root) and cannot enter ${blocked}. Choose a folder it can reach, such as /var/lib/picloud.`,
        );
      }
    }
    try {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      // The PostgreSQL user must be able to pass through (not list) the data folder.
      if (this.runAs) chmodSync(dataDir, 0o711);
      mkdirSync(join(dataDir, 'logs'), { recursive: true, mode: 0o700 });
      mkdirSync(this.clusterDir, { recursive: true, mode: 0o700 });
      if (this.runAs) chownSync(this.clusterDir, this.runAs.uid, this.runAs.gid);
      chmodSync(this.clusterDir, 0o700);
    } catch (error) {
      throw new StartupError(`PICLOUD_DATA_DIR=${dataDir} is not writable: ${(error as Error).message}`);
    }
  }

  /**
   * Rewrites `pg_hba.conf` at each start (PiCloud owns it: loopback by password, then the cluster's
   * lines) and, for a primary, the TLS files, owned by the user PostgreSQL runs as (it refuses a key
   * others may read).
   */
  private writeAccessFiles(): void {
    const network = this.options.network;
    const write = (name: string, content: string) => {
      const file = join(this.clusterDir, name);
      writeFileSync(file, content, { mode: 0o600 });
      chmodSync(file, 0o600);
      if (this.runAs) chownSync(file, this.runAs.uid, this.runAs.gid);
    };
    const header = '# Written by PiCloud at each start; changes here are lost.';
    write('pg_hba.conf', `${[header, ...LOOPBACK_HBA, ...(network?.hba ?? [])].join('\n')}\n`);
    if (network) {
      write('server.crt', network.tls.cert);
      write('server.key', network.tls.key);
      write('cluster-ca.crt', network.tls.ca);
    }
  }

  /** `-c` settings that open the server to a cluster (none for a loopback-only server). */
  private networkSettings(): string[] {
    const network = this.options.network;
    if (!network) return ['-c', 'listen_addresses=127.0.0.1'];
    // `*` covers loopback too (naming 127.0.0.1 beside it would bind it twice).
    const addresses = network.listenAddresses.includes('*')
      ? ['*']
      : ['127.0.0.1', ...network.listenAddresses];
    return [
      '-c',
      `listen_addresses=${addresses.join(',')}`,
      '-c',
      'ssl=on',
      '-c',
      'ssl_cert_file=server.crt',
      '-c',
      'ssl_key_file=server.key',
      '-c',
      'ssl_ca_file=cluster-ca.crt',
      '-c',
      'ssl_min_protocol_version=TLSv1.3',
    ];
  }

  private spawnOptions() {
    return {
      ...(this.runAs ? { uid: this.runAs.uid, gid: this.runAs.gid } : {}),
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
    };
  }

  private async initdb(binaries: PostgresBinaries): Promise<void> {
    this.log('info', `initialising PostgreSQL in ${this.clusterDir}`);
    // initdb reads the superuser password from a file; it must be readable by the user initdb runs as.
    const pwfile = join(this.options.dataDir, `.initdb-${randomBytes(6).toString('hex')}`);
    writeFileSync(pwfile, `${this.password}\n`, { mode: 0o600 });
    if (this.runAs) chownSync(pwfile, this.runAs.uid, this.runAs.gid);
    try {
      const args = [
        `--pgdata=${this.clusterDir}`,
        `--username=${ROLE_NAME}`,
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-instructions',
      ];
      await new Promise<void>((resolve, reject) => {
        const child = spawn(binaries.initdb, args, {
          ...this.spawnOptions(),
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
        });
        child.stderr.on('data', (chunk: Buffer) => {
          output += chunk.toString();
        });
        child.on('error', reject);
        child.on('close', (code) =>
          code === 0
            ? resolve()
            : reject(new Error(`initdb failed (exit ${code}): ${output.trim().slice(-2000)}`)),
        );
      });
    } catch (error) {
      // A half-initialised cluster would block the next attempt: start from scratch next time.
      rmSync(this.clusterDir, { recursive: true, force: true });
      throw error;
    } finally {
      rmSync(pwfile, { force: true });
    }
  }

  private openLogStream() {
    const file = join(this.options.dataDir, 'logs', 'postgres.log');
    try {
      if (statSync(file).size > LOG_FILE_MAX_BYTES) renameSync(file, `${file}.1`);
    } catch {
      // No log yet.
    }
    return createWriteStream(file, { flags: 'a', mode: 0o600 });
  }

  private launch(binaries: PostgresBinaries): Promise<void> {
    const args = [
      '-D',
      this.clusterDir,
      '-p',
      String(this.portInUse),
      ...this.networkSettings(),
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=40',
      '-c',
      'shared_buffers=32MB',
      '-c',
      'jit=off',
      '-c',
      'lc_messages=C',
      '-c',
      'log_destination=stderr',
      '-c',
      'logging_collector=off',
    ];
    const logStream = this.openLogStream();
    // A full disk or a removed log folder must not take the appliance down with PostgreSQL's log.
    logStream.on('error', (error) => this.log('warn', `cannot write logs/postgres.log: ${error.message}`));
    // detached: a Ctrl+C in the terminal must not reach PostgreSQL directly; we stop it ourselves after
    // draining requests.
    const child = spawn(binaries.postgres, args, {
      ...this.spawnOptions(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    // Output can still arrive after 'exit' (pipes drain later): end the log only on 'close'.
    child.on('close', () => logStream.end());
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      let recent = '';
      const timer = setTimeout(() => {
        if (!ready) {
          child.kill('SIGKILL');
          reject(
            new Error(`PostgreSQL did not become ready within ${this.options.startTimeoutMs} ms: ${recent}`),
          );
        }
      }, this.options.startTimeoutMs);
      const onOutput = (chunk: Buffer) => {
        const text = chunk.toString();
        if (!logStream.writableEnded) logStream.write(text);
        if (!ready) {
          recent = (recent + text).slice(-2000);
          if (recent.includes(READY_LINE)) {
            ready = true;
            clearTimeout(timer);
            resolve();
          }
        }
      };
      child.stdout?.on('data', onOutput);
      child.stderr?.on('data', onOutput);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (!ready) {
          reject(
            new Error(`PostgreSQL exited during start-up (code ${code}, signal ${signal}): ${recent.trim()}`),
          );
          return;
        }
        this.onExit(child, code, signal);
      });
    });
  }

  /** Creates the PiCloud database on first start. */
  private async ensureDatabase(): Promise<void> {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: this.portInUse,
      user: ROLE_NAME,
      password: this.password,
      database: 'postgres',
    });
    // PostgreSQL dying now must fail this start-up step, not crash the process: the query rejects.
    client.on('error', () => undefined);
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
        DATABASE_NAME,
      ]);
      if (!rowCount) await client.query(`CREATE DATABASE ${DATABASE_NAME}`);
    } finally {
      await client.end();
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = null;
    if (this.stateValue === 'stopping') return;
    this.stateValue = 'error';
    this.log('error', `PostgreSQL exited unexpectedly (code ${code}, signal ${signal})`);
    if (!this.options.restartOnCrash) return;
    const delay = RESTART_BACKOFF_MS[Math.min(this.restartAttempt, RESTART_BACKOFF_MS.length - 1)];
    this.restartAttempt += 1;
    this.log('warn', `restarting PostgreSQL in ${delay} ms (attempt ${this.restartAttempt})`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.start().then(
        () => this.log('info', 'PostgreSQL restarted'),
        (error: Error) => this.log('error', `PostgreSQL restart failed: ${error.message}`),
      );
    }, delay);
  }

  /** Stops the server cleanly (fast shutdown: open transactions roll back, committed data is flushed). */
  async stop(): Promise<void> {
    if (this.restartTimer) {
      clearTimeout(this.restartTimer);
      this.restartTimer = null;
    }
    if (this.startPromise) await this.startPromise.catch(() => undefined);
    const child = this.child;
    if (!child || child.exitCode !== null) {
      this.stateValue = 'stopped';
      this.child = null;
      return;
    }
    this.stateValue = 'stopping';
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGINT');
    const escalate = setTimeout(() => child.kill('SIGQUIT'), 30_000);
    await exited;
    clearTimeout(escalate);
    this.child = null;
    this.stateValue = 'stopped';
  }
}
