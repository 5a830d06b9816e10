/** `picloud version`: the product version and every surface version this build speaks. */
import { parseArgs } from 'node:util';
import { latestSchemaVersion, readMigrations } from '../../db/migrator.js';
import { MIGRATIONS_DIR } from '../../paths.js';
import { surfaceVersions } from '../../version.js';

/** Prints the versions; `--json` for machines. */
export async function runVersion(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' } } });
  const versions = surfaceVersions(latestSchemaVersion(readMigrations(MIGRATIONS_DIR)));
  if (values.json) console.log(JSON.stringify(versions));
  else
    console.log(
      `picloud ${versions.product} (sdk ${versions.sdk}, api v${versions.api}, schema ${versions.schema}, wire v${versions.wire})`,
    );
  return 0;
}
