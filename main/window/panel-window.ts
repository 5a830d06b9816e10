/**
 * The control-panel window (Electron glue): the server's panel when it runs, the status page
 * otherwise. Context isolation, a sandboxed renderer, no Node integration; the preload exposes only
 * the desktop actions. Links leave for the browser; closing hides the window (the app lives in the
 * tray).
 */
import { BrowserWindow, shell, type WebContents, type WebFrameMain } from 'electron';
import type { DesktopEventChannels, DesktopStatus } from '../ipc/desktop-api.js';
import type { ServerState } from '../supervisor/server-state.js';
import { statusPageUrl } from './status-page.js';
import { isPanelUrl, isPermissionGranted, navigationDecision } from './window-policy.js';

/** The app's one window. */
export interface PanelWindow {
  /** Creates the window if needed and brings it to the front. */
  show(): void;
  /** Follows the server's state: the panel while it runs, the status page otherwise. */
  update(server: ServerState): void;
  /** Tells the page about a new status. */
  sendStatus(status: DesktopStatus): void;
  /** Whether an IPC event comes from this window's top frame showing the panel or status page. */
  isOwnTopFrame(sender: WebContents, frame: WebFrameMain | null): boolean;
  /** Lets the window close for real (the app is quitting). */
  destroy(): void;
}

/** The window's options: its preload script and icon. */
export interface PanelWindowOptions {
  readonly preload: string;
  readonly icon: string;
  /** Whether developer tools may open (development only). */
  readonly devTools: boolean;
}

/** Creates the window lazily, on first show. */
export function createPanelWindow(options: PanelWindowOptions, initial: ServerState): PanelWindow {
  let window: BrowserWindow | null = null;
  let server = initial;
  let destroyed = false;
  const serverUrl = () => (server.kind === 'running' ? server.url : null);

  const load = (target: BrowserWindow) => {
    const current = target.webContents.getURL();
    if (server.kind === 'running') {
      if (!isPanelUrl(current, server.url)) void target.loadURL(server.url);
    } else {
      void target.loadURL(statusPageUrl(server));
    }
  };

  const create = (): BrowserWindow => {
    const created = new BrowserWindow({
      width: 1200,
      height: 800,
      minWidth: 640,
      minHeight: 480,
      show: false,
      title: 'PiCloud',
      icon: options.icon,
      autoHideMenuBar: true,
      webPreferences: {
        preload: options.preload,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        devTools: options.devTools,
        spellcheck: false,
      },
    });
    const { webContents } = created;
    const leave = (url: string) => {
      if (navigationDecision(url, serverUrl()) === 'open-externally') void shell.openExternal(url);
    };
    webContents.setWindowOpenHandler(({ url }) => {
      leave(url);
      return { action: 'deny' };
    });
    webContents.on('will-navigate', (event) => {
      if (navigationDecision(event.url, serverUrl()) !== 'allow') {
        event.preventDefault();
        leave(event.url);
      }
    });
    webContents.on('will-attach-webview', (event) => event.preventDefault());
    webContents.session.setPermissionRequestHandler((_contents, permission, grant, details) =>
      grant(isPermissionGranted(permission, details.requestingUrl, serverUrl())),
    );
    webContents.session.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
      isPermissionGranted(permission, requestingOrigin, serverUrl()),
    );
    created.on('close', (event) => {
      if (destroyed) return;
      event.preventDefault();
      created.hide();
    });
    created.once('ready-to-show', () => created.show());
    load(created);
    return created;
  };

  return {
    show() {
      if (destroyed) return;
      if (!window) {
        window = create();
        return;
      }
      if (window.isMinimized()) window.restore();
      window.show();
      window.focus();
    },
    update(next) {
      const wasRunning = server.kind === 'running';
      server = next;
      // While running the panel stays as it is; every other change shows the status page anew.
      if (window && !(wasRunning && next.kind === 'running')) load(window);
    },
    sendStatus(status) {
      const channel: keyof DesktopEventChannels = 'desktop:status-changed';
      if (window && !window.isDestroyed()) window.webContents.send(channel, status);
    },
    isOwnTopFrame(sender, frame) {
      // A frame without a parent is the top frame (embedded frames may not call desktop actions).
      return window !== null && sender === window.webContents && frame !== null && frame.parent === null;
    },
    destroy() {
      destroyed = true;
      if (window && !window.isDestroyed()) window.destroy();
      window = null;
    },
  };
}
