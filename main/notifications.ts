/**
 * What the desktop notifications say about the supervised server, as pure functions of the
 * supervisor's events (main.ts shows them with Electron's Notification).
 */

import type { ServerState } from './supervisor/server-state.js';
import type { CrashReport } from './supervisor/server-supervisor.js';
import { FAILURE_HEADLINES } from './tray/tray-menu.js';

/** A notification's text. */
export interface DesktopNotice {
  readonly title: string;
  readonly body: string;
}

/** The server crashed and will be restarted. */
export function crashNotice(report: CrashReport): DesktopNotice {
  const delay = Math.max(1, Math.round(report.restartInMs / 1000));
  const times = report.failures === 1 ? '' : ` (${report.failures} times in a row)`;
  return {
    title: 'PiCloud server crashed',
    body: `${report.message}${times}. Restarting in ${delay} s.`,
  };
}

/** The server is ready again after a crash. */
export function restartedNotice(state: Extract<ServerState, { kind: 'running' }>): DesktopNotice {
  return { title: 'PiCloud server restarted', body: `Running again at ${state.url}` };
}

/** The supervisor gave up: the server needs the user. */
export function failedNotice(state: Extract<ServerState, { kind: 'error' }>): DesktopNotice {
  return { title: `PiCloud: ${FAILURE_HEADLINES[state.failure]}`, body: state.message };
}
