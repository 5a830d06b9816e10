/**
 * Reads why `picloud start` ended from its exit status and what it printed, and decides whether
 * starting it again can help. A failure that will recur (port in use, unwritable data folder...)
 * must become a clear error, never an endless restart loop.
 */
import type { FailureKind } from './server-state.js';

/** How the child ended. */
export interface ChildExit {
  /** Whether it had printed its ready banner. */
  readonly wasReady: boolean;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The end of its standard error (where `picloud start` reports failures). */
  readonly stderrTail: string;
}

/** What the supervisor makes of an exit. */
export interface ExitClassification {
  readonly failure: FailureKind;
  /** True when starting again cannot help until someone acts. */
  readonly permanent: boolean;
  /** One human line. */
  readonly message: string;
  /** The catalogue code the server printed, if any. */
  readonly code: string | null;
}

/** Start-up codes of the server's catalogue (server/errors/catalogue.ts) and what they mean here. */
const CODE_FAILURES: Readonly<Record<string, FailureKind>> = {
  PICLOUD_ERR_STARTUP_PORT_IN_USE: 'port-in-use',
  PICLOUD_ERR_STARTUP_DATA_DIR: 'data-dir',
  PICLOUD_ERR_STARTUP_ALREADY_RUNNING: 'already-running',
};

/**
 * The same failures told by their wording, for errors that carry no code: raised below the appliance
 * layer (PostgreSQL cannot enter the data folder) or by the configuration loader.
 */
const WORDING_FAILURES: readonly [RegExp, FailureKind][] = [
  [/\bEADDRINUSE\b/, 'port-in-use'],
  [/^PICLOUD_DATA_DIR=/, 'data-dir'],
  [/^PiCloud is already running with data folder/, 'already-running'],
  [/^(Invalid setting|Unknown setting|Config file) /, 'config'],
];

const PERMANENT: ReadonlySet<FailureKind> = new Set(['port-in-use', 'data-dir', 'already-running', 'config']);

/** The last `picloud: ...` line, without the prefix: the server's own one-line diagnosis. */
export function lastServerError(stderr: string): string | null {
  const lines = [...stderr.matchAll(/^picloud: (?:could not start: )?(.+)$/gm)];
  return lines.length === 0 ? null : lines[lines.length - 1][1].trim();
}

function describeExit(exit: ChildExit): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.exitCode}`;
}

/**
 * Classifies an exit the supervisor did not ask for.
 * @example classifyExit({ wasReady: false, exitCode: 1, signal: null,
 *   stderrTail: 'picloud: could not start: PICLOUD_PORT=8080: ... (PICLOUD_ERR_STARTUP_PORT_IN_USE)\n' })
 *   // { failure: 'port-in-use', permanent: true, code: 'PICLOUD_ERR_STARTUP_PORT_IN_USE', message: 'PICLOUD_PORT=8080: ...' }
 */
export function classifyExit(exit: ChildExit): ExitClassification {
  if (exit.wasReady) {
    return {
      failure: 'crashed',
      permanent: false,
      message: `The PiCloud server ${describeExit(exit)}`,
      code: null,
    };
  }
  const diagnosis = lastServerError(exit.stderrTail);
  if (diagnosis) {
    const code = /\((PICLOUD_ERR_[A-Z_]+)\)\s*$/.exec(diagnosis)?.[1] ?? null;
    const failure =
      (code && CODE_FAILURES[code]) ||
      WORDING_FAILURES.find(([pattern]) => pattern.test(diagnosis))?.[1] ||
      'start-failed';
    const message = code ? diagnosis.slice(0, diagnosis.lastIndexOf('(')).trim() : diagnosis;
    return { failure, permanent: PERMANENT.has(failure), message, code };
  }
  return {
    failure: 'start-failed',
    permanent: false,
    message: `The PiCloud server ${describeExit(exit)} before it was ready`,
    code: null,
  };
}
