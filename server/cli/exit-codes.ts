/** Exit codes shared by the `picloud` commands (their own module, so commands need not import main). */
export const EXIT = { ok: 0, failure: 1, usage: 2, notRunning: 3 } as const;

/** True when `--help` or `-h` stands among `argv` (before a `--`): the command then prints its usage. */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}
