/**
 * The panel window's preload: exposes the desktop actions of main/ipc/desktop-api.ts on
 * `window.picloudDesktop` through the context bridge, and nothing else. CommonJS because sandboxed
 * preloads cannot be ES modules, and self-contained because they may require only `electron`: the
 * channel names are literals here, checked against the typed channel map.
 */
import electron = require('electron');

import type {
  DesktopApi,
  DesktopEventChannels,
  DesktopInvokeChannel,
  DesktopInvokeChannels,
  DesktopStatus,
} from '../ipc/desktop-api.js' with { 'resolution-mode': 'import' };

const { contextBridge, ipcRenderer } = electron;

function invoke<C extends DesktopInvokeChannel>(
  channel: C,
  ...args: DesktopInvokeChannels[C]['args']
): Promise<DesktopInvokeChannels[C]['result']> {
  return ipcRenderer.invoke(channel, ...args);
}

const statusChanged: keyof DesktopEventChannels = 'desktop:status-changed';

const api: DesktopApi = {
  getStatus: () => invoke('desktop:get-status'),
  controlServer: (action) => invoke('desktop:control-server', action),
  openInBrowser: () => invoke('desktop:open-in-browser'),
  copyEndpointUrl: () => invoke('desktop:copy-endpoint-url'),
  showDataFolder: () => invoke('desktop:show-data-folder'),
  showLog: () => invoke('desktop:show-log'),
  onStatusChanged(listener) {
    // The page never sees the IPC event object (it would expose ipcRenderer through event.sender).
    const forward = (_event: unknown, status: DesktopStatus) => listener(status);
    ipcRenderer.on(statusChanged, forward);
    return () => {
      ipcRenderer.removeListener(statusChanged, forward);
    };
  },
};

// The global's name is DESKTOP_API_GLOBAL in desktop-api.ts (a value import is not possible here).
contextBridge.exposeInMainWorld('picloudDesktop', api);
