/**
 * A refusal the user can act on, thrown by any command: printed as one `picloud: …` line, then the
 * process exits with `exitCode`. Its own module so that the dispatcher can recognise it without
 * loading the database code.
 */
import { EXIT } from './exit-codes.js';

export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
    this.name = 'CliFailure';
  }
}
