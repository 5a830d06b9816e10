/**
 * The desktop shell's pure parts: where the server is launched from, the data folder, start at login,
 * the IPC surface (preload and main agree, arguments are checked) and the window's security policy.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveDataDir, serverLaunch, serverRoot } from '../../main/desktop-config.js';
import { DESKTOP_API_GLOBAL, DESKTOP_INVOKE_CHANNELS } from '../../main/ipc/desktop-api.js';
import { parseInvokeArgs } from '../../main/ipc/invoke-args.js';
import {
  appCommand,
  autostartEntry,
  autostartFile,
  isAutostartEnabled,
  quoteExecArg,
  setAutostart,
  xdgConfigHome,
} from '../../main/login-item.js';
import {
  isPanelUrl,
  isPermissionGranted,
  isTrustedSender,
  navigationDecision,
} from '../../main/window/window-policy.js';
import { defaultDataDir } from '../../server/config/platform-dirs.js';
import { PACKAGE_ROOT } from '../../server/paths.js';

const scratch = mkdtempSync(join(tmpdir(), 'picloud-desktop-shell-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('launching the server', () => {
  it('runs the packaged server from app.asar.unpacked, with the app’s executable as Node', () => {
    const launch = serverLaunch({
      appPath: '/opt/PiCloud/resources/app.asar',
      isPackaged: true,
      execPath: '/opt/PiCloud/picloud-desktop',
      isElectron: true,
      env: { PATH: '/usr/bin' },
    });
    expect(launch).toEqual({
      command: '/opt/PiCloud/picloud-desktop',
      args: ['/opt/PiCloud/resources/app.asar.unpacked/bin/picloud.js', 'start'],
      env: { PATH: '/usr/bin', ELECTRON_RUN_AS_NODE: '1' },
      serverRoot: '/opt/PiCloud/resources/app.asar.unpacked',
    });
  });

  it('runs the checkout’s server in development, and plain Node never gets ELECTRON_RUN_AS_NODE', () => {
    expect(serverRoot({ appPath: PACKAGE_ROOT, isPackaged: false })).toBe(PACKAGE_ROOT);
    const launch = serverLaunch({
      appPath: PACKAGE_ROOT,
      isPackaged: false,
      execPath: process.execPath,
      isElectron: false,
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
    expect(launch.env).toEqual({});
    expect(existsSync(launch.args[0])).toBe(true);
  });

  it('uses the data folder the server itself would use', () => {
    expect(resolveDataDir({ PICLOUD_CONFIG: '', PICLOUD_DATA_DIR: '/srv/picloud' })).toBe('/srv/picloud');
    expect(resolveDataDir({ PICLOUD_CONFIG: '' })).toBe(defaultDataDir());
    // An invalid setting elsewhere: the default folder, and the server will name the setting.
    expect(resolveDataDir({ PICLOUD_CONFIG: '', PICLOUD_PORT: 'http' })).toBe(defaultDataDir());
  });
});

describe('start at login on Linux', () => {
  it('writes and removes an XDG autostart entry that starts hidden', () => {
    const configHome = join(scratch, 'config');
    expect(isAutostartEnabled(configHome)).toBe(false);
    setAutostart(configHome, true, ['/opt/Pi Cloud/picloud-desktop']);
    expect(isAutostartEnabled(configHome)).toBe(true);
    const entry = readFileSync(autostartFile(configHome), 'utf8');
    expect(entry).toContain('Exec="/opt/Pi Cloud/picloud-desktop" --hidden\n');
    expect(entry).toMatch(/^\[Desktop Entry\]\nType=Application\n/);
    setAutostart(configHome, false, []);
    expect(isAutostartEnabled(configHome)).toBe(false);
    setAutostart(configHome, false, []); // already off: nothing to do
  });

  it('starts the AppImage itself, the installed executable, or Electron with the checkout', () => {
    const base = { execPath: '/tmp/.mount_x/picloud-desktop', appPath: '/tmp/.mount_x/resources/app.asar' };
    expect(appCommand({ ...base, isPackaged: true, env: { APPIMAGE: '/home/u/PiCloud.AppImage' } })).toEqual([
      '/home/u/PiCloud.AppImage',
    ]);
    expect(appCommand({ ...base, isPackaged: true, env: {} })).toEqual(['/tmp/.mount_x/picloud-desktop']);
    expect(
      appCommand({ execPath: '/e/electron', appPath: '/src/picloud', isPackaged: false, env: {} }),
    ).toEqual(['/e/electron', '/src/picloud']);
  });

  it('quotes Exec arguments by the desktop-entry rules', () => {
    expect(quoteExecArg('/usr/bin/picloud')).toBe('/usr/bin/picloud');
    expect(quoteExecArg('/a b/100%/x')).toBe('"/a b/100%%/x"');
    expect(quoteExecArg('/a "q" $HOME\\x')).toBe('"/a \\\\"q\\\\" \\\\$HOME\\\\\\\\x"');
    expect(autostartEntry(['/x'])).toContain('Exec=/x --hidden\n');
    expect(xdgConfigHome({ XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg');
  });
});

describe('the desktop IPC', () => {
  const preload = readFileSync(join(PACKAGE_ROOT, 'main', 'preload', 'preload.cts'), 'utf8');

  it('the preload requires nothing but electron (a sandboxed preload can require nothing else)', () => {
    const requires = [...preload.matchAll(/require\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]);
    expect(requires).toEqual(['electron']);
    const valueImports = preload.split('\n').filter((line) => /^import (?!type )/.test(line));
    expect(valueImports).toEqual(["import electron = require('electron');"]);
  });

  it('the preload exposes every request channel on the documented global, and nothing else', () => {
    const used = [...preload.matchAll(/invoke\('([^']+)'/g)].map((m) => m[1]).sort();
    expect(used).toEqual([...DESKTOP_INVOKE_CHANNELS].sort());
    expect(preload).toContain(`exposeInMainWorld('${DESKTOP_API_GLOBAL}', api)`);
    expect(preload.match(/exposeInMainWorld/g)).toHaveLength(1);
  });

  it('checks what a page sends', () => {
    expect(parseInvokeArgs('desktop:control-server', ['restart'])).toEqual(['restart']);
    expect(parseInvokeArgs('desktop:control-server', ['rm -rf /'])).toBeNull();
    expect(parseInvokeArgs('desktop:control-server', [])).toBeNull();
    expect(parseInvokeArgs('desktop:control-server', ['start', 'extra'])).toBeNull();
    expect(parseInvokeArgs('desktop:get-status', [])).toEqual([]);
    expect(parseInvokeArgs('desktop:show-data-folder', ['/etc'])).toBeNull();
  });
});

describe('the window’s security policy', () => {
  const server = 'http://localhost:8080/';

  it('keeps the panel in the window, sends web links to the browser, refuses the rest', () => {
    expect(navigationDecision('http://localhost:8080/apps/default', server)).toBe('allow');
    expect(navigationDecision('http://localhost:9090/', server)).toBe('open-externally');
    expect(navigationDecision('https://docs.example/', server)).toBe('open-externally');
    expect(navigationDecision('file:///etc/passwd', server)).toBe('deny');
    expect(navigationDecision('data:text/html,<script>', server)).toBe('deny');
    expect(navigationDecision('javascript:alert(1)', server)).toBe('deny');
    expect(navigationDecision('http://localhost:8080/', null)).toBe('open-externally');
    expect(isPanelUrl('not a url', server)).toBe(false);
  });

  it('lets only the top frame of the panel or the status page call desktop actions', () => {
    expect(isTrustedSender({ url: 'http://localhost:8080/settings', isTopFrame: true }, server)).toBe(true);
    expect(isTrustedSender({ url: 'data:text/html;charset=utf-8,x', isTopFrame: true }, null)).toBe(true);
    expect(isTrustedSender({ url: 'http://localhost:8080/', isTopFrame: false }, server)).toBe(false);
    expect(isTrustedSender({ url: 'https://evil.example/', isTopFrame: true }, server)).toBe(false);
  });

  it('grants the panel clipboard writes and nothing else', () => {
    expect(isPermissionGranted('clipboard-sanitized-write', 'http://localhost:8080/x', server)).toBe(true);
    expect(isPermissionGranted('clipboard-sanitized-write', 'https://evil.example/', server)).toBe(false);
    for (const permission of ['geolocation', 'media', 'notifications', 'openExternal', 'clipboard-read']) {
      expect(isPermissionGranted(permission, 'http://localhost:8080/', server)).toBe(false);
    }
  });
});

describe('main/ keeps Electron at its edge', () => {
  const root = join(PACKAGE_ROOT, 'main');
  const sources = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(ts|cts|mjs)$/.test(file))
    .map((file) => join(root, file));

  it('only the glue imports Electron at run time; everything else is tested without it', () => {
    const runtimeElectron = sources
      .filter((file) =>
        /^import (?!type )[^;]*from 'electron'|require\('electron'\)/m.test(readFileSync(file, 'utf8')),
      )
      .map((file) => relative(root, file))
      .sort();
    expect(runtimeElectron).toEqual([
      'desktop-app.ts',
      'main.ts',
      'preload/preload.cts',
      'tray/tray.ts',
      'window/panel-window.ts',
    ]);
  });
});
