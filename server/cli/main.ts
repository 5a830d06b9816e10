/**
 * The `picloud` command line: `start` runs the headless appliance; `status` and `version` report on
 * it; `admin` and `token` manage accounts and API tokens from the machine itself. Each command lives
 * in its own module under commands/, loaded only when it runs (start-up time matters for `start`);
 * this file only dispatches.
 */

import { CliFailure } from './cli-failure.js';
import { EXIT, wantsHelp } from './exit-codes.js';

export { EXIT } from './exit-codes.js';

const USAGE = `Usage: picloud <command> [options]

Commands:
  start             Run the appliance headless: embedded PostgreSQL + server (Ctrl+C stops it)
  status [--json]   Is PiCloud running here? Its URLs, pid and health
  version [--json]  Versions of the product and its surfaces (SDK, API, schema, wire)
  trust [--json]    The appliance CA's SHA-256 fingerprint, its certificate and the trust page
  rhai run FILE [--method M] [--path P] [--query K=V] [--header K:V] [--body TEXT] [--kv FILE] ...
                    Run a script as its endpoint would (ctx, kv::, secret::, modules beside it) and
                    print its response; errors with file:line:column
  rhai repl         Interactive Rhai shell (Ctrl+C stops a running evaluation)
  admin list [--json]
                    Admin accounts
  admin reset-password [--username NAME] [--password-stdin]
                    Set a new password (asked, read from stdin, or generated) and sign the account out
  token create --name NAME --scope SCOPE [--scope ...] [--app APP] [--expires 30d|12h|DATE] [--json]
                    Create a scoped API token, printed this once
  token list [--all] [--json]
                    API tokens (--all: revoked ones too)
  token revoke ID   Revoke an API token
  backup create [--to DIR] [--passphrase-stdin | --no-secrets]
                    Write a whole-appliance backup now (secret files only sealed under a passphrase)
  backup list       The backups, newest first
  backup restore FILE [--passphrase-stdin | --no-secrets] [--yes]
                    Restore a backup into this data folder (PiCloud stopped)
  app export SLUG [-o FILE] [--history] [--kv] [--passphrase-stdin]
                    Write the app as a bundle (.picloud.tgz)
  app import FILE [--as NEW-SLUG] [--dry-run] [--passphrase-stdin]
                    Create an app from a bundle, all or nothing
  login URL [--token-stdin]
                    Save an API token for the appliance at URL (pull, deploy and app use it)
  pull SLUG DIR [--url URL]
                    Write an app as a folder: picloud.toml + scripts/*.rhai
  deploy [DIR] [--url URL] [--dry-run] [--watch]
                    Make the app match the folder: compile all, show the plan, apply, wait until live
  cluster status|token|nodes|remove
                    This node's place in a cluster; on the primary: join tokens, nodes, removal
  join https://PRIMARY:PORT TOKEN
                    Join this machine to a cluster (the command \`picloud cluster token\` prints)
  help              This text; \`picloud COMMAND --help\` describes one command

Configuration comes from environment variables (PICLOUD_PORT, PICLOUD_HOST, PICLOUD_DATA_DIR,
PICLOUD_DATABASE_URL, ...) and an optional JSON file (PICLOUD_CONFIG). See docs/configuration.md.
\`admin\` and \`token\` work on the configured data folder whether PiCloud is running or not;
\`picloud admin help\` and \`picloud token help\` say more.`;

/** `--help` of the commands that have no subcommands (the others describe their own). */
const COMMAND_HELP: Record<string, string> = {
  start: `Usage: picloud start

Runs the appliance headless: the embedded PostgreSQL (or PICLOUD_DATABASE_URL) and the server. Prints
the panel's address on this machine and on the LAN; Ctrl+C or SIGTERM stops it gracefully. Settings
come from PICLOUD_* environment variables and the config file (see docs/configuration.md).`,
  status: `Usage: picloud status [--json]

Whether PiCloud runs on this machine's data folder: pid, URLs, health and versions.
Exit code 0 running and healthy, 1 running but unhealthy, 3 not running.
  --json   machine-readable output`,
  login: `Usage: picloud login URL [--token-stdin]

Checks an API token against the appliance at URL and saves both (in ~/.config/picloud/credentials.json,
or PICLOUD_CREDENTIALS) for pull, deploy and app. The token is asked on a terminal, read from standard
input with --token-stdin, or taken from PICLOUD_TOKEN. See docs/deploy.md.`,
  pull: `Usage: picloud pull SLUG DIR [--url URL]

Writes the app SLUG as a deploy folder: DIR/picloud.toml and DIR/scripts/NAME.rhai. See docs/deploy.md.`,
  deploy: `Usage: picloud deploy [DIR] [--url URL] [--dry-run] [--watch]

Makes the app match the folder DIR (default .): the appliance compiles every script first (errors as
scripts/NAME.rhai:line:column, nothing changed), shows the plan, applies it in one transaction and
answers once the new versions are live.
  --dry-run   show the plan only
  --watch     deploy again whenever a file of the folder is saved (Ctrl+C stops)
  --url URL   the appliance (default: PICLOUD_URL, the saved login, or the local one)`,
  trust: `Usage: picloud trust [--json]

Prints the SHA-256 fingerprint of the appliance's certificate authority, where its certificate is
(ca.crt in the data folder) and the trust page (/trust on the panel). Compare the fingerprint with what
a device shows before trusting the CA. See docs/https.md.
  --json   machine-readable output`,
  version: `Usage: picloud version [--json]

The product version and the version of each surface this build speaks (SDK, API, schema, wire).
  --json   machine-readable output`,
};

/** Runs one command; resolves with the process exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    return await dispatch(argv);
  } catch (error) {
    // node:util parseArgs reports unknown or malformed options with ERR_PARSE_ARGS_* codes.
    if (String((error as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS')) {
      console.error(`picloud: ${(error as Error).message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    // The commands that talk to an appliance over HTTP (login, pull, deploy, app) refuse this way.
    if (error instanceof CliFailure) {
      console.error(`picloud: ${error.message}`);
      return error.exitCode;
    }
    throw error;
  }
}

async function dispatch(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const alias = command === '--version' || command === '-v' ? 'version' : command;
  if (alias !== undefined && Object.hasOwn(COMMAND_HELP, alias) && wantsHelp(rest)) {
    console.log(COMMAND_HELP[alias]);
    return EXIT.ok;
  }
  switch (command) {
    case 'start':
      return (await import('./commands/start.js')).runStart(rest);
    case 'status':
      return (await import('./commands/status.js')).runStatus(rest);
    case 'trust':
      return (await import('./commands/trust.js')).runTrust(rest);
    case 'rhai':
      return (await import('./commands/rhai.js')).runRhai(rest);
    case 'admin':
      return (await import('./commands/admin.js')).runAdmin(rest);
    case 'token':
      return (await import('./commands/token.js')).runToken(rest);
    case 'backup':
      return (await import('./commands/backup.js')).runBackup(rest);
    case 'app':
      return (await import('./commands/app.js')).runApp(rest);
    case 'login':
      return (await import('./commands/login.js')).runLogin(rest);
    case 'pull':
      return (await import('./commands/pull.js')).runPull(rest);
    case 'deploy':
      return (await import('./commands/deploy.js')).runDeploy(rest);
    case 'cluster':
      return (await import('./commands/cluster.js')).runCluster(rest);
    case 'join':
      return (await import('./commands/join.js')).runJoin(rest);
    case 'version':
    case '--version':
    case '-v':
      return (await import('./commands/version.js')).runVersion(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? EXIT.usage : EXIT.ok;
    default:
      console.error(`picloud: unknown command "${command}"\n\n${USAGE}`);
      return EXIT.usage;
  }
}
