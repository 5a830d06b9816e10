/**
 * `picloud trust`: the appliance CA's SHA-256 fingerprint, where its certificate is, and the trust page —
 * so the owner can compare, out of band, what a device shows before trusting the CA. Reads only the
 * public certificate (`ca.crt`), never the key.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readRuntimeInfo } from '../../appliance/runtime-file.js';
import { processAlive } from '../../platform/process-alive.js';
import { CA_CERTIFICATE_FILE } from '../../trust/ca-files.js';
import { certificateFingerprint } from '../../trust/certificate-authority.js';
import { configuredDataDir } from '../configured-data-dir.js';
import { EXIT } from '../exit-codes.js';

/** Prints the CA's fingerprint; `--json` for machines. */
export async function runTrust(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' } } });
  const dataDir = configuredDataDir();
  if (dataDir === null) return EXIT.usage;
  const path = join(dataDir, CA_CERTIFICATE_FILE);
  let fingerprint: string;
  try {
    fingerprint = certificateFingerprint(readFileSync(path, 'utf8'));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    console.error(
      missing
        ? `picloud: no appliance CA in ${dataDir} yet: PiCloud makes it at its first start (picloud start)`
        : `picloud: ${path} is not a certificate: ${(error as Error).message}`,
    );
    return EXIT.failure;
  }
  const runtime = readRuntimeInfo(dataDir);
  const running = runtime !== null && processAlive(runtime.pid);
  const trustUrl = running ? (runtime.trustUrl ?? null) : null;
  if (values.json) {
    console.log(JSON.stringify({ fingerprint, certificate: path, trustUrl }));
    return EXIT.ok;
  }
  console.log(`PiCloud's certificate authority (CA)
  SHA-256:     ${fingerprint}
  certificate: ${path}
  trust page:  ${trustUrl ?? '(PiCloud is not running: start it, then open the panel at /trust)'}

Before a device trusts the CA, compare the fingerprint it shows with the one above: a CA fetched over
plain HTTP on a hostile network could have been swapped. See docs/https.md.`);
  return EXIT.ok;
}
