/**
 * Every setting PiCloud reads, declared once: its environment variable, its key in the config file,
 * its default and how a raw value is checked. docs/configuration.md documents this table; a test keeps
 * the two in step.
 */
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { parseCronSchedule } from '../manager/triggers/cron-schedule.js';

/** Log levels understood by pino. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The resolved configuration of one PiCloud process. */
export interface Config {
  /** HTTP port of the apps' endpoints (0 picks a free port). */
  port: number;
  /**
   * HTTP port of the control panel and its API — a separate origin, so no script response is ever
   * same-origin with the panel (0 picks a free port). Defaults to `port + 1`, or 0 when `port` is 0.
   */
  panelPort: number;
  /** HTTPS port of the apps' endpoints (0 picks a free port). Defaults to 8443, or 0 when `port` is 0. */
  httpsPort: number;
  /** HTTPS port of the panel — again an origin of its own. Defaults to `httpsPort + 1`, or 0 when that is 0. */
  panelHttpsPort: number;
  /**
   * HTTPS port of the cluster's wire protocol (`/wire/v1`, mutual TLS between nodes). Defaults to
   * 8445, or 0 (a free port) when `port` is 0.
   */
  clusterPort: number;
  /** Bind address; all interfaces by default so devices on the LAN can reach the endpoints. */
  host: string;
  /** Folder holding the embedded database, its password, logs and runtime state. */
  dataDir: string;
  /** An external PostgreSQL to use instead of the embedded one, or null for the embedded server. */
  databaseUrl: string | null;
  /** Port of the embedded PostgreSQL on 127.0.0.1 (0 picks a free port at each start). */
  postgresPort: number;
  /** Minimum level of the structured (JSON) log. */
  logLevel: LogLevel;
  /** How long a graceful shutdown may take before in-flight requests are cut, in milliseconds. */
  shutdownTimeoutMs: number;
  /** Script worker threads. */
  executorWorkers: number;
  /** V8 heap limit of each script worker, in MiB. */
  workerMemoryMb: number;
  /** Rhai operations one script run may use. */
  scriptMaxOperations: number;
  /** Wall-clock budget of one script run, in milliseconds. */
  scriptTimeoutMs: number;
  /** Largest response body a script may produce, in bytes. */
  scriptMaxResponseBytes: number;
  /** Compiled modules each script worker keeps for `import` (least recently used evicted first). */
  moduleCacheSize: number;
  /** Largest KV value (its JSON text), in bytes. */
  kvMaxValueBytes: number;
  /** Execution logs kept at most (oldest deleted first). */
  logRetentionCount: number;
  /** Execution logs kept at most this many days. */
  logRetentionDays: number;
  /** Largest request body, in bytes. */
  bodyLimitBytes: number;
  /** Largest request head (request line and headers), in bytes. */
  headerLimitBytes: number;
  /** Requests per minute one client address may make to the apps' endpoints (0: no limit). */
  publicRateLimit: number;
  /** Proxies whose X-Forwarded-For/-Proto are believed: addresses, CIDRs, `loopback`, or `none`. */
  trustProxy: string | false;
  /** A browser session unused this many hours ends. */
  sessionIdleHours: number;
  /** A browser session ends this many days after sign-in. */
  sessionMaxDays: number;
  /** Audit-log entries kept this many days. */
  auditRetentionDays: number;
  /** Longest outbound HTTP request of a script (also its default timeout), in milliseconds. */
  outboundTimeoutMs: number;
  /** Largest response body an outbound HTTP request may read, in bytes. */
  outboundMaxResponseBytes: number;
  /** Folder of the backups, or null for `backups/` in the data folder. */
  backupDir: string | null;
  /** When scheduled backups run (a cron expression in the machine's time zone), or null for never. */
  backupSchedule: string | null;
  /** Scheduled backups kept; older ones are deleted after each new one. */
  backupKeep: number;
  /** Free space (MiB) a backup must leave on its file system, or it is refused. */
  backupMinFreeMb: number;
  /** Largest backup archive (MiB) a restore or an upload accepts. */
  backupMaxMb: number;
  /** A file holding the passphrase that seals the secret files into scheduled backups, or null. */
  backupPassphraseFile: string | null;
  /** Answer for `<host name>.local` and the apps' `.local` names, and announce PiCloud, over mDNS. */
  mdns: boolean;
}

/** Thrown when a setting has an invalid value; the message names the setting. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** How one setting is read and checked. `parse` throws a plain message, which the loader prefixes. */
export interface SettingSpec<K extends keyof Config> {
  /** Environment variable. */
  env: string;
  /** Key in the config file. */
  fileKey: K;
  /** One line for the docs. */
  description: string;
  /** Turns a raw value (string from the environment, JSON value from the file) into the setting. */
  parse(raw: unknown): Config[K];
}

function integerIn(min: number, max: number) {
  return (raw: unknown): number => {
    const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
      throw new Error(`must be an integer from ${min} to ${max}`);
    }
    return Number(text);
  };
}

function nonEmptyString(raw: unknown): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw new Error('must be a non-empty string');
  return raw.trim();
}

const HOST_PATTERN = /^(?:[0-9.]+|[0-9a-fA-F:]+|[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?)$/;

/** The settings table, in documentation order. */
export const SETTINGS: { [K in keyof Config]: SettingSpec<K> } = {
  port: {
    env: 'PICLOUD_PORT',
    fileKey: 'port',
    description: "HTTP port of the apps' endpoints (default 8080; 0 picks a free port).",
    parse: integerIn(0, 65535),
  },
  panelPort: {
    env: 'PICLOUD_PANEL_PORT',
    fileKey: 'panelPort',
    description:
      'HTTP port of the control panel and its API (default: PICLOUD_PORT + 1, i.e. 8081; a free port when PICLOUD_PORT is 0).',
    parse: integerIn(0, 65535),
  },
  httpsPort: {
    env: 'PICLOUD_HTTPS_PORT',
    fileKey: 'httpsPort',
    description:
      "HTTPS port of the apps' endpoints, with the appliance CA's certificate (default 8443; a free port when PICLOUD_PORT is 0).",
    parse: integerIn(0, 65535),
  },
  panelHttpsPort: {
    env: 'PICLOUD_PANEL_HTTPS_PORT',
    fileKey: 'panelHttpsPort',
    description:
      'HTTPS port of the control panel and its API (default: PICLOUD_HTTPS_PORT + 1, i.e. 8444; a free port when PICLOUD_HTTPS_PORT is 0).',
    parse: integerIn(0, 65535),
  },
  clusterPort: {
    env: 'PICLOUD_CLUSTER_PORT',
    fileKey: 'clusterPort',
    description:
      'HTTPS port nodes of a cluster talk on (wire protocol, mutual TLS; default 8445, a free port when PICLOUD_PORT is 0).',
    parse: integerIn(0, 65535),
  },
  host: {
    env: 'PICLOUD_HOST',
    fileKey: 'host',
    description:
      'Bind address (default 0.0.0.0: every interface, so the LAN can reach it; 127.0.0.1 for this machine only).',
    parse(raw) {
      const host = nonEmptyString(raw);
      if (!HOST_PATTERN.test(host)) throw new Error('must be an IP address or a host name');
      return host;
    },
  },
  dataDir: {
    env: 'PICLOUD_DATA_DIR',
    fileKey: 'dataDir',
    description:
      'Data folder (default: $XDG_DATA_HOME/picloud on Linux, /var/lib/picloud as root, the app-data folder on macOS and Windows).',
    parse(raw) {
      const dir = nonEmptyString(raw);
      return isAbsolute(dir) ? dir : resolve(dir);
    },
  },
  databaseUrl: {
    env: 'PICLOUD_DATABASE_URL',
    fileKey: 'databaseUrl',
    description:
      'Use this external PostgreSQL (postgres://user:password@host:port/db) instead of the embedded one.',
    parse(raw) {
      const text = nonEmptyString(raw);
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        throw new Error('must be a URL like postgres://user:password@host:5432/database');
      }
      if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
        throw new Error('must start with postgres:// or postgresql://');
      }
      return text;
    },
  },
  postgresPort: {
    env: 'PICLOUD_POSTGRES_PORT',
    fileKey: 'postgresPort',
    description: 'Port of the embedded PostgreSQL on 127.0.0.1 (default 0: a free port at each start).',
    parse: integerIn(0, 65535),
  },
  logLevel: {
    env: 'PICLOUD_LOG_LEVEL',
    fileKey: 'logLevel',
    description: `Log level: ${LOG_LEVELS.join(', ')} (default info).`,
    parse(raw) {
      const level = nonEmptyString(raw).toLowerCase();
      if (!(LOG_LEVELS as readonly string[]).includes(level))
        throw new Error(`must be one of ${LOG_LEVELS.join(', ')}`);
      return level as LogLevel;
    },
  },
  shutdownTimeoutMs: {
    env: 'PICLOUD_SHUTDOWN_TIMEOUT_MS',
    fileKey: 'shutdownTimeoutMs',
    description: 'Longest graceful shutdown in milliseconds before open requests are cut (default 10000).',
    parse: integerIn(100, 600_000),
  },
  executorWorkers: {
    env: 'PICLOUD_EXECUTOR_WORKERS',
    fileKey: 'executorWorkers',
    description: 'Script worker threads (default: one per CPU core, at least 2).',
    parse: integerIn(1, 256),
  },
  workerMemoryMb: {
    env: 'PICLOUD_WORKER_MEMORY_MB',
    fileKey: 'workerMemoryMb',
    description:
      'Heap limit of each script worker in MiB (default 128); a script that needs more fails alone.',
    parse: integerIn(16, 16_384),
  },
  scriptMaxOperations: {
    env: 'PICLOUD_SCRIPT_MAX_OPERATIONS',
    fileKey: 'scriptMaxOperations',
    description: 'Rhai operations one script run may use (default 5000000).',
    parse: integerIn(1_000, 1_000_000_000),
  },
  scriptTimeoutMs: {
    env: 'PICLOUD_SCRIPT_TIMEOUT_MS',
    fileKey: 'scriptTimeoutMs',
    description: 'Wall-clock budget of one script run in milliseconds (default 5000).',
    parse: integerIn(10, 600_000),
  },
  scriptMaxResponseBytes: {
    env: 'PICLOUD_SCRIPT_MAX_RESPONSE_BYTES',
    fileKey: 'scriptMaxResponseBytes',
    description: 'Largest response body a script may produce, in bytes (default 4194304).',
    parse: integerIn(1_024, 1_073_741_824),
  },
  moduleCacheSize: {
    env: 'PICLOUD_MODULE_CACHE_SIZE',
    fileKey: 'moduleCacheSize',
    description:
      'Compiled modules each script worker keeps for import, least recently used evicted first (default 256).',
    parse: integerIn(1, 100_000),
  },
  kvMaxValueBytes: {
    env: 'PICLOUD_KV_MAX_VALUE_BYTES',
    fileKey: 'kvMaxValueBytes',
    description:
      'Largest value a script may store in the KV store (its JSON text), in bytes (default 65536).',
    parse: integerIn(16, 16_777_216),
  },
  logRetentionCount: {
    env: 'PICLOUD_LOG_RETENTION_COUNT',
    fileKey: 'logRetentionCount',
    description: 'Execution logs kept at most; the oldest go first (default 100000).',
    parse: integerIn(100, 100_000_000),
  },
  logRetentionDays: {
    env: 'PICLOUD_LOG_RETENTION_DAYS',
    fileKey: 'logRetentionDays',
    description: 'Execution logs kept at most this many days (default 14).',
    parse: integerIn(1, 3_650),
  },
  bodyLimitBytes: {
    env: 'PICLOUD_BODY_LIMIT_BYTES',
    fileKey: 'bodyLimitBytes',
    description: 'Largest request body in bytes; larger ones get 413 (default 1048576).',
    parse: integerIn(1_024, 1_073_741_824),
  },
  headerLimitBytes: {
    env: 'PICLOUD_HEADER_LIMIT_BYTES',
    fileKey: 'headerLimitBytes',
    description: 'Largest request line plus headers in bytes; larger ones get 431 (default 16384).',
    parse: integerIn(1_024, 1_048_576),
  },
  publicRateLimit: {
    env: 'PICLOUD_PUBLIC_RATE_LIMIT',
    fileKey: 'publicRateLimit',
    description:
      "Requests per minute one client address may make to the apps' endpoints; more get 429 (default 6000; 0 turns the limit off).",
    parse: integerIn(0, 100_000_000),
  },
  trustProxy: {
    env: 'PICLOUD_TRUST_PROXY',
    fileKey: 'trustProxy',
    description:
      'Reverse proxies whose X-Forwarded-For/-Proto headers are believed: comma-separated addresses or CIDRs, loopback (default: the bundled Caddy on this machine) or none.',
    parse(raw) {
      const text = nonEmptyString(raw);
      if (text === 'none') return false;
      for (const part of text.split(',').map((p) => p.trim())) {
        const [address, bits] = part.split('/');
        const named = ['loopback', 'linklocal', 'uniquelocal'].includes(part);
        if (!named && (isIP(address) === 0 || (bits !== undefined && !/^\d{1,3}$/.test(bits)))) {
          throw new Error('must be none, loopback, or comma-separated IP addresses or CIDRs');
        }
      }
      return text;
    },
  },
  sessionIdleHours: {
    env: 'PICLOUD_SESSION_IDLE_HOURS',
    fileKey: 'sessionIdleHours',
    description: 'A panel session unused this many hours ends (default 168: a week).',
    parse: integerIn(1, 8_760),
  },
  sessionMaxDays: {
    env: 'PICLOUD_SESSION_MAX_DAYS',
    fileKey: 'sessionMaxDays',
    description: 'A panel session ends this many days after sign-in, used or not (default 30).',
    parse: integerIn(1, 365),
  },
  auditRetentionDays: {
    env: 'PICLOUD_AUDIT_RETENTION_DAYS',
    fileKey: 'auditRetentionDays',
    description: 'Audit-log entries are kept this many days (default 365).',
    parse: integerIn(1, 36_500),
  },
  outboundTimeoutMs: {
    env: 'PICLOUD_OUTBOUND_TIMEOUT_MS',
    fileKey: 'outboundTimeoutMs',
    description:
      "Longest outbound HTTP request of a script, in milliseconds, and its default timeout (default 10000); the run's own deadline may cut it shorter.",
    parse: integerIn(100, 600_000),
  },
  outboundMaxResponseBytes: {
    env: 'PICLOUD_OUTBOUND_MAX_RESPONSE_BYTES',
    fileKey: 'outboundMaxResponseBytes',
    description: 'Largest response body a script may read with http::request, in bytes (default 1048576).',
    parse: integerIn(1_024, 67_108_864),
  },
  backupDir: {
    env: 'PICLOUD_BACKUP_DIR',
    fileKey: 'backupDir',
    description: 'Folder of the backups (default: backups/ in the data folder).',
    parse: absolutePath,
  },
  backupSchedule: {
    env: 'PICLOUD_BACKUP_SCHEDULE',
    fileKey: 'backupSchedule',
    description:
      "When scheduled backups run: a cron expression in the machine's time zone (default 0 3 * * *: daily at 03:00), or off.",
    parse(raw) {
      const text = nonEmptyString(raw);
      if (text === 'off') return null;
      const schedule = parseCronSchedule(text, localTimeZone());
      if ('error' in schedule) throw new Error(`${schedule.error}, or off`);
      return schedule.expression;
    },
  },
  backupKeep: {
    env: 'PICLOUD_BACKUP_KEEP',
    fileKey: 'backupKeep',
    description: 'Scheduled backups kept; the oldest are deleted after each new one (default 7).',
    parse: integerIn(1, 1_000),
  },
  backupMinFreeMb: {
    env: 'PICLOUD_BACKUP_MIN_FREE_MB',
    fileKey: 'backupMinFreeMb',
    description:
      'Free space in MiB a backup must leave on its file system; below it the backup is refused and a warning logged (default 1024).',
    parse: integerIn(0, 10_000_000),
  },
  backupMaxMb: {
    env: 'PICLOUD_BACKUP_MAX_MB',
    fileKey: 'backupMaxMb',
    description:
      'Largest backup archive in MiB that a restore or an upload accepts; it may unpack to four times that (default 2048).',
    parse: integerIn(1, 1_000_000),
  },
  backupPassphraseFile: {
    env: 'PICLOUD_BACKUP_PASSPHRASE_FILE',
    fileKey: 'backupPassphraseFile',
    description:
      'A file holding the passphrase that seals secrets.key into scheduled backups (default none: scheduled backups leave the secret files out).',
    parse: absolutePath,
  },
  mdns: {
    env: 'PICLOUD_MDNS',
    fileKey: 'mdns',
    description:
      "Answer for `<host name>.local` and the apps' `.local` names, and announce the appliance, over mDNS: `on` (default) or `off`. Off anyway when PICLOUD_HOST is a loopback address.",
    parse(raw) {
      if (raw === true || raw === false) return raw;
      const text = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
      if (text === 'on' || text === 'true') return true;
      if (text === 'off' || text === 'false') return false;
      throw new Error('must be on or off');
    },
  },
};

/** An absolute path (a relative one is resolved against the working folder). */
function absolutePath(raw: unknown): string {
  const path = nonEmptyString(raw);
  return isAbsolute(path) ? path : resolve(path);
}

/** The machine's time zone: scheduled backups read their cron expression in it. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The environment variable that points at the optional config file. */
export const CONFIG_FILE_ENV = 'PICLOUD_CONFIG';
