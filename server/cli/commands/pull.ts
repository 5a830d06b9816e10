/**
 * `picloud pull SLUG DIR`: writes an app of the appliance as a deploy folder (picloud.toml and
 * scripts/*.rhai), to keep in git and edit in any editor; `picloud deploy DIR` sends it back.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeDeployFolder } from '../deploy-folder.js';
import { EXIT } from '../exit-codes.js';
import { callApi, expectStatus, resolveTarget } from '../remote-api.js';

/** Runs `picloud pull SLUG DIR [--url URL]`. */
export async function runPull(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { url: { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length !== 2) {
    console.error('Usage: picloud pull SLUG DIR [--url URL]');
    return EXIT.usage;
  }
  const [slug, dir] = positionals;
  const target = resolveTarget(values);
  const response = await callApi(target, 'GET', `/admin/apps/${encodeURIComponent(slug)}/spec`);
  expectStatus(response, 200);
  const written = writeDeployFolder(resolve(dir), response.body);
  console.log(`Pulled "${slug}" from ${target.url} into ${dir}: ${written.join(', ')}`);
  return EXIT.ok;
}
