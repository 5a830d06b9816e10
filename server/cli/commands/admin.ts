/**
 * `picloud admin`: the owner's accounts, from the machine itself. `list` shows them; `reset-password`
 * sets a new password for a forgotten one and signs that account out everywhere. Both work whether
 * PiCloud runs or not (see cli-database.ts).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { RuntimeInfo } from '../../appliance/runtime-file.js';
import { listAdmins, resetPassword } from '../../manager/auth/account-store.js';
import { passwordProblem } from '../../security/password-hash.js';
import { recordCliAction, withCliDatabase } from '../cli-database.js';
import { CliFailure } from '../cli-failure.js';
import { EXIT, wantsHelp } from '../exit-codes.js';
import { printTable, shortDate } from '../format.js';
import { promptHidden, readFirstLine } from '../terminal-input.js';

const ADMIN_USAGE = `Usage: picloud admin <command>

Commands:
  list [--json]     Admin accounts: user name, when created, when the password last changed
  reset-password [--username NAME] [--password-stdin]
                    Set a new password and end every session of the account. The password is the
                    first line of standard input with --password-stdin, else asked twice on a terminal,
                    else generated and printed once. --username may be left out when there is one admin.

Works whether PiCloud is running or not, on the data folder of the configuration (PICLOUD_DATA_DIR).`;

/** Dispatches `picloud admin <command>`. */
export async function runAdmin(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (wantsHelp(argv)) {
    console.log(ADMIN_USAGE);
    return EXIT.ok;
  }
  switch (command) {
    case 'list':
      return runAdminList(rest);
    case 'reset-password':
      return runResetPassword(rest);
    case 'help':
    case '--help':
    case '-h':
      console.log(ADMIN_USAGE);
      return EXIT.ok;
    case undefined:
      console.error(ADMIN_USAGE);
      return EXIT.usage;
    default:
      console.error(`picloud: unknown admin command "${command}"\n\n${ADMIN_USAGE}`);
      return EXIT.usage;
  }
}

/** What to tell someone who wants an account before set-up created the first one. */
function noAdminYet(runtime: RuntimeInfo | null): string {
  const panel = runtime
    ? `open the panel (${runtime.panelUrl ?? runtime.localUrl}) on this machine`
    : 'start PiCloud (`picloud start`) and open its panel on this machine';
  return `no admin account exists yet: set-up has not happened. To create the first one, ${panel}, or POST /api/v1/auth/setup {"username", "password", "setup_code"} with the set-up code printed by \`picloud start\``;
}

async function runAdminList(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' } } });
  return withCliDatabase(async (db) => {
    const admins = await listAdmins(db);
    if (values.json) {
      console.log(JSON.stringify({ items: admins }, null, 2));
    } else if (admins.length === 0) {
      console.log('No admin account yet: set-up has not happened.');
    } else {
      const rows = admins.map((a) => [a.username, shortDate(a.created_at), shortDate(a.password_changed_at)]);
      printTable([['USERNAME', 'CREATED', 'PASSWORD CHANGED'], ...rows]);
    }
    return EXIT.ok;
  });
}

async function runResetPassword(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { username: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
  });
  const source = values['password-stdin'] ? 'stdin' : process.stdin.isTTY ? 'prompt' : 'generated';
  return withCliDatabase(
    async (db, { config, cli }) => {
      const names = (await listAdmins(db)).map((a) => a.username);
      if (names.length === 0) throw new CliFailure(noAdminYet(cli.runtime));
      const username = values.username?.trim().toLowerCase() ?? (names.length === 1 ? names[0] : null);
      if (username === null) {
        throw new CliFailure(
          `there are ${names.length} admin accounts: say which with --username NAME (${names.join(', ')})`,
          EXIT.usage,
        );
      }
      if (!names.includes(username)) {
        throw new CliFailure(`no admin named "${username}" (admins: ${names.join(', ')})`);
      }
      const password =
        source === 'stdin'
          ? await readFirstLine(process.stdin, '--password-stdin')
          : source === 'prompt'
            ? await promptNewPassword(username)
            : randomBytes(18).toString('base64url');
      const problem = passwordProblem(password);
      if (problem) throw new CliFailure(`${problem}; nothing changed`);
      await resetPassword(db, username, password);
      await recordCliAction(db, config, { action: 'cli.reset-password', target: { username }, appId: null });
      console.log(`Password of admin "${username}" changed; the account is signed out everywhere.`);
      if (source === 'generated') console.log(`New password (shown only this once): ${password}`);
      return EXIT.ok;
    },
    { noDatabase: noAdminYet(null) },
  );
}

/** Asks for the new password twice on the terminal, without echo. */
async function promptNewPassword(username: string): Promise<string> {
  const first = await promptHidden(`New password for ${username}: `);
  const problem = passwordProblem(first);
  if (problem) throw new CliFailure(problem);
  const second = await promptHidden('Repeat it: ');
  if (first !== second) throw new CliFailure('the two passwords differ; nothing changed');
  return first;
}
