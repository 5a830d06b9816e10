/**
 * `picloud login URL`: checks an API token against an appliance and saves both in the credentials
 * file, so `picloud pull`, `deploy` and `app` reach it without `--url` and `PICLOUD_TOKEN`.
 */
import { parseArgs } from 'node:util';
import { CliFailure } from '../cli-failure.js';
import { EXIT } from '../exit-codes.js';
import { callApi, credentialsPath, expectStatus, normaliseUrl, saveLogin } from '../remote-api.js';
import { promptHidden, readFirstLine } from '../terminal-input.js';

/** Runs `picloud login URL [--token-stdin]`. */
export async function runLogin(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { 'token-stdin': { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) {
    console.error(
      'Usage: picloud login URL [--token-stdin]\n  Saves an API token (made with `picloud token create` or in the panel) for URL.',
    );
    return EXIT.usage;
  }
  const url = normaliseUrl(positionals[0]);
  const token = values['token-stdin']
    ? await readFirstLine(process.stdin, '--token-stdin')
    : process.env.PICLOUD_TOKEN || (process.stdin.isTTY ? await promptHidden(`API token for ${url}: `) : '');
  if (!token)
    throw new CliFailure('give the token on standard input with --token-stdin, or in PICLOUD_TOKEN');
  const status = await callApi({ url, token }, 'GET', '/auth/status');
  expectStatus(status, 200);
  if (!status.body?.signed_in) throw new CliFailure(`${url} does not accept this token`);
  saveLogin(url, token);
  const scopes = (status.body.scopes as string[]).join(', ');
  console.log(`Logged in to ${url} (scopes: ${scopes}${status.body.app_id ? `; one app only` : ''}).`);
  console.log(`Saved in ${credentialsPath()}.`);
  return EXIT.ok;
}
