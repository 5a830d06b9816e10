/** Every `picloud` command and subcommand answers `--help` (and `-h`) with its usage, exit code 0. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/appliance-process.js';

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
];

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
      ]) {
        expect(stdout).toContain(command);
      }
    }
  });
});
