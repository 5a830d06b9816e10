/**
 * An app as a folder of plain files, for git and the user's own editor: `picloud.toml` (or
 * `picloud.json`) holds the app's settings, host claims, routes and triggers; `scripts/NAME.rhai` holds
 * each script's source (a `[scripts.NAME]` table may say `kind = "module"` or give a description).
 * TOML is read and written with smol-toml (TOML 1.0); see docs/deploy.md for the format.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import type { AppSpec } from '../manager/app-spec/app-spec.js';
import { CliFailure } from './cli-failure.js';

/** The description file names, in the order they are looked for. */
export const DESCRIPTION_FILES = ['picloud.toml', 'picloud.json'] as const;
/** Largest script file read (the API refuses larger sources anyway). */
const MAX_SCRIPT_BYTES = 256 * 1024;
const SCRIPT_FILE = /^([A-Za-z_][A-Za-z0-9_-]{0,63})\.rhai$/;

/** The description file of `dir`, or null. */
export function descriptionFile(dir: string): string | null {
  for (const name of DESCRIPTION_FILES) if (existsSync(join(dir, name))) return join(dir, name);
  return null;
}

/** Reads a deploy folder into an app spec; a problem is a CliFailure naming the file. */
export function readDeployFolder(dir: string): AppSpec {
  const file = descriptionFile(dir);
  if (!file)
    throw new CliFailure(
      `${dir} has no picloud.toml (or picloud.json): run \`picloud pull SLUG ${dir}\` first`,
    );
  const text = readFileSync(file, 'utf8');
  let raw: Record<string, any>;
  try {
    raw = (file.endsWith('.toml') ? parseToml(text) : JSON.parse(text)) as Record<string, any>;
  } catch (error) {
    const e = error as Error & { line?: number; column?: number };
    const where = e.line ? `:${e.line}:${e.column ?? 1}` : '';
    throw new CliFailure(`${file}${where}: ${e.message.split('\n')[0]}`);
  }
  const settings = (raw.scripts ?? {}) as Record<string, { kind?: string; description?: string }>;
  const scriptsDir = join(dir, 'scripts');
  const files = existsSync(scriptsDir)
    ? readdirSync(scriptsDir)
        .filter((name) => name.endsWith('.rhai'))
        .sort()
    : [];
  const scripts: AppSpec['scripts'] = files.map((name) => {
    const match = SCRIPT_FILE.exec(name);
    if (!match)
      throw new CliFailure(`scripts/${name}: a script's name is letters, digits, "_" and "-" (at most 64)`);
    const source = readFileSync(join(scriptsDir, name));
    if (source.length > MAX_SCRIPT_BYTES) throw new CliFailure(`scripts/${name} is larger than 256 KiB`);
    const extra = settings[match[1]] ?? {};
    return {
      name: match[1],
      source: source.toString('utf8'),
      ...(extra.kind ? { kind: extra.kind as 'endpoint' | 'module' } : {}),
      ...(extra.description !== undefined ? { description: extra.description } : {}),
    };
  });
  for (const name of Object.keys(settings)) {
    if (!scripts.some((s) => s.name === name))
      throw new CliFailure(`${file}: [scripts.${name}] has no scripts/${name}.rhai`);
  }
  return {
    app: raw.app,
    domains: raw.domains ?? [],
    scripts,
    routes: raw.routes ?? [],
    triggers: raw.triggers ?? [],
  } as AppSpec;
}

/** Drops null and undefined values (TOML has no null). */
function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as T;
}

/** Writes an app spec as a deploy folder (picloud.toml and scripts/). */
export function writeDeployFolder(dir: string, spec: AppSpec): string[] {
  mkdirSync(join(dir, 'scripts'), { recursive: true });
  const scripts: Record<string, Record<string, string>> = {};
  for (const script of spec.scripts) {
    const extra = compact({
      kind: script.kind === 'module' ? 'module' : undefined,
      description: script.description ? script.description : undefined,
    });
    if (Object.keys(extra).length > 0) scripts[script.name] = extra as Record<string, string>;
  }
  const description = {
    domains: spec.domains ?? [],
    app: compact({ ...spec.app }),
    ...(Object.keys(scripts).length > 0 ? { scripts } : {}),
    routes: (spec.routes ?? []).map((route) => compact({ ...route })),
    triggers: (spec.triggers ?? []).map((trigger) => compact({ ...trigger })),
  };
  const written = ['picloud.toml'];
  writeFileSync(
    join(dir, 'picloud.toml'),
    `# The PiCloud app "${spec.app.slug}": deploy with \`picloud deploy .\` (see docs/deploy.md).\n${stringifyToml(description)}\n`,
  );
  for (const script of spec.scripts) {
    writeFileSync(join(dir, 'scripts', `${script.name}.rhai`), script.source);
    written.push(`scripts/${script.name}.rhai`);
  }
  return written;
}
