/**
 * A start-up failure the user can fix (a data folder PostgreSQL cannot reach, a database that refuses
 * connections...). Its message is complete on its own, so the CLI prints it without a stack trace.
 */
import type { ErrorCode } from './catalogue.js';

export class StartupError extends Error {
  /**
   * The catalogue code of a failure that will recur on every start until the user acts (port in use,
   * unwritable data folder...), or null. It ends the message, `... (PICLOUD_ERR_STARTUP_PORT_IN_USE)`,
   * so whoever reads `picloud start`'s output — a person, the desktop app's supervisor — can tell it
   * from a crash worth retrying.
   */
  readonly code: ErrorCode | null;

  constructor(message: string, options?: { cause?: unknown; code?: ErrorCode }) {
    super(options?.code ? `${message} (${options.code})` : message, options);
    this.name = 'StartupError';
    this.code = options?.code ?? null;
  }
}
