/**
 * Where PiCloud keeps its data and looks for its config file when the user does not say: the platform's
 * per-user folders (XDG on Linux, Application Support on macOS, AppData on Windows). Run as root on
 * Linux — a headless appliance service — it uses the system folders instead, which an unprivileged
 * PostgreSQL user can reach (/root is closed to other users).
 */
import { join } from 'node:path';
import envPaths from 'env-paths';

const paths = envPaths('picloud', { suffix: '' });

function runningAsLinuxRoot(): boolean {
  return process.platform === 'linux' && typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The default data folder. */
export function defaultDataDir(): string {
  return runningAsLinuxRoot() ? '/var/lib/picloud' : paths.data;
}

/** The default location of the optional config file. */
export function defaultConfigFile(): string {
  return runningAsLinuxRoot() ? '/etc/picloud/config.json' : join(paths.config, 'config.json');
}

/**
 * Where `picloud login` keeps the URL and API token of the appliances this user deploys to: per user,
 * in the user's config folder (mode 0600), root included.
 */
export function defaultCredentialsFile(): string {
  return join(paths.config, 'credentials.json');
}
