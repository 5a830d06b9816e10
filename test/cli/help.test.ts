/**
 * Every `picloud` command and subcommand answers `--help` (and `-h`) with its usage, exit code 0 — those
 * listed here and every one the README's command table documents.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../server/paths.js';
import { runCli } from '../support/appliance-process.js';

/** The commands of the README's table: `picloud token list [--all]` is `token list`. */
function readmeCommands(): string[][] {
  const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
  const firstCells = readme
    .split('\n')
    .filter((line) => line.startsWith('| `picloud '))
    .map((line) => line.slice(1).split(/(?<!\\)\|/)[0]);
  const commands = firstCells.flatMap((cell) =>
    [...cell.matchAll(/`picloud ([^`]*)`/g)].map((m) => {
      const words = m[1].split(' ');
      const end = words.findIndex((word) => !/^[a-z][a-z-]*$/.test(word));
      return words.slice(0, end === -1 ? words.length : end);
    }),
  );
  return [...new Map(commands.filter((c) => c[0] !== 'help').map((c) => [c.join(' '), c])).values()];
}

const COMMANDS = [
  ['start'],
  ['status'],
  ['version'],
  ['rhai'],
  ['rhai', 'run'],
  ['rhai', 'run', 'script.rhai'],
  ['rhai', 'repl'],
  ['admin'],
  ['admin', 'list'],
  ['admin', 'reset-password'],
  ['token'],
  ['token', 'create'],
  ['token', 'list'],
  ['token', 'revoke'],
  ['backup'],
  ['backup', 'create'],
  ['backup', 'list'],
  ['backup', 'restore'],
  ['login'],
  ['pull'],
  ['deploy'],
  ['app'],
  ['app', 'export'],
  ['app', 'import'],
  ['cluster'],
  ['cluster', 'status'],
  ['cluster', 'token'],
  ['cluster', 'nodes'],
  ['cluster', 'remove'],
  ['join'],
];
const KNOWN = new Set(COMMANDS.map((command) => command.join(' ')));

describe('picloud COMMAND --help', () => {
  it.each(COMMANDS)('%s … --help', async (...command) => {
    for (const flag of ['--help', '-h']) {
      const { code, stdout, stderr } = await runCli([...command, flag], {
        PICLOUD_DATA_DIR: '/nonexistent/picloud',
      });
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: picloud|^Usage:\n {2}picloud/);
      expect(stdout).toContain(`picloud ${command[0]}`);
    }
  });

  it('covers every command the README documents', () => {
    const documented = readmeCommands();
    expect(documented.length).toBeGreaterThan(10);
    expect(documented.map((c) => c.join(' ')).filter((c) => !KNOWN.has(c))).toEqual([]);
  });

  it('picloud help and --help list every command', async () => {
    for (const args of [['help'], ['--help'], ['-h']]) {
      const { code, stdout } = await runCli(args, {});
      expect(code).toBe(0);
      for (const command of [
        'start',
        'status',
        'version',
        'rhai run',
        'rhai repl',
        'admin',
        'token',
        'backup',
        'app export',
        'app import',
        'login',
        'pull',
        'deploy',
        'cluster status',
        'join',
      ]) {
        expect(stdout).toContain(command);
      }
    }
  });
});
