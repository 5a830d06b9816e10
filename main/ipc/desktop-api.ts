/**
 * The desktop actions the panel window may ask for, declared once: every IPC channel with its
 * arguments and result. The preload exposes exactly these (as `window.picloudDesktop`), the main
 * process handles exactly these (main/ipc/desktop-ipc.ts); both sides derive their types from here.
 * The panel is a web page served by the server, so nothing else of Node or Electron reaches it.
 */
import type { ServerAction, ServerState } from '../supervisor/server-state.js';

/** What the window learns about the desktop app. */
export interface DesktopStatus {
  readonly server: ServerState;
  /** The URL to give other devices, when the server runs. */
  readonly endpointUrl: string | null;
  readonly startAtLogin: boolean;
  readonly dataDir: string;
  readonly logFile: string;
}

/** Request/response channels (ipcRenderer.invoke → ipcMain.handle). */
export interface DesktopInvokeChannels {
  'desktop:get-status': { args: []; result: DesktopStatus };
  'desktop:control-server': { args: [action: ServerAction]; result: DesktopStatus };
  'desktop:open-in-browser': { args: []; result: string | null };
  'desktop:copy-endpoint-url': { args: []; result: string | null };
  'desktop:show-data-folder': { args: []; result: string };
  'desktop:show-log': { args: []; result: string };
}

/** Channels the main process pushes to the window (webContents.send → ipcRenderer.on). */
export interface DesktopEventChannels {
  'desktop:status-changed': DesktopStatus;
}

/** A request channel's name. */
export type DesktopInvokeChannel = keyof DesktopInvokeChannels;

/** The API the preload exposes on `window.picloudDesktop`. */
export interface DesktopApi {
  /** The current status. */
  getStatus(): Promise<DesktopStatus>;
  /** Start, stop or restart the server; resolves with the status it settled in. */
  controlServer(action: ServerAction): Promise<DesktopStatus>;
  /** Opens the panel in the default browser; resolves with its URL (null while stopped). */
  openInBrowser(): Promise<string | null>;
  /** Copies the endpoint URL to the clipboard; resolves with it (null while stopped). */
  copyEndpointUrl(): Promise<string | null>;
  /** Opens the data folder in the file manager; resolves with its path. */
  showDataFolder(): Promise<string>;
  /** Opens the server's log file; resolves with its path. */
  showLog(): Promise<string>;
  /** Calls `listener` on every status change; returns the unsubscribe function. */
  onStatusChanged(listener: (status: DesktopStatus) => void): () => void;
}

/** The global the preload defines in the page (`window.picloudDesktop`). */
export const DESKTOP_API_GLOBAL = 'picloudDesktop';

/** Every request channel, for registering handlers and for tests. */
export const DESKTOP_INVOKE_CHANNELS: readonly DesktopInvokeChannel[] = [
  'desktop:get-status',
  'desktop:control-server',
  'desktop:open-in-browser',
  'desktop:copy-endpoint-url',
  'desktop:show-data-folder',
  'desktop:show-log',
];
