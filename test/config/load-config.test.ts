/**
 * Configuration: defaults, environment, config file, precedence, and a clear message naming the
 * setting for every kind of bad value.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config/load-config.js';
import { ConfigError } from '../../server/config/settings.js';

const scratch = mkdtempSync(join(tmpdir(), 'picloud-config-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** An environment with no user config file (the default location is redirected to an empty folder). */
function env(values: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PICLOUD_CONFIG: '', XDG_CONFIG_HOME: scratch, ...values };
}

function configFile(contents: string): string {
  const file = join(scratch, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, contents);
  return file;
}

describe('defaults', () => {
  it('listens on every interface, port 8080, embedded database', () => {
    const config = loadConfig(env());
    expect(config).toMatchObject({
      port: 8080,
      panelPort: 8081,
      clusterPort: 8445,
      host: '0.0.0.0',
      databaseUrl: null,
      postgresPort: 0,
      logLevel: 'info',
    });
    expect(config.dataDir).toMatch(/picloud$/);
  });
});

describe('environment variables', () => {
  it('reads every documented variable', () => {
    const config = loadConfig(
      env({
        PICLOUD_PORT: '9000',
        PICLOUD_HOST: '127.0.0.1',
        PICLOUD_DATA_DIR: '/srv/picloud',
        PICLOUD_DATABASE_URL: 'postgres://u:p@db.lan:5432/picloud',
        PICLOUD_POSTGRES_PORT: '5544',
        PICLOUD_LOG_LEVEL: 'DEBUG',
        PICLOUD_SHUTDOWN_TIMEOUT_MS: '2500',
      }),
    );
    expect(config).toMatchObject({
      port: 9000,
      host: '127.0.0.1',
      dataDir: '/srv/picloud',
      databaseUrl: 'postgres://u:p@db.lan:5432/picloud',
      postgresPort: 5544,
      logLevel: 'debug',
      shutdownTimeoutMs: 2500,
    });
  });

  it.each([
    ['PICLOUD_PORT', 'eighty', /PICLOUD_PORT='eighty': must be an integer from 0 to 65535/],
    ['PICLOUD_PORT', '70000', /PICLOUD_PORT='70000'/],
    ['PICLOUD_PORT', '-1', /PICLOUD_PORT/],
    ['PICLOUD_PORT', '80.5', /PICLOUD_PORT/],
    ['PICLOUD_PANEL_PORT', 'panel', /PICLOUD_PANEL_PORT='panel': must be an integer from 0 to 65535/],
    ['PICLOUD_HOST', 'not a host!', /PICLOUD_HOST='not a host!': must be an IP address or a host name/],
    [
      'PICLOUD_DATABASE_URL',
      'mysql://x@y/z',
      /PICLOUD_DATABASE_URL='mysql:\/\/x@y\/z': must start with postgres:\/\//,
    ],
    ['PICLOUD_DATABASE_URL', 'nonsense', /PICLOUD_DATABASE_URL='nonsense': must be a URL/],
    ['PICLOUD_LOG_LEVEL', 'loud', /PICLOUD_LOG_LEVEL='loud': must be one of fatal, error/],
    ['PICLOUD_POSTGRES_PORT', 'x', /PICLOUD_POSTGRES_PORT='x'/],
    ['PICLOUD_SHUTDOWN_TIMEOUT_MS', '5', /PICLOUD_SHUTDOWN_TIMEOUT_MS='5': must be an integer from 100/],
    ['PICLOUD_EXECUTOR_WORKERS', '0', /PICLOUD_EXECUTOR_WORKERS='0': must be an integer from 1 to 256/],
    ['PICLOUD_WORKER_MEMORY_MB', '8', /PICLOUD_WORKER_MEMORY_MB='8'/],
    ['PICLOUD_SCRIPT_MAX_OPERATIONS', 'lots', /PICLOUD_SCRIPT_MAX_OPERATIONS='lots'/],
    ['PICLOUD_SCRIPT_TIMEOUT_MS', '1', /PICLOUD_SCRIPT_TIMEOUT_MS='1'/],
    ['PICLOUD_SCRIPT_MAX_RESPONSE_BYTES', '10', /PICLOUD_SCRIPT_MAX_RESPONSE_BYTES='10'/],
    ['PICLOUD_LOG_RETENTION_COUNT', '-5', /PICLOUD_LOG_RETENTION_COUNT='-5'/],
    ['PICLOUD_LOG_RETENTION_DAYS', '0', /PICLOUD_LOG_RETENTION_DAYS='0'/],
  ])('%s=%s stops start-up naming the setting', (name, value, message) => {
    expect(() => loadConfig(env({ [name]: value }))).toThrow(ConfigError);
    expect(() => loadConfig(env({ [name]: value }))).toThrow(message);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig(env({ PICLOUD_PORT: '' })).port).toBe(8080);
  });
});

describe("the panel's port", () => {
  it.each([
    [{}, 8080, 8081],
    [{ PICLOUD_PORT: '9000' }, 9000, 9001],
    [{ PICLOUD_PORT: '0' }, 0, 0],
    [{ PICLOUD_PORT: '65535' }, 65535, 65534],
    [{ PICLOUD_PORT: '9000', PICLOUD_PANEL_PORT: '7000' }, 9000, 7000],
    [{ PICLOUD_PORT: '0', PICLOUD_PANEL_PORT: '0' }, 0, 0],
  ])("%o → endpoints %i, panel %i (the one after the endpoints' unless set)", (values, port, panelPort) => {
    expect(loadConfig(env(values))).toMatchObject({ port, panelPort });
  });

  it('the cluster port is 8445, a free one when the endpoints take a free one, or as set', () => {
    expect(loadConfig(env({})).clusterPort).toBe(8445);
    expect(loadConfig(env({ PICLOUD_PORT: '0' })).clusterPort).toBe(0);
    expect(loadConfig(env({ PICLOUD_PORT: '0', PICLOUD_CLUSTER_PORT: '9445' })).clusterPort).toBe(9445);
    expect(() => loadConfig(env({ PICLOUD_CLUSTER_PORT: '8080' }))).toThrow(/PICLOUD_CLUSTER_PORT=8080/);
  });

  it("comes from the config file too, and may never be the endpoints' port", () => {
    const file = configFile('{"port": 9000, "panelPort": 9100}');
    expect(loadConfig(env({ PICLOUD_CONFIG: file }))).toMatchObject({ port: 9000, panelPort: 9100 });
    expect(() => loadConfig(env({ PICLOUD_PORT: '9000', PICLOUD_PANEL_PORT: '9000' }))).toThrow(
      /PICLOUD_PANEL_PORT=9000: the panel needs a port of its own/,
    );
  });
});

describe('config file', () => {
  it('is read from PICLOUD_CONFIG, and the environment wins over it', () => {
    const file = configFile(JSON.stringify({ port: 7000, host: '127.0.0.1', logLevel: 'warn' }));
    const config = loadConfig(env({ PICLOUD_CONFIG: file, PICLOUD_PORT: '7001' }));
    expect(config).toMatchObject({ port: 7001, host: '127.0.0.1', logLevel: 'warn' });
  });

  it.each([
    ['not JSON', '{port: 1', /is not valid JSON/],
    ['not an object', '[1, 2]', /must hold a JSON object/],
    ['an unknown key', '{"prot": 8080}', /Unknown setting "prot" in config file/],
    ['a bad value', '{"port": "http"}', /Invalid setting "port" in config file .*: must be an integer/],
  ])('with %s stops start-up clearly', (_label, contents, message) => {
    expect(() => loadConfig(env({ PICLOUD_CONFIG: configFile(contents) }))).toThrow(message);
  });

  it('named by PICLOUD_CONFIG must exist', () => {
    expect(() => loadConfig(env({ PICLOUD_CONFIG: join(scratch, 'missing.json') }))).toThrow(
      /PICLOUD_CONFIG='.*missing\.json': the file does not exist/,
    );
  });
});
