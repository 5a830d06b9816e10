/**
 * The desktop app assembled (Electron glue): the supervised server, the tray, the panel window, the
 * desktop IPC, notifications and "start at login". Everything it decides is computed by the pure
 * modules it wires; this file only connects them to Electron.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, clipboard, ipcMain, Notification, shell } from 'electron';
import { resolveDataDir, serverLaunch } from './desktop-config.js';
import type { DesktopStatus } from './ipc/desktop-api.js';
import { registerDesktopIpc } from './ipc/desktop-ipc.js';
import type { DesktopInvokeHandlers } from './ipc/invoke-args.js';
import { appCommand, HIDDEN_ARG, isAutostartEnabled, setAutostart, xdgConfigHome } from './login-item.js';
import { crashNotice, type DesktopNotice, failedNotice, restartedNotice } from './notifications.js';
import { endpointUrl, type ServerAction, type ServerState } from './supervisor/server-state.js';
import { ServerSupervisor } from './supervisor/server-supervisor.js';
import { readClusterNodes, watchClusterNodes } from './tray/cluster-nodes.js';
import { createAppTray } from './tray/tray.js';
import type { TrayAction, TrayState } from './tray/tray-menu.js';
import { createPanelWindow } from './window/panel-window.js';
import { isTrustedSender } from './window/window-policy.js';

/** The running desktop app. */
export interface DesktopApp {
  /** Starts the server (the app's normal state is "running"). */
  start(): Promise<void>;
  /** Shows the panel window. */
  showPanel(): void;
  /** Stops the server and releases everything; call before the app exits. */
  shutdown(): Promise<void>;
}

/** "Start at login": Electron's login items on macOS and Windows, an XDG autostart entry on Linux. */
function loginItem() {
  const location = {
    execPath: process.execPath,
    appPath: app.getAppPath(),
    isPackaged: app.isPackaged,
    env: process.env,
  };
  if (process.platform === 'linux') {
    const configHome = xdgConfigHome();
    return {
      get: () => isAutostartEnabled(configHome),
      set: (enabled: boolean) => setAutostart(configHome, enabled, appCommand(location)),
    };
  }
  return {
    get: () => app.getLoginItemSettings().openAtLogin,
    // `args` reaches Windows only; on macOS wasOpenedAtLogin tells the same (see main.ts).
    set: (enabled: boolean) => app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_ARG] }),
  };
}

function notify(notice: DesktopNotice, icon: string): void {
  if (Notification.isSupported()) new Notification({ title: notice.title, body: notice.body, icon }).show();
}

/** Builds the app. Call once Electron is ready. */
export function createDesktopApp(): DesktopApp {
  const launch = serverLaunch({
    appPath: app.getAppPath(),
    isPackaged: app.isPackaged,
    execPath: process.execPath,
    isElectron: true,
    env: process.env,
  });
  const dataDir = resolveDataDir(process.env);
  const resourcesDir = join(launch.serverRoot, 'resources');
  const icon = join(resourcesDir, 'icon.png');
  const supervisor = new ServerSupervisor({
    command: launch.command,
    args: launch.args,
    env: launch.env,
    dataDir,
  });
  const login = loginItem();
  let startAtLogin = login.get();

  const status = (): DesktopStatus => ({
    server: supervisor.state,
    endpointUrl: endpointUrl(supervisor.state),
    startAtLogin,
    dataDir,
    logFile: supervisor.logFile,
  });
  // The cluster's nodes, from the file the server rewrites when they change (no polling).
  let clusterNodes = readClusterNodes(dataDir);
  const trayState = (): TrayState => ({
    server: supervisor.state,
    nodes: supervisor.state.kind === 'running' ? clusterNodes : null,
    startAtLogin,
  });

  const window = createPanelWindow(
    {
      preload: fileURLToPath(new URL('./preload/preload.cjs', import.meta.url)),
      icon,
      devTools: !app.isPackaged,
    },
    supervisor.state,
  );

  const control = async (action: ServerAction): Promise<ServerState> => {
    if (action === 'start') return supervisor.start();
    if (action === 'stop') return supervisor.stop();
    return supervisor.restart();
  };
  const openInBrowser = async () => {
    const { state } = supervisor;
    if (state.kind !== 'running') return null;
    await shell.openExternal(state.url);
    return state.url;
  };
  const copyEndpointUrl = () => {
    const url = endpointUrl(supervisor.state);
    if (url) clipboard.writeText(url);
    return url;
  };
  const showDataFolder = async () => {
    await shell.openPath(dataDir);
    return dataDir;
  };
  const showLog = async () => {
    // openPath answers with an error message (not a rejection) when the file does not exist yet.
    if ((await shell.openPath(supervisor.logFile)) !== '') shell.showItemInFolder(dataDir);
    return supervisor.logFile;
  };

  const actions: Record<TrayAction, () => unknown> = {
    start: () => control('start'),
    stop: () => control('stop'),
    restart: () => control('restart'),
    'open-panel': () => window.show(),
    'open-in-browser': openInBrowser,
    'copy-endpoint-url': copyEndpointUrl,
    'toggle-start-at-login': () => {
      login.set(!startAtLogin);
      startAtLogin = login.get();
      refresh();
    },
    'show-data-folder': showDataFolder,
    'show-log': showLog,
    quit: () => app.quit(),
  };
  const tray = createAppTray({
    resourcesDir,
    initial: trayState(),
    run: (action) => {
      Promise.resolve(actions[action]()).catch((error: Error) =>
        notify({ title: 'PiCloud', body: error.message }, icon),
      );
    },
    onClick: () => window.show(),
  });

  const handlers: DesktopInvokeHandlers = {
    'desktop:get-status': status,
    'desktop:control-server': async (action) => {
      await control(action);
      return status();
    },
    'desktop:open-in-browser': openInBrowser,
    'desktop:copy-endpoint-url': copyEndpointUrl,
    'desktop:show-data-folder': showDataFolder,
    'desktop:show-log': showLog,
  };
  const unregister = registerDesktopIpc(ipcMain, handlers, (event) => {
    const frame = event.senderFrame;
    const state = supervisor.state;
    return (
      window.isOwnTopFrame(event.sender, frame) &&
      frame !== null &&
      isTrustedSender({ url: frame.url, isTopFrame: true }, state.kind === 'running' ? state.url : null)
    );
  });

  function refresh(): void {
    tray.update(trayState());
    window.update(supervisor.state);
    window.sendStatus(status());
  }
  supervisor.on('state', refresh);
  const unwatchNodes = watchClusterNodes(dataDir, (nodes) => {
    clusterNodes = nodes;
    refresh();
  });
  supervisor.on('crashed', (report) => notify(crashNotice(report), icon));
  supervisor.on('restarted', (state) => notify(restartedNotice(state), icon));
  supervisor.on('failed', (state) => notify(failedNotice(state), icon));

  return {
    async start() {
      await supervisor.start();
    },
    showPanel: () => window.show(),
    async shutdown() {
      unregister();
      unwatchNodes();
      await supervisor.dispose();
      window.destroy();
      tray.destroy();
    },
  };
}
