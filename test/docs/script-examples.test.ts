/**
 * The Rhai examples of README.md and docs/ are scripts PiCloud would save: each compiles with the
 * engine (a block starting `// module "…"` also has a module's shape), every SDK function it calls
 * exists, and script-language.md's "At a glance" gives the value its comment promises when run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createScriptChecker } from '../../server/executor/script-checker.js';
import { ServiceBinding, sdkModules } from '../../server/executor/sdk/index.js';
import { PACKAGE_ROOT } from '../../server/paths.js';
import { runScript, scriptValue } from '../support/script-runner.js';

interface RhaiBlock {
  where: string;
  code: string;
}

/** The ```rhai (and Rhai-flavoured ```rust) blocks of a Markdown file, indented ones included. */
function rhaiBlocks(file: string): RhaiBlock[] {
  const lines = readFileSync(join(PACKAGE_ROOT, file), 'utf8').split('\n');
  const blocks: RhaiBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(rhai|rust)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]); i++)
      body.push(lines[i].slice(open[1].length));
    blocks.push({ where: `${file}:${start + 1}`, code: body.join('\n') });
  }
  return blocks;
}

const FILES = [
  'README.md',
  ...readdirSync(join(PACKAGE_ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const BLOCKS = FILES.flatMap(rhaiBlocks);
const checker = createScriptChecker();
const SDK = Object.fromEntries(
  Object.entries(sdkModules(new ServiceBinding())).map(([module, host]) => [
    module,
    new Set((host.functions ?? []).map((fn) => fn.name)),
  ]),
);

describe('the Rhai examples of the docs', () => {
  it('are found', () => {
    expect(BLOCKS.length).toBeGreaterThan(15);
  });

  it.each(BLOCKS.map((block) => [block.where, block.code]))('%s compiles', (_where, code) => {
    const kind = /^\/\/ module "/.test(code) ? 'module' : 'endpoint';
    expect(checker.check(code, kind)).toEqual([]);
  });

  it.each(BLOCKS.map((block) => [block.where, block.code]))(
    '%s calls SDK functions that exist',
    (_where, code) => {
      for (const [, module, name] of code.matchAll(/\b([a-z0-9]+)::([a-z_0-9]+)\s*\(/g)) {
        if (SDK[module] === undefined) continue; // an app's own module, imported under an alias
        expect(SDK[module].has(name), `${module}::${name}`).toBe(true);
      }
    },
  );
});

describe('docs/script-language.md', () => {
  it('"At a glance" gives the value its example builds', () => {
    const [glance] = rhaiBlocks('docs/script-language.md');
    expect(glance.code).toContain('greet("Ada")');
    expect(scriptValue(runScript(glance.code))).toBe('Hello, Ada! few');
  });
});
