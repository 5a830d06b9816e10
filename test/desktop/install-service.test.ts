/**
 * The headless install (build/picloud.service, build/install-service.sh), checked without touching the
 * machine: the unit's keys, systemd's own verifier and shellcheck when they are installed, and the
 * installer's --dry-run, which prints every change it would make.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../server/paths.js';

const UNIT = join(PACKAGE_ROOT, 'build', 'picloud.service');
const INSTALLER = join(PACKAGE_ROOT, 'build', 'install-service.sh');
const scratch = mkdtempSync(join(tmpdir(), 'picloud-install-service-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The unit's `Key=value` lines, by section (keys may repeat, e.g. Environment). */
function parseUnit(text: string): Record<string, [string, string][]> {
  const sections: Record<string, [string, string][]> = {};
  let section = '';
  for (const line of text.split('\n')) {
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      section = header[1];
      sections[section] = [];
    } else if (/^\w+=/.test(line)) {
      const at = line.indexOf('=');
      sections[section].push([line.slice(0, at), line.slice(at + 1)]);
    }
  }
  return sections;
}

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

function installer(args: string[], env: Record<string, string> = {}) {
  return spawnSync('bash', [INSTALLER, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
}

describe('build/picloud.service', () => {
  const unit = parseUnit(readFileSync(UNIT, 'utf8'));
  const service = Object.fromEntries(unit.Service.filter(([key]) => key !== 'Environment'));
  const environment = unit.Service.filter(([key]) => key === 'Environment').map(([, value]) => value);

  it('runs `picloud start` under a dedicated user, restarting on failure', () => {
    expect(service).toMatchObject({
      Type: 'simple',
      User: 'picloud',
      Group: 'picloud',
      ExecStart: '/usr/bin/node /opt/picloud/bin/picloud.js start',
      Restart: 'on-failure',
      RestartSec: '5',
      KillSignal: 'SIGTERM',
      KillMode: 'mixed',
      TimeoutStopSec: '30',
    });
    expect(environment).toContain('PICLOUD_DATA_DIR=/var/lib/picloud');
    expect(Object.fromEntries(unit.Install)).toEqual({ WantedBy: 'multi-user.target' });
    expect(Object.fromEntries(unit.Unit)).toMatchObject({
      After: 'network-online.target',
      Wants: 'network-online.target',
    });
  });

  it('is hardened: it writes its data folder and nothing else', () => {
    expect(service).toMatchObject({
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ReadWritePaths: '/var/lib/picloud',
      StateDirectory: 'picloud',
      StateDirectoryMode: '0700',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
    });
    // Node's JIT needs writable executable memory.
    expect(service.MemoryDenyWriteExecute).toBeUndefined();
  });

  it.skipIf(!has('systemd-analyze'))('passes systemd-analyze verify', () => {
    const result = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8' });
    expect(result.stderr.split('\n').filter((line) => line.includes('picloud.service'))).toEqual([]);
  });
});

describe('build/install-service.sh', () => {
  it('is valid bash', () => {
    expect(spawnSync('bash', ['-n', INSTALLER], { encoding: 'utf8' }).stderr).toBe('');
  });

  it.skipIf(!has('shellcheck'))('passes shellcheck', () => {
    const result = spawnSync('shellcheck', [INSTALLER], { encoding: 'utf8' });
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it('--dry-run on a fresh machine: creates the user, copies and builds the app, installs and starts the unit', () => {
    const prefix = join(scratch, 'fresh', 'opt', 'picloud');
    const result = installer(['--dry-run', '--user', 'picloud-dry-run', '--prefix', prefix], {
      PICLOUD_INSTALL_ROOT: join(scratch, 'fresh'),
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const commands = result.stdout.split('\n').filter((line) => line.startsWith('+ '));
    const node = spawnSync(
      'readlink',
      ['-f', spawnSync('sh', ['-c', 'command -v node'], { encoding: 'utf8' }).stdout.trim()],
      {
        encoding: 'utf8',
      },
    ).stdout.trim();
    expect(commands).toEqual([
      '+ useradd --system --user-group --home-dir /var/lib/picloud --no-create-home --shell /usr/sbin/nologin picloud-dry-run',
      `+ rm -rf ${prefix}.new`,
      `+ mkdir -p ${prefix}.new`,
      `+ copy ${PACKAGE_ROOT} to ${prefix}.new (without node_modules, dist, release, .git)`,
      `+ npm ci --prefix ${prefix}.new --no-audit --no-fund`,
      `+ touch ${prefix}.new/.installed-by-install-service`,
      `+ rm -rf ${prefix}.old`,
      `+ mv ${prefix}.new ${prefix}`,
      `+ rm -rf ${prefix}.old`,
      `+ mkdir -p ${scratch}/fresh/etc/picloud`,
      `+ write ${scratch}/fresh/etc/picloud/picloud.env (mode 0644):`,
      `+ write ${scratch}/fresh/etc/systemd/system/picloud.service (mode 0644):`,
      '+ systemctl daemon-reload',
      '+ systemctl enable picloud.service',
      '+ systemctl restart picloud.service',
    ]);
    // The unit, adapted: this machine's Node, the install folder, the user.
    const unit = parseUnit(
      result.stdout
        .split('\n')
        .filter((line) => line.startsWith('|  '))
        .map((line) => line.slice(3))
        .join('\n'),
    );
    expect(Object.fromEntries(unit.Service.filter(([key]) => key !== 'Environment'))).toMatchObject({
      User: 'picloud-dry-run',
      Group: 'picloud-dry-run',
      WorkingDirectory: prefix,
      ExecStart: `${node} ${prefix}/bin/picloud.js start`,
      ProtectHome: 'yes',
    });
    // Nothing was changed.
    expect(existsSync(join(scratch, 'fresh'))).toBe(false);
  });

  it('--dry-run again over an installation keeps the settings and replaces the app', () => {
    const root = join(scratch, 'installed');
    const prefix = join(root, 'opt', 'picloud');
    mkdirSync(join(root, 'etc', 'picloud'), { recursive: true });
    writeFileSync(join(root, 'etc', 'picloud', 'picloud.env'), 'PICLOUD_PORT=9000\n');
    mkdirSync(prefix, { recursive: true });
    const result = installer(['--dry-run', '--prefix', prefix], { PICLOUD_INSTALL_ROOT: root });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`==> Keeping the settings in ${root}/etc/picloud/picloud.env`);
    expect(result.stdout).not.toContain('picloud.env (mode');
    expect(result.stdout).toContain(`+ mv ${prefix} ${prefix}.old\n+ mv ${prefix}.new ${prefix}\n`);
  });

  it('--dry-run --uninstall --purge removes the service, the app it installed, the data and settings', () => {
    const root = join(scratch, 'to-remove');
    const prefix = join(root, 'opt', 'picloud');
    mkdirSync(join(root, 'etc', 'systemd', 'system'), { recursive: true });
    writeFileSync(join(root, 'etc', 'systemd', 'system', 'picloud.service'), '');
    mkdirSync(prefix, { recursive: true });
    writeFileSync(join(prefix, '.installed-by-install-service'), '');
    const result = installer(
      ['--dry-run', '--uninstall', '--purge', '--user', 'picloud-dry-run', '--prefix', prefix],
      {
        PICLOUD_INSTALL_ROOT: root,
      },
    );
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n').filter((line) => line.startsWith('+ '))).toEqual([
      '+ systemctl disable --now picloud.service',
      `+ rm -f ${root}/etc/systemd/system/picloud.service`,
      '+ systemctl daemon-reload',
      `+ rm -rf ${prefix}`,
      `+ rm -rf ${root}/var/lib/picloud ${root}/etc/picloud`,
    ]);
    expect(existsSync(join(prefix, '.installed-by-install-service'))).toBe(true);
  });

  it('--uninstall keeps a folder it did not install, and the data', () => {
    const root = join(scratch, 'foreign');
    const prefix = join(root, 'srv', 'picloud');
    mkdirSync(prefix, { recursive: true });
    const result = installer(['--dry-run', '--uninstall', '--prefix', prefix], {
      PICLOUD_INSTALL_ROOT: root,
    });
    expect(result.stdout).toContain(`==> Keeping ${prefix}: this script did not install it`);
    expect(result.stdout).toContain('==> Kept the data in /var/lib/picloud');
    expect(result.stdout).not.toContain('+ rm');
  });

  it.each([
    [['--bogus'], 2, 'unknown option --bogus'],
    [['--purge'], 2, '--purge goes with --uninstall'],
    [['--prefix', 'relative/path', '--dry-run'], 2, '--prefix must be an absolute path'],
    [['--user', 'Robert;rm', '--dry-run'], 2, '--user must be a valid user name'],
  ])('refuses %j', (args, status, message) => {
    const result = installer(args);
    expect(result.status).toBe(status);
    expect(result.stderr).toContain(message);
  });

  it('--help explains the options', () => {
    const result = installer(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/--in-place[\s\S]*--uninstall[\s\S]*--purge[\s\S]*--dry-run/);
  });
});
