/**
 * `npm run desktop` (main/launch-desktop.mjs) where Electron's binary is missing — as on these build
 * machines, where its download is skipped — and where one is given through ELECTRON_OVERRIDE_DIST_PATH.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../server/paths.js';

const LAUNCHER = join(PACKAGE_ROOT, 'main', 'launch-desktop.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'picloud-launch-desktop-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const { locateElectron, missingElectronHelp } = (await import(LAUNCHER)) as {
  locateElectron: (
    load: (id: string) => unknown,
    env?: NodeJS.ProcessEnv,
  ) => { path: string } | { missing: string };
  missingElectronHelp: (missing: string) => string;
};

function launch(args: string[], env: Record<string, string>) {
  const { ELECTRON_OVERRIDE_DIST_PATH: _ignored, ...base } = process.env;
  return spawnSync(process.execPath, [LAUNCHER, ...args], { env: { ...base, ...env }, encoding: 'utf8' });
}

describe('npm run desktop', () => {
  it('names what is missing when Electron’s binary was never downloaded, and how to get it', () => {
    const located = locateElectron(() => {
      throw new Error(
        'Electron failed to install correctly, please delete node_modules/electron and try installing again',
      );
    });
    expect(located).toEqual({ missing: expect.stringContaining("Electron's binary is not installed") });
    const help = missingElectronHelp((located as { missing: string }).missing);
    expect(help).toContain('"allowScripts" has "electron": false');
    expect(help).toContain('node node_modules/electron/install.js');
    expect(help).toContain('ELECTRON_OVERRIDE_DIST_PATH=/path/to/electron npm run desktop');
    expect(help).toContain('The headless appliance needs no Electron: npm start');
  });

  it.skipIf(existsSync(join(PACKAGE_ROOT, 'node_modules', 'electron', 'path.txt')))(
    'exits 1 with that message on this machine, where the download was skipped',
    () => {
      const result = launch([], {});
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(
        /^picloud desktop: cannot start the desktop app\.\nElectron's binary is not installed/,
      );
      expect(result.stderr).toContain('node node_modules/electron/install.js');
    },
  );

  it('says so when ELECTRON_OVERRIDE_DIST_PATH holds no Electron', () => {
    const result = launch([], { ELECTRON_OVERRIDE_DIST_PATH: join(scratch, 'empty') });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `ELECTRON_OVERRIDE_DIST_PATH=${join(scratch, 'empty')} holds no Electron executable`,
    );
  });

  it('runs the Electron it finds on the package, passing arguments through and its exit code back', () => {
    // A stand-in executable named as Electron's: it reports how it was called.
    const fake = join(scratch, 'electron');
    writeFileSync(
      fake,
      '#!/bin/sh\necho "electron $* in $(pwd) as-node=${ELECTRON_RUN_AS_NODE:-no}"\nexit 7\n',
    );
    chmodSync(fake, 0o755);
    const result = launch(['--no-build', '--', '--hidden'], {
      ELECTRON_OVERRIDE_DIST_PATH: scratch,
      ELECTRON_RUN_AS_NODE: '1',
    });
    expect(result.stdout).toBe(`electron ${PACKAGE_ROOT} --hidden in ${PACKAGE_ROOT} as-node=no\n`);
    expect(result.status).toBe(7);
  });
});
