/**
 * Builds the {@link Config} of a process from, in order of precedence: environment variables, the
 * optional JSON config file, and defaults. Any invalid value stops start-up with a message that names
 * the setting and where it came from.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { defaultConfigFile, defaultDataDir } from './platform-dirs.js';
import { CONFIG_FILE_ENV, type Config, ConfigError, SETTINGS } from './settings.js';

/** Default values for settings the user did not give. */
function defaults(): Config {
  return {
    port: 8080,
    // Derived from the port unless given (see panelPortFor).
    panelPort: 8081,
    // Derived from the ports unless given (see httpsPortsFor).
    httpsPort: 8443,
    panelHttpsPort: 8444,
    // 0 too when the endpoints' port is picked freely (see loadConfig).
    clusterPort: 8445,
    host: '0.0.0.0',
    dataDir: defaultDataDir(),
    databaseUrl: null,
    postgresPort: 0,
    logLevel: 'info',
    shutdownTimeoutMs: 10_000,
    // At least two, even on one core: with a single worker one runaway script would stall every other.
    executorWorkers: Math.max(2, availableParallelism()),
    workerMemoryMb: 128,
    scriptMaxOperations: 5_000_000,
    scriptTimeoutMs: 5_000,
    scriptMaxResponseBytes: 4 * 1024 * 1024,
    moduleCacheSize: 256,
    kvMaxValueBytes: 64 * 1024,
    logRetentionCount: 100_000,
    logRetentionDays: 14,
    bodyLimitBytes: 1024 * 1024,
    headerLimitBytes: 16 * 1024,
    publicRateLimit: 6_000,
    // The bundled Caddy runs on this machine: believe what it says about the client, nobody else.
    trustProxy: 'loopback',
    sessionIdleHours: 168,
    sessionMaxDays: 30,
    auditRetentionDays: 365,
    outboundTimeoutMs: 10_000,
    outboundMaxResponseBytes: 1024 * 1024,
    backupDir: null,
    backupSchedule: '0 3 * * *',
    backupKeep: 7,
    backupMinFreeMb: 1024,
    backupMaxMb: 2048,
    backupPassphraseFile: null,
    mdns: true,
  };
}

/** Reads the config file, if any: an explicit PICLOUD_CONFIG must exist, the default location may not. */
function readConfigFile(env: NodeJS.ProcessEnv): { path: string; values: Record<string, unknown> } | null {
  const explicit = env[CONFIG_FILE_ENV];
  const path = explicit && explicit.trim() !== '' ? explicit : defaultConfigFile();
  if (!existsSync(path)) {
    if (explicit)
      throw new ConfigError(`Invalid setting ${CONFIG_FILE_ENV}='${explicit}': the file does not exist`);
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`Config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`Config file ${path} must hold a JSON object`);
  }
  return { path, values: parsed as Record<string, unknown> };
}

/**
 * Loads and validates the configuration.
 * @example loadConfig({ PICLOUD_PORT: '9000' }).port // 9000
 * @throws ConfigError naming the offending setting.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const config = defaults();
  const file = readConfigFile(env);
  const keys = Object.keys(SETTINGS) as (keyof Config)[];
  if (file) {
    for (const key of Object.keys(file.values)) {
      if (!keys.includes(key as keyof Config)) {
        throw new ConfigError(
          `Unknown setting "${key}" in config file ${file.path} (known: ${keys.join(', ')})`,
        );
      }
    }
  }
  const given = new Set<keyof Config>();
  for (const key of keys) {
    const spec = SETTINGS[key];
    const fromEnv = env[spec.env];
    const [raw, origin] =
      fromEnv !== undefined && fromEnv !== ''
        ? [fromEnv, `${spec.env}='${fromEnv}'`]
        : file && key in file.values
          ? [file.values[key], `"${key}" in config file ${file.path}`]
          : [undefined, ''];
    if (raw === undefined) continue;
    try {
      (config as unknown as Record<string, unknown>)[key] = spec.parse(raw);
    } catch (error) {
      throw new ConfigError(`Invalid setting ${origin}: ${(error as Error).message}`);
    }
    given.add(key);
  }
  if (!given.has('panelPort')) config.panelPort = panelPortFor(config.port);
  if (config.panelPort === config.port && config.port !== 0) {
    throw new ConfigError(
      `Invalid setting PICLOUD_PANEL_PORT=${config.panelPort}: the panel needs a port of its own, not PICLOUD_PORT's (${config.port})`,
    );
  }
  if (!given.has('httpsPort')) config.httpsPort = config.port === 0 ? 0 : 8443;
  if (!given.has('panelHttpsPort')) config.panelHttpsPort = panelPortFor(config.httpsPort);
  if (!given.has('clusterPort')) config.clusterPort = config.port === 0 ? 0 : 8445;
  const ports: [string, number][] = [
    ['PICLOUD_PORT', config.port],
    ['PICLOUD_PANEL_PORT', config.panelPort],
    ['PICLOUD_HTTPS_PORT', config.httpsPort],
    ['PICLOUD_PANEL_HTTPS_PORT', config.panelHttpsPort],
    ['PICLOUD_CLUSTER_PORT', config.clusterPort],
  ];
  for (const [i, [name, port]] of ports.entries()) {
    const clash = ports.slice(0, i).find(([, other]) => other === port && port !== 0);
    if (clash) {
      throw new ConfigError(
        `Invalid setting ${name}=${port}: ${clash[0]} already uses this port; each needs its own`,
      );
    }
  }
  return config;
}

/**
 * The panel's default port: the one after the endpoints' port (8080 → 8081), a free one when the
 * endpoints' port is picked freely (0), and the one before it at the very top of the range.
 */
export function panelPortFor(port: number): number {
  if (port === 0) return 0;
  return port === 65535 ? 65534 : port + 1;
}
