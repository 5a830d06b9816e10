/**
 * `picloud app export SLUG` / `picloud app import FILE`: app bundles from the command line, through the
 * appliance's API (see remote-api.ts for how it is found). `export` writes the bundle to standard
 * output or `-o FILE`; `import` checks everything first and is all-or-nothing, `--dry-run` shows the
 * plan only, `--as NEW-SLUG` imports a copy under another slug.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CliFailure } from '../cli-failure.js';
import { EXIT, wantsHelp } from '../exit-codes.js';
import { callApi, expectStatus, resolveTarget } from '../remote-api.js';
import { readFirstLine } from '../terminal-input.js';

const APP_USAGE = `Usage: picloud app <command>

Commands:
  export SLUG [-o FILE] [--history] [--kv] [--passphrase-stdin] [--url URL]
                    Write the app as a bundle (.picloud.tgz) to FILE or standard output: settings,
                    domains, routes, triggers, scripts (--history: every version), KV data (--kv),
                    secret names (values only sealed under a passphrase read from standard input)
  import FILE [--as NEW-SLUG] [--dry-run] [--passphrase-stdin] [--url URL]
                    Create the app from a bundle, all or nothing; --dry-run shows the plan`;

/** Dispatches `picloud app <command>`. */
export async function runApp(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (wantsHelp(argv)) {
    console.log(APP_USAGE);
    return EXIT.ok;
  }
  if (command === 'export') return runExport(rest);
  if (command === 'import') return runImport(rest);
  if (command === 'help' || command === '--help' || command === '-h') {
    console.log(APP_USAGE);
    return EXIT.ok;
  }
  console.error(command ? `picloud: unknown app command "${command}"\n\n${APP_USAGE}` : APP_USAGE);
  return EXIT.usage;
}

async function passphraseHeader(stdin: boolean | undefined): Promise<Record<string, string>> {
  return stdin ? { 'x-picloud-passphrase': await readFirstLine(process.stdin, '--passphrase-stdin') } : {};
}

async function runExport(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      output: { type: 'string', short: 'o' },
      history: { type: 'boolean' },
      kv: { type: 'boolean' },
      'passphrase-stdin': { type: 'boolean' },
      url: { type: 'string' },
    },
    allowPositionals: true,
  });
  if (positionals.length !== 1) {
    console.error(APP_USAGE);
    return EXIT.usage;
  }
  if (!values.output && process.stdout.isTTY)
    throw new CliFailure('a bundle is binary: redirect it (> garden.picloud.tgz) or give -o FILE');
  const target = resolveTarget(values);
  const query = new URLSearchParams({
    history: String(values.history === true),
    kv: String(values.kv === true),
  });
  const response = await callApi(
    target,
    'GET',
    `/admin/apps/${encodeURIComponent(positionals[0])}/export?${query}`,
    undefined,
    {
      headers: await passphraseHeader(values['passphrase-stdin']),
    },
  );
  expectStatus(response, 200);
  if (values.output) {
    writeFileSync(values.output, response.raw);
    console.error(`Wrote ${values.output} (${response.raw.length} bytes).`);
  } else {
    process.stdout.write(response.raw);
  }
  return EXIT.ok;
}

async function runImport(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      as: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'passphrase-stdin': { type: 'boolean' },
      url: { type: 'string' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  if (positionals.length !== 1) {
    console.error(APP_USAGE);
    return EXIT.usage;
  }
  const bundle = readFileSync(positionals[0]);
  const target = resolveTarget(values);
  const query = new URLSearchParams({
    dry_run: String(values['dry-run'] === true),
    ...(values.as ? { as: values.as } : {}),
  });
  const response = await callApi(target, 'POST', `/admin/apps:import?${query}`, new Uint8Array(bundle), {
    contentType: 'application/gzip',
    headers: await passphraseHeader(values['passphrase-stdin']),
  });
  expectStatus(response, 200);
  const result = response.body;
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
    return EXIT.ok;
  }
  const { plan } = result;
  for (const conflict of plan.conflicts)
    console.log(`  ! ${conflict.kind} ${conflict.value}: held by app "${conflict.app.slug}"`);
  for (const domain of plan.domains)
    if (domain.action === 'skipped') console.log(`  ! domain ${domain.pattern} left out (${domain.reason})`);
  const count = (items: { action: string }[]) => items.filter((i) => i.action === 'create').length;
  const summary = `app ${plan.app.slug}: ${count(plan.scripts)} script(s), ${count(plan.routes)} route(s), ${count(plan.triggers)} trigger(s), ${count(plan.domains)} domain(s), ${result.kv_entries} KV entries`;
  if (!result.applied) {
    console.log(
      `Would create ${summary}${plan.conflicts.length > 0 ? ' — but it conflicts (see above; --as NEW-SLUG imports a copy)' : ''}.`,
    );
    return plan.conflicts.length > 0 ? EXIT.failure : EXIT.ok;
  }
  console.log(`Imported ${summary}.`);
  if (result.secrets === 'names-only') console.log(`Secrets to set again: ${result.secret_names.join(', ')}`);
  return EXIT.ok;
}
