/**
 * `picloud rhai run FILE` runs a Rhai script with PiCloud's engine (print goes to stdout, errors show
 * file:line:column with the source line); `picloud rhai repl` is an interactive shell. Both use the
 * engine's standard library only: no appliance, no database.
 */
import { parseArgs } from 'node:util';
import { startRepl } from '../../rhai/tools/repl.js';
import { runFile } from '../../rhai/tools/run-file.js';

const USAGE = `Usage:
  picloud rhai run FILE [--max-operations N]   run a script; exit 1 on an error
  picloud rhai repl                            interactive Rhai shell (:help inside)`;

/** Dispatches `picloud rhai ...`. */
export async function runRhai(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'run') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { 'max-operations': { type: 'string' } },
    });
    if (positionals.length !== 1) {
      console.error(`picloud rhai run: expected one FILE\n\n${USAGE}`);
      return 2;
    }
    const maxOperations = values['max-operations'] === undefined ? 0 : Number(values['max-operations']);
    if (!Number.isInteger(maxOperations) || maxOperations < 0) {
      console.error('picloud rhai run: --max-operations must be a non-negative integer');
      return 2;
    }
    return runFile(positionals[0], {
      stdout: process.stdout,
      stderr: process.stderr,
      engineOptions: { limits: { maxOperations } },
    });
  }
  if (sub === 'repl') {
    parseArgs({ args: rest, options: {} });
    await startRepl({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY === true });
    return 0;
  }
  console.error(sub === undefined ? USAGE : `picloud rhai: unknown command "${sub}"\n\n${USAGE}`);
  return 2;
}
