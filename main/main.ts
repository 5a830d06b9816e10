/**
 * The desktop app's entry point: one instance per user, then the tray app of desktop-app.ts. Quitting
 * waits for the server to stop cleanly. Started at login (HIDDEN_ARG, or macOS's login item), it
 * starts the server without opening the window.
 */
import { app } from 'electron';
import { createDesktopApp } from './desktop-app.js';
import { HIDDEN_ARG } from './login-item.js';

if (!app.requestSingleInstanceLock()) {
  // Another PiCloud window owns the server: it shows its panel on 'second-instance'.
  app.quit();
} else {
  void app.whenReady().then(() => {
    const desktop = createDesktopApp();
    app.on('second-instance', () => desktop.showPanel());
    app.on('activate', () => desktop.showPanel());
    // The app lives in the tray: closing the window does not quit.
    app.on('window-all-closed', () => undefined);
    let quitting = false;
    app.on('before-quit', (event) => {
      if (quitting) return;
      quitting = true;
      event.preventDefault();
      void desktop.shutdown().finally(() => app.exit(0));
    });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
    const hidden = process.argv.includes(HIDDEN_ARG) || app.getLoginItemSettings().wasOpenedAtLogin;
    if (!hidden) desktop.showPanel();
    void desktop.start();
  });
}
