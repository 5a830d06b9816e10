/**
 * The tray icon's menu, tooltip and icon as pure functions of the desktop state, so every state's menu
 * is unit-tested without Electron. main/tray/tray.ts turns the items into Electron menu items and wires
 * each `action` to its handler.
 */
import { endpointUrl, type FailureKind, type ServerState } from '../supervisor/server-state.js';

/** A node of the cluster, as the tray lists it. */
export interface TrayNode {
  readonly name: string;
  readonly role: string;
  /** `up`, `down` or `stopped`. */
  readonly status: string;
}

/** Everything the tray shows. */
export interface TrayState {
  readonly server: ServerState;
  /** The cluster's nodes with their state, when in a cluster; null for a single appliance (one node). */
  readonly nodes: readonly TrayNode[] | null;
  /** Whether the app opens when the user logs in. */
  readonly startAtLogin: boolean;
}

/** What a menu item does; main/tray/tray.ts maps each to a handler. */
export type TrayAction =
  | 'start'
  | 'stop'
  | 'restart'
  | 'open-panel'
  | 'open-in-browser'
  | 'copy-endpoint-url'
  | 'toggle-start-at-login'
  | 'show-data-folder'
  | 'show-log'
  | 'quit';

/** A menu item, a subset of Electron's MenuItemConstructorOptions. */
export type TrayMenuItem =
  | { readonly type: 'separator' }
  | {
      readonly type: 'normal';
      readonly label: string;
      readonly enabled: boolean;
      /** Absent on status lines, which only inform. */
      readonly action?: TrayAction;
    }
  | {
      readonly type: 'checkbox';
      readonly label: string;
      readonly checked: boolean;
      readonly action: TrayAction;
    };

/** Short headlines of each failure, for the menu's status line and notifications. */
export const FAILURE_HEADLINES: Readonly<Record<FailureKind, string>> = {
  'port-in-use': 'Port in use',
  'data-dir': 'Data folder not usable',
  'already-running': 'Already running elsewhere',
  config: 'Invalid setting',
  'start-failed': 'Could not start',
  'start-timeout': 'Start-up timed out',
  crashed: 'Keeps crashing',
  'spawn-failed': 'Cannot launch the server',
};

/** Menu labels are single lines; long error messages are cut. */
const DETAIL_CHARS = 70;

/** Cuts a long line at a word boundary; the window's status page shows it whole. */
function truncate(text: string): string {
  if (text.length <= DETAIL_CHARS) return text;
  const cut = text.slice(0, DETAIL_CHARS - 2);
  const space = cut.lastIndexOf(' ');
  return `${(space > DETAIL_CHARS / 2 ? cut.slice(0, space) : cut).trimEnd()} …`;
}

function seconds(ms: number): string {
  return `${Math.max(1, Math.round(ms / 1000))} s`;
}

/**
 * The status line: running or not, and why.
 * @example statusLine({ kind: 'stopped' }) // 'PiCloud is stopped'
 */
export function statusLine(server: ServerState): string {
  switch (server.kind) {
    case 'stopped':
      return 'PiCloud is stopped';
    case 'starting':
      return 'PiCloud is starting…';
    case 'running':
      return 'PiCloud is running';
    case 'stopping':
      return 'PiCloud is stopping…';
    case 'restarting':
      return `PiCloud crashed — restarting in ${seconds(server.delayMs)}`;
    case 'error':
      return `PiCloud is stopped: ${FAILURE_HEADLINES[server.failure]}`;
    default:
      throw new Error(`unknown server state ${JSON.stringify(server satisfies never)}`);
  }
}

/** Informational lines under the status: the URL and node count, or what went wrong. */
function detailLines(state: TrayState): string[] {
  const { server } = state;
  switch (server.kind) {
    case 'running': {
      const count = state.nodes?.length || 1;
      return [
        server.url,
        `${count} ${count === 1 ? 'node' : 'nodes'}`,
        ...(state.nodes ?? []).map(
          (node) => `  ${truncate(node.name)} — ${node.status}${node.role === 'primary' ? ' (primary)' : ''}`,
        ),
        ...fingerprintLines(server.caFingerprint),
      ];
    }
    case 'restarting':
      return [
        truncate(server.reason),
        `Failed ${server.failures} ${server.failures === 1 ? 'time' : 'times'} in a row`,
      ];
    case 'error':
      return [truncate(server.message)];
    default:
      return [];
  }
}

/**
 * The CA's fingerprint on two lines of 16 bytes (a menu line holds about 70 characters): what the owner
 * compares with the fingerprint a device shows before trusting the CA (docs/https.md).
 */
export function fingerprintLines(fingerprint: string | null | undefined): string[] {
  if (!fingerprint) return [];
  const bytes = fingerprint.split(':');
  return [`CA SHA-256: ${bytes.slice(0, 16).join(':')}`, `            ${bytes.slice(16).join(':')}`];
}

function item(label: string, action: TrayAction, enabled = true): TrayMenuItem {
  return { type: 'normal', label, enabled, action };
}

/**
 * The tray menu for a state: status, then server control, then the panel and URLs, then app settings.
 * An item that cannot act in this state is shown disabled rather than hidden, so the menu keeps its
 * shape and the user sees what becomes possible.
 */
export function buildTrayMenu(state: TrayState): TrayMenuItem[] {
  const { server } = state;
  const running = server.kind === 'running';
  return [
    { type: 'normal', label: statusLine(server), enabled: false },
    ...detailLines(state).map((label): TrayMenuItem => ({ type: 'normal', label, enabled: false })),
    { type: 'separator' },
    item(
      'Start server',
      'start',
      server.kind === 'stopped' || server.kind === 'error' || server.kind === 'restarting',
    ),
    item('Stop server', 'stop', running || server.kind === 'starting' || server.kind === 'restarting'),
    item('Restart server', 'restart', running || server.kind === 'error'),
    { type: 'separator' },
    item('Open panel', 'open-panel'),
    item('Open in browser', 'open-in-browser', running),
    item('Copy endpoint URL', 'copy-endpoint-url', endpointUrl(server) !== null),
    { type: 'separator' },
    {
      type: 'checkbox',
      label: 'Start at login',
      checked: state.startAtLogin,
      action: 'toggle-start-at-login',
    },
    item('Show data folder', 'show-data-folder'),
    item('Show server log', 'show-log'),
    { type: 'separator' },
    item('Quit PiCloud', 'quit'),
  ];
}

/** The tray icon's tooltip: one line of status. */
export function trayTooltip(state: TrayState): string {
  return state.server.kind === 'running'
    ? `PiCloud — running at ${state.server.url}`
    : statusLine(state.server);
}

/** Which tray image to show: the plain icon while running, a dimmed one otherwise, a marked one on error. */
export function trayIconVariant(server: ServerState): 'running' | 'idle' | 'error' {
  if (server.kind === 'running') return 'running';
  return server.kind === 'error' || server.kind === 'restarting' ? 'error' : 'idle';
}

/**
 * The tray image for a variant, relative to resources/. macOS gets black "Template" images that it
 * tints for light and dark menu bars; Electron picks the `@2x` file beside each on high-DPI screens.
 * @example trayIconFile('running', 'darwin') // 'tray/tray-runningTemplate.png'
 */
export function trayIconFile(variant: ReturnType<typeof trayIconVariant>, platform: NodeJS.Platform): string {
  return `tray/tray-${variant}${platform === 'darwin' ? 'Template' : ''}.png`;
}
