/**
 * The main-process side of the desktop IPC: one handler per request channel of desktop-api.ts, each
 * refusing calls from anything but the panel window's top frame and checking its arguments (the page
 * is a web page: whatever it sends is untrusted input).
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { DESKTOP_INVOKE_CHANNELS } from './desktop-api.js';
import { type DesktopInvokeHandlers, parseInvokeArgs } from './invoke-args.js';

/** Registers the handlers; returns a function that removes them. */
export function registerDesktopIpc(
  ipcMain: IpcMain,
  handlers: DesktopInvokeHandlers,
  isTrusted: (event: IpcMainInvokeEvent) => boolean,
): () => void {
  for (const channel of DESKTOP_INVOKE_CHANNELS) {
    ipcMain.handle(channel, (event, ...args: unknown[]) => {
      if (!isTrusted(event))
        throw new Error(`${channel}: not allowed from ${event.senderFrame?.url ?? 'a gone frame'}`);
      const parsed = parseInvokeArgs(channel, args);
      if (parsed === null) throw new Error(`${channel}: invalid arguments`);
      const handler = handlers[channel] as (...values: readonly unknown[]) => unknown;
      return handler(...parsed);
    });
  }
  return () => {
    for (const channel of DESKTOP_INVOKE_CHANNELS) ipcMain.removeHandler(channel);
  };
}
