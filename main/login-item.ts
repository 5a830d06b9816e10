/**
 * "Start at login". Electron's app.setLoginItemSettings covers macOS and Windows; on Linux the app
 * writes an XDG autostart entry (~/.config/autostart/picloud.desktop) itself. No Electron import:
 * these are the file-level parts, tested on a temporary config folder.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The argument the app is started with at login: it starts the server but opens no window. */
export const HIDDEN_ARG = '--hidden';

/** The XDG config folder ($XDG_CONFIG_HOME, else ~/.config). */
export function xdgConfigHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.trim() !== ''
    ? env.XDG_CONFIG_HOME
    : join(homedir(), '.config');
}

/** The autostart entry's path. */
export function autostartFile(configHome: string): string {
  return join(configHome, 'autostart', 'picloud.desktop');
}

/**
 * Quotes an argument for a desktop entry's Exec key: the Exec quoting rules (backslash before `"`,
 * backtick, `$` and backslash inside double quotes; `%` doubled), then the general string escaping
 * that doubles every backslash once more.
 */
export function quoteExecArg(arg: string): string {
  const field = arg.replace(/%/g, '%%');
  if (/^[\w/.+:@=%-]+$/.test(field)) return field;
  return `"${field.replace(/(["`$\\])/g, '\\$1').replace(/\\/g, '\\\\')}"`;
}

/**
 * The autostart entry that runs `command` (the app's executable and any arguments it needs) with
 * {@link HIDDEN_ARG}.
 */
export function autostartEntry(command: readonly string[]): string {
  return `[Desktop Entry]
Type=Application
Name=PiCloud
Comment=Serverless home-server appliance
Exec=${[...command, HIDDEN_ARG].map(quoteExecArg).join(' ')}
Icon=picloud
Terminal=false
X-GNOME-Autostart-enabled=true
`;
}

/**
 * The command that starts this app: the AppImage itself when run from one ($APPIMAGE, since the path
 * Electron reports lives in a mount that is gone after logout), the executable when installed, and the
 * executable with the app's folder in development (`electron .`).
 */
export function appCommand(location: {
  readonly execPath: string;
  readonly appPath: string;
  readonly isPackaged: boolean;
  readonly env: NodeJS.ProcessEnv;
}): string[] {
  if (location.env.APPIMAGE) return [location.env.APPIMAGE];
  return location.isPackaged ? [location.execPath] : [location.execPath, location.appPath];
}

/** Whether the entry exists (the user enabled start at login). */
export function isAutostartEnabled(configHome: string): boolean {
  return existsSync(autostartFile(configHome));
}

/** Writes or removes the entry. */
export function setAutostart(configHome: string, enabled: boolean, command: readonly string[]): void {
  const file = autostartFile(configHome);
  if (!enabled) {
    rmSync(file, { force: true });
    return;
  }
  mkdirSync(join(configHome, 'autostart'), { recursive: true });
  const entry = autostartEntry(command);
  if (!existsSync(file) || readFileSync(file, 'utf8') !== entry) writeFileSync(file, entry);
}
