/**
 * What the main process accepts on each desktop request channel: the handlers' type and the check of
 * the arguments a page sent (untrusted input). No Electron import, so it is unit-tested.
 */
import { parseServerAction } from '../supervisor/server-state.js';
import type { DesktopInvokeChannel, DesktopInvokeChannels } from './desktop-api.js';

/** A handler for every request channel, typed by the channel map. */
export type DesktopInvokeHandlers = {
  [C in DesktopInvokeChannel]: (
    ...args: DesktopInvokeChannels[C]['args']
  ) => Promise<DesktopInvokeChannels[C]['result']> | DesktopInvokeChannels[C]['result'];
};

/**
 * Checks a request's arguments against its channel.
 * @returns the arguments, typed, or null when they are not what the channel takes.
 */
export function parseInvokeArgs<C extends DesktopInvokeChannel>(
  channel: C,
  args: readonly unknown[],
): DesktopInvokeChannels[C]['args'] | null {
  if (channel === 'desktop:control-server') {
    const action = args.length === 1 ? parseServerAction(args[0]) : null;
    return action === null ? null : ([action] as DesktopInvokeChannels[C]['args']);
  }
  return args.length === 0 ? ([] as DesktopInvokeChannels[C]['args']) : null;
}
