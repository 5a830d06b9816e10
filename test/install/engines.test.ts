/**
 * `npm ci` must install on the oldest Node the README promises (package.json `engines.node`) without
 * a single EBADENGINE warning: npm's own check, run on the real lockfile, and the same check for
 * every locked package against the promised minimum (npm only compares with the Node running it).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../server/paths.js';

const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package-lock.json'), 'utf8'));

describe('installing with npm ci', () => {
  it('prints no EBADENGINE warning (npm ci --dry-run on the lockfile)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'picloud-npm-ci-'));
    try {
      copyFileSync(join(PACKAGE_ROOT, 'package.json'), join(dir, 'package.json'));
      copyFileSync(join(PACKAGE_ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
      const npm = spawnSync('npm', ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, npm_config_loglevel: 'warn' },
        timeout: 120_000,
      });
      const output = `${npm.stdout}\n${npm.stderr}`;
      expect(npm.status, output).toBe(0);
      expect(output).not.toContain('EBADENGINE');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(`locks only packages whose engines accept Node ${pkg.engines.node}`, () => {
    const minimum = semver.minVersion(pkg.engines.node);
    expect(minimum).not.toBeNull();
    const refused = Object.entries(lock.packages as Record<string, { version?: string; engines?: unknown }>)
      .filter(([path, entry]) => path !== '' && typeof entry.engines === 'object' && entry.engines !== null)
      .map(([path, entry]) => ({
        path,
        version: entry.version,
        node: (entry.engines as { node?: string }).node,
      }))
      .filter(({ node }) => typeof node === 'string' && !semver.satisfies(minimum as semver.SemVer, node));
    expect(refused).toEqual([]);
  });
});
