/**
 * A start-up failure the user can fix (a data folder PostgreSQL cannot reach, a database that refuses
 * connections...). Its message is complete on its own, so the CLI prints it without a stack trace.
 */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}
