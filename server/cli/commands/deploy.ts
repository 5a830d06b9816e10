/**
 * `picloud deploy DIR`: makes the appliance's app match a deploy folder. The appliance compiles every
 * script first (a script that does not compile stops the whole deploy, reported as
 * `scripts/NAME.rhai:line:column`), shows the plan (created / changed / deleted), applies it in one
 * transaction and answers once the new versions are live. `--dry-run` shows the plan only; `--watch`
 * deploys again whenever a file of the folder is saved.
 */
import { statSync, watch } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CliFailure } from '../cli-failure.js';
import { readDeployFolder } from '../deploy-folder.js';
import { EXIT } from '../exit-codes.js';
import { callApi, type RemoteTarget, resolveTarget } from '../remote-api.js';

/** How long after the last file event a watch deploys (editors write a file in several steps). */
const WATCH_SETTLE_MS = 300;

interface PlanItem {
  action: string;
}

/** Prints the plan's changes; returns how many there are. */
function printPlan(plan: any): number {
  const lines: string[] = [];
  const sign: Record<string, string> = { create: '+', update: '~', delete: '-', skipped: '!' };
  if (plan.app.action !== 'unchanged') lines.push(`  ${sign[plan.app.action]} app ${plan.app.slug}`);
  const sections: [string, PlanItem[], (item: any) => string][] = [
    [
      'script',
      plan.scripts,
      (s) => `${s.name}${s.action === 'update' || s.action === 'create' ? ` (version ${s.version})` : ''}`,
    ],
    ['route', plan.routes, (r) => r.route],
    ['trigger', plan.triggers, (t) => t.trigger],
    ['domain', plan.domains, (d) => `${d.pattern}${d.reason ? ` (${d.reason})` : ''}`],
  ];
  for (const [what, items, label] of sections) {
    for (const item of items)
      if (item.action !== 'unchanged') lines.push(`  ${sign[item.action]} ${what} ${label(item)}`);
  }
  for (const line of lines) console.log(line);
  return lines.length;
}

/** `scripts/NAME.rhai:line:column: message` for each script the appliance could not compile. */
function compileErrors(dir: string, error: any): string[] {
  const scripts = error?.details?.scripts as
    | { script: string; diagnostics: { line: number | null; column: number | null; message: string }[] }[]
    | undefined;
  if (!scripts) return [];
  return scripts.flatMap(({ script, diagnostics }) =>
    (diagnostics.length > 0 ? diagnostics : [{ line: null, column: null, message: error.message }]).map(
      (d) => `${join(dir, 'scripts', `${script}.rhai`)}:${d.line ?? 1}:${d.column ?? 1}: ${d.message}`,
    ),
  );
}

/** One deploy of `dir`; resolves with the exit code. */
async function deployOnce(
  target: RemoteTarget,
  dir: string,
  shown: string,
  dryRun: boolean,
): Promise<number> {
  const spec = readDeployFolder(dir);
  const response = await callApi(target, 'POST', '/admin/deploy', {
    app: spec.app?.slug,
    spec,
    dry_run: dryRun,
  });
  if (response.status !== 200) {
    const error = response.body?.error;
    const located = compileErrors(shown, error);
    if (located.length > 0) {
      for (const line of located) console.error(line);
      console.error(`picloud: nothing deployed: ${located.length} problem(s) (${error.code})`);
      return EXIT.failure;
    }
    throw new CliFailure(
      error ? `${error.message} (${error.code}); nothing deployed` : `HTTP ${response.status}`,
    );
  }
  const { plan, applied, live } = response.body;
  const changes = printPlan(plan);
  if (changes === 0) {
    console.log(`${plan.app.slug}: no changes (already deployed).`);
    return EXIT.ok;
  }
  if (dryRun) {
    console.log(`${plan.app.slug}: ${changes} change(s) planned (dry run: nothing applied).`);
    return EXIT.ok;
  }
  if (!applied) throw new CliFailure('the appliance did not apply the plan');
  if (!live) {
    console.error(
      `picloud: deployed ${changes} change(s) to ${plan.app.slug}, but the new versions were not live within 10 s`,
    );
    return EXIT.failure;
  }
  console.log(`${plan.app.slug}: deployed ${changes} change(s); live on ${target.url}.`);
  return EXIT.ok;
}

/** Runs `picloud deploy DIR [--url URL] [--dry-run] [--watch]`. */
export async function runDeploy(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { url: { type: 'string' }, 'dry-run': { type: 'boolean' }, watch: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length > 1) {
    console.error('Usage: picloud deploy [DIR] [--url URL] [--dry-run] [--watch]');
    return EXIT.usage;
  }
  const shown = positionals[0] ?? '.';
  const dir = resolve(shown);
  const target = resolveTarget(values);
  const dryRun = values['dry-run'] === true;
  if (!values.watch) return deployOnce(target, dir, shown, dryRun);

  const attempt = async () => {
    try {
      await deployOnce(target, dir, shown, dryRun);
    } catch (error) {
      if (!(error instanceof CliFailure)) throw error;
      console.error(`picloud: ${error.message}`);
    }
  };
  await attempt();
  console.log(`Watching ${shown} for changes (Ctrl+C stops).`);
  // Node's watcher on the two folders of a deploy folder: no polling; a burst of events deploys once.
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  const changed = () => {
    if (timer) clearTimeout(timer);
    // Settles a burst of file events into one deploy.
    timer = setTimeout(() => {
      timer = null;
      running = running.then(attempt);
    }, WATCH_SETTLE_MS);
  };
  const watchers = [
    watch(dir, changed),
    ...(existsDir(join(dir, 'scripts')) ? [watch(join(dir, 'scripts'), changed)] : []),
  ];
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      for (const watcher of watchers) watcher.close();
      if (timer) clearTimeout(timer);
      void running.then(done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return EXIT.ok;
}

function existsDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
