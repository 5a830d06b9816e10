/**
 * `picloud backup`: whole-appliance backups from the machine itself — write one (while PiCloud runs or
 * not), list them, restore one into an empty data folder or over the current data (after a
 * confirmation; a `pre-restore` backup of the replaced data is written first). See docs/backup.md.
 */
import { isAbsolute, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import type { BackupInfo } from '../../backup/backup-archive.js';
import { listBackupFolder } from '../../backup/backup-service.js';
import { backupDirOf, createBackupService } from '../../backup/build-backups.js';
import { loadConfig } from '../../config/load-config.js';
import { ConfigError } from '../../config/settings.js';
import { recordCliAction, withCliDatabase } from '../cli-database.js';
import { CliFailure } from '../cli-failure.js';
import { EXIT, wantsHelp } from '../exit-codes.js';
import { printTable, shortDate } from '../format.js';
import { promptHidden, readFirstLine } from '../terminal-input.js';

const BACKUP_USAGE = `Usage: picloud backup <command>

Commands:
  create [--to DIR] [--passphrase-stdin | --no-secrets] [--json]
                    Write a backup now (PiCloud may be running). The secret files (secrets.key) go in
                    only sealed under a passphrase: asked on a terminal, read from the first line of
                    standard input with --passphrase-stdin, or left out with --no-secrets.
  list [--json]     The backups of the backup folder, newest first
  restore FILE [--passphrase-stdin | --no-secrets] [--yes] [--json]
                    Restore a backup into this data folder while PiCloud is stopped. Over existing data
                    it asks for confirmation (--yes skips it) and first writes a pre-restore backup.
                    Without the passphrase everything but the secrets is restored.

The backup folder is PICLOUD_BACKUP_DIR (default: backups/ in the data folder). A running PiCloud
restores through its panel (Settings → Backups) or POST /api/v1/admin/backups:restore.`;

/** Dispatches `picloud backup <command>`. */
export async function runBackup(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (wantsHelp(argv)) {
    console.log(BACKUP_USAGE);
    return EXIT.ok;
  }
  switch (command) {
    case 'create':
      return runBackupCreate(rest);
    case 'list':
      return runBackupList(rest);
    case 'restore':
      return runBackupRestore(rest);
    case 'help':
    case '--help':
    case '-h':
      console.log(BACKUP_USAGE);
      return EXIT.ok;
    case undefined:
      console.error(BACKUP_USAGE);
      return EXIT.usage;
    default:
      console.error(`picloud: unknown backup command "${command}"\n\n${BACKUP_USAGE}`);
      return EXIT.usage;
  }
}

const PASSPHRASE_OPTIONS = {
  'passphrase-stdin': { type: 'boolean' },
  'no-secrets': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/** The passphrase the options ask for: from stdin, asked on a terminal, or none. */
async function passphraseFrom(
  values: { 'passphrase-stdin'?: boolean; 'no-secrets'?: boolean },
  question: string,
): Promise<string | null> {
  if (values['no-secrets']) return null;
  if (values['passphrase-stdin']) return readFirstLine(process.stdin, '--passphrase-stdin');
  if (process.stdin.isTTY) return promptHidden(question);
  throw new CliFailure('give --passphrase-stdin (the passphrase on standard input) or --no-secrets');
}

function describe(info: BackupInfo): string {
  return `${info.name} (${info.size} bytes, secrets ${info.secrets === 'sealed' ? 'sealed under the passphrase' : 'left out'})`;
}

async function runBackupCreate(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...PASSPHRASE_OPTIONS, to: { type: 'string' } } });
  const passphrase = await passphraseFrom(values, 'Passphrase to seal the secret files: ');
  return withCliDatabase(
    async (db, { config, cli }) => {
      const info = await createBackupService(config, cli).create({ kind: 'manual', passphrase });
      await recordCliAction(db, config, {
        action: 'cli.backup.create',
        target: { name: info.name },
        appId: null,
      });
      if (values.json) console.log(JSON.stringify({ ...info, folder: backupDirOf(config) }, null, 2));
      else console.log(`Wrote ${backupDirOf(config)}/${describe(info)}`);
      return EXIT.ok;
    },
    {
      prepare: (config) => {
        if (values.to !== undefined)
          config.backupDir = isAbsolute(values.to) ? values.to : resolve(values.to);
      },
    },
  );
}

async function runBackupList(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' } } });
  // Only the backup folder is read: no database needed, whether PiCloud runs or not.
  let folder: string;
  try {
    folder = backupDirOf(loadConfig());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`picloud: ${error.message}`);
    return EXIT.failure;
  }
  const items = await listBackupFolder(folder);
  if (values.json) {
    console.log(JSON.stringify({ folder, items }, null, 2));
    return EXIT.ok;
  }
  if (items.length === 0) {
    console.log(`No backups in ${folder}.`);
    return EXIT.ok;
  }
  printTable([
    ['NAME', 'CREATED', 'KIND', 'SIZE', 'SECRETS'],
    ...items.map((b) => [b.name, shortDate(b.created_at), b.kind, String(b.size), b.secrets]),
  ]);
  return EXIT.ok;
}

async function confirmReplace(): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await terminal.question(
      'This data folder holds data. The restore replaces it (a pre-restore backup is written first).\nType "replace" to continue: ',
    );
    return answer.trim() === 'replace';
  } finally {
    terminal.close();
  }
}

async function runBackupRestore(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...PASSPHRASE_OPTIONS, yes: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) {
    console.error('picloud: backup restore takes one FILE (a .backup.tgz)');
    return EXIT.usage;
  }
  const file = resolve(positionals[0]);
  const passphrase = await passphraseFrom(
    values,
    'Passphrase of the backup (empty: restore without secrets): ',
  );
  return withCliDatabase(
    async (db, { config, cli }) => {
      if (cli.mode === 'running') {
        throw new CliFailure(
          `PiCloud is running (pid ${cli.runtime?.pid}): stop it first, or restore through its panel (Settings → Backups)`,
        );
      }
      const service = createBackupService(config, cli);
      let confirmed = values.yes === true;
      let report: Awaited<ReturnType<typeof service.restoreFile>>;
      try {
        report = await service.restoreFile(file, {
          passphrase: passphrase || null,
          confirmReplace: confirmed,
        });
      } catch (error) {
        if ((error as { code?: string }).code !== 'PICLOUD_ERR_BACKUP_CONFIRM_REQUIRED' || confirmed)
          throw error;
        confirmed = await confirmReplace();
        if (!confirmed)
          throw new CliFailure('the data folder holds data: confirm with --yes; nothing changed');
        report = await service.restoreFile(file, { passphrase: passphrase || null, confirmReplace: true });
      }
      await recordCliAction(db, config, {
        action: 'cli.backup.restore',
        target: { file, backup_id: report.backup.id, secrets: report.secrets },
        appId: null,
      });
      if (values.json) {
        console.log(JSON.stringify(report, null, 2));
        return EXIT.ok;
      }
      console.log(
        `Restored the backup of ${report.backup.created_at} (PiCloud ${report.backup.product}, schema ${report.backup.schema}).`,
      );
      console.log(report.message);
      if (report.preRestoreBackup)
        console.log(`The replaced data is in ${backupDirOf(config)}/${report.preRestoreBackup.name}.`);
      for (const path of report.keptAside) console.log(`Kept aside: ${path}`);
      return EXIT.ok;
    },
    { create: true },
  );
}
