/**
 * Where the desktop app finds the server it supervises, and the data folder they share. Pure functions
 * of what Electron reports (app path, packaged or not, executable), so they are tested without it.
 */
import { join } from 'node:path';
import { loadConfig } from '../server/config/load-config.js';
import { defaultDataDir } from '../server/config/platform-dirs.js';

/** How to launch `picloud start`. */
export interface ServerLaunch {
  /** The program to run. */
  readonly command: string;
  /** Its arguments. */
  readonly args: readonly string[];
  /** The environment to run it in. */
  readonly env: NodeJS.ProcessEnv;
  /** The folder holding bin/, dist/, migrations/ (real files, never inside app.asar). */
  readonly serverRoot: string;
}

/** What Electron (or a test) says about the running app. */
export interface AppLocation {
  /** `app.getAppPath()`: the repository in development, `.../resources/app.asar` when packaged. */
  readonly appPath: string;
  /** `app.isPackaged`. */
  readonly isPackaged: boolean;
  /** `process.execPath`: the Electron executable (or Node in tests). */
  readonly execPath: string;
  /** Whether `execPath` is Electron, which then must be told to behave as plain Node. */
  readonly isElectron: boolean;
  /** The environment the app was started with. */
  readonly env: NodeJS.ProcessEnv;
}

/**
 * The server runs from real files: a packaged app keeps it unpacked next to app.asar (electron-builder's
 * asarUnpack), because PostgreSQL's binaries must be executable and a child process cannot read an
 * asar archive's PostgreSQL paths.
 * @example serverRoot({ appPath: '/opt/PiCloud/resources/app.asar', isPackaged: true, ... })
 *   // '/opt/PiCloud/resources/app.asar.unpacked'
 */
export function serverRoot(location: Pick<AppLocation, 'appPath' | 'isPackaged'>): string {
  return location.isPackaged ? location.appPath.replace(/app\.asar$/, 'app.asar.unpacked') : location.appPath;
}

/**
 * The command line of the supervised server: the app's own executable run as Node
 * (ELECTRON_RUN_AS_NODE=1), so no separate Node has to be installed.
 */
export function serverLaunch(location: AppLocation): ServerLaunch {
  const root = serverRoot(location);
  const env: NodeJS.ProcessEnv = { ...location.env };
  if (location.isElectron) env.ELECTRON_RUN_AS_NODE = '1';
  else delete env.ELECTRON_RUN_AS_NODE;
  return {
    command: location.execPath,
    args: [join(root, 'bin', 'picloud.js'), 'start'],
    env,
    serverRoot: root,
  };
}

/**
 * The data folder the server will use: resolved with the server's own configuration loader
 * (PICLOUD_DATA_DIR, then the config file, then the platform default), so the desktop app, a headless
 * `picloud start` and `picloud status` agree. An invalid configuration falls back to the default
 * folder; the server then reports the invalid setting itself.
 */
export function resolveDataDir(env: NodeJS.ProcessEnv): string {
  try {
    return loadConfig(env).dataDir;
  } catch {
    return defaultDataDir();
  }
}
