/**
 * Locations inside the installed package (migrations, resources, the built panel). Resolved from this
 * file's own location so they work the same from TypeScript sources (tests) and from dist/ (runtime).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'migrations'))) return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('PiCloud package root not found (no package.json next to migrations/)');
    dir = parent;
  }
}

/** The directory holding package.json, migrations/ and resources/. */
export const PACKAGE_ROOT: string = findPackageRoot();

/** Numbered SQL migrations. */
export const MIGRATIONS_DIR: string = join(PACKAGE_ROOT, 'migrations');

/** Icons, tray images and seed scripts. */
export const RESOURCES_DIR: string = join(PACKAGE_ROOT, 'resources');

/** The control panel's build (`vite build` in `npm run build`), served at `/`. */
export const PANEL_DIR: string = join(PACKAGE_ROOT, 'renderer', 'dist');

/** The parsed package.json of PiCloud itself. */
export function readPackageJson(): { name: string; version: string } {
  return JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
}
