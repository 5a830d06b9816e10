#!/usr/bin/env node
/**
 * `npm run desktop`: builds PiCloud and runs the desktop app with the Electron of node_modules.
 * Plain JavaScript, not compiled, because it must run before anything is built: its first job is to
 * say clearly when Electron's binary is missing (its download is skipped on install, see
 * "allowScripts" in package.json), instead of failing deep inside Electron's own loader.
 *
 * Usage: node main/launch-desktop.mjs [--no-build] [-- electron arguments...]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Finds the Electron executable the `electron` package points to.
 * @param {(id: string) => unknown} load `require`, replaceable in tests.
 * @param {NodeJS.ProcessEnv} env
 * @returns {{ path: string } | { missing: string }} the executable, or a message saying what is missing
 *   and how to get it.
 */
export function locateElectron(load, env = process.env) {
  let path;
  try {
    path = /** @type {string} */ (load('electron'));
  } catch (error) {
    const cause = /** @type {Error} */ (error).message;
    return {
      missing: `Electron's binary is not installed: node_modules/electron is there for its type definitions, but its download was skipped (package.json "allowScripts" has "electron": false, and this machine may have no access to Electron's downloads).
  (electron says: ${cause.split('\n')[0]})`,
    };
  }
  if (!existsSync(path)) {
    return {
      missing: env.ELECTRON_OVERRIDE_DIST_PATH
        ? `ELECTRON_OVERRIDE_DIST_PATH=${env.ELECTRON_OVERRIDE_DIST_PATH} holds no Electron executable (looked for ${path}).`
        : `node_modules/electron points to ${path}, which does not exist (an interrupted download?).`,
    };
  }
  return { path };
}

/** What to do about a missing binary; the headless server does not need it. */
export function missingElectronHelp(missing) {
  return `picloud desktop: cannot start the desktop app.
${missing}

To get Electron, either
  - download it, on a machine with internet access:   node node_modules/electron/install.js
  - or use an Electron 40 you already have (the folder holding its executable):
        ELECTRON_OVERRIDE_DIST_PATH=/path/to/electron npm run desktop

The headless appliance needs no Electron: npm start`;
}

async function main(argv) {
  const separator = argv.indexOf('--');
  const own = separator === -1 ? argv : argv.slice(0, separator);
  const electronArgs = separator === -1 ? [] : argv.slice(separator + 1);
  const located = locateElectron(createRequire(import.meta.url));
  if ('missing' in located) {
    console.error(missingElectronHelp(located.missing));
    return 1;
  }
  if (!own.includes('--no-build')) {
    const build = spawnSync('npm', ['run', 'build'], {
      cwd: PACKAGE_ROOT,
      stdio: 'inherit',
      shell: process.platform === 'win32',
    });
    if (build.status !== 0) {
      console.error('picloud desktop: `npm run build` failed; the desktop app was not started.');
      return build.status ?? 1;
    }
  }
  // ELECTRON_RUN_AS_NODE would make the app itself run as plain Node.
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(located.path, [PACKAGE_ROOT, ...electronArgs], {
    cwd: PACKAGE_ROOT,
    stdio: 'inherit',
    env,
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => {
    child.once('error', (error) => {
      console.error(`picloud desktop: cannot run ${located.path}: ${error.message}`);
      resolve(1);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2));
}
