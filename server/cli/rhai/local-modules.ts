/**
 * Modules of a local run: `import "name" as m;` finds `name.rhai` beside the script, as the appliance
 * finds the module `name` of the script's app. The job gets the transitive closure of the imports, as
 * the orchestrator gives it; a name with no file is left to the engine, which reports it as not found
 * at the `import`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ModuleSource } from '../../contracts/executor.js';
import { RESERVED_MODULE_NAMES } from '../../contracts/script-checker.js';
import { createScriptChecker } from '../../executor/script-checker.js';

/** What a script name may be in the appliance, so no name reaches outside the script's folder. */
const MODULE_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/** The modules `source` (the script at `file`) needs, by name, with their sources (for error reports). */
export function modulesBeside(file: string, source: string): Record<string, ModuleSource> {
  const checker = createScriptChecker();
  const modules: Record<string, ModuleSource> = Object.create(null);
  const pending = checker.analyze(source, 'endpoint').imports.map((i) => i.name);
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (Object.hasOwn(modules, name) || !MODULE_NAME.test(name) || RESERVED_MODULE_NAMES.has(name)) continue;
    const path = join(dirname(file), `${name}.rhai`);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    modules[name] = { id: path, version: 1, source: text };
    pending.push(...checker.analyze(text, 'module').imports.map((i) => i.name));
  }
  return modules;
}
