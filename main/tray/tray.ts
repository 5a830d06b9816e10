/**
 * The tray icon (Electron glue): shows the menu, tooltip and image that tray-menu.ts computes for the
 * current state, and runs the chosen action. Rebuilt on state changes only: no timer.
 */
import { join } from 'node:path';
import { Menu, type MenuItemConstructorOptions, nativeImage, Tray } from 'electron';
import {
  buildTrayMenu,
  type TrayAction,
  type TrayMenuItem,
  type TrayState,
  trayIconFile,
  trayIconVariant,
  trayTooltip,
} from './tray-menu.js';

/** Electron's menu items for ours, each action wired to `run`. */
export function toElectronMenu(
  items: readonly TrayMenuItem[],
  run: (action: TrayAction) => void,
): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    switch (item.type) {
      case 'separator':
        return { type: 'separator' };
      case 'checkbox':
        return { type: 'checkbox', label: item.label, checked: item.checked, click: () => run(item.action) };
      case 'normal': {
        const { action } = item;
        return action
          ? { type: 'normal', label: item.label, enabled: item.enabled, click: () => run(action) }
          : { type: 'normal', label: item.label, enabled: item.enabled };
      }
      default:
        throw new Error(`unknown menu item ${JSON.stringify(item satisfies never)}`);
    }
  });
}

/** The tray icon of the app. */
export interface AppTray {
  /** Shows a new state. */
  update(state: TrayState): void;
  destroy(): void;
}

/** Creates the tray icon; `run` performs the menu's actions, `onClick` a plain click (Windows). */
export function createAppTray(options: {
  readonly resourcesDir: string;
  readonly initial: TrayState;
  readonly run: (action: TrayAction) => void;
  readonly onClick: () => void;
}): AppTray {
  const image = (state: TrayState) =>
    nativeImage.createFromPath(
      join(options.resourcesDir, trayIconFile(trayIconVariant(state.server), process.platform)),
    );
  const tray = new Tray(image(options.initial));
  // On Linux the menu is the whole UI (AppIndicator sends no clicks); on macOS a click opens the menu.
  if (process.platform === 'win32') tray.on('click', options.onClick);
  let shownVariant = trayIconVariant(options.initial.server);
  const update = (state: TrayState) => {
    tray.setToolTip(trayTooltip(state));
    tray.setContextMenu(Menu.buildFromTemplate(toElectronMenu(buildTrayMenu(state), options.run)));
    const variant = trayIconVariant(state.server);
    if (variant !== shownVariant) {
      tray.setImage(image(state));
      shownVariant = variant;
    }
  };
  update(options.initial);
  return { update, destroy: () => tray.destroy() };
}
