/**
 * Runs the shell examples of a Markdown document the way a reader would paste them, in order, into
 * one shell: variables set by one block (`api`, `auth`, an id a creation returned) serve the next.
 *
 * - Every fenced ```sh block runs, unless the line before it is `<!-- docs-test: not run (why) -->`
 *   (installing packages, starting the appliance itself…): the reason is required and reported.
 * - What a reader fills in is filled in from the running appliance (`ExampleTarget.replacements`):
 *   its ports for the documented `8080` (endpoints) and `8081` (panel and API), a token for `pic_…`…;
 *   `picloud` runs this checkout's CLI on its data folder, and `picloud … --watch` is stopped after a
 *   few seconds, as a reader would with Ctrl+C.
 * - `curl` is wrapped: a call answering 4xx/5xx fails the block unless its line documents that status
 *   (`# 404`); a line documenting its output — `# ok`, `# {"room":"kitchen"}` — must print exactly
 *   that (JSON compared as JSON); a streamed call (`-N`) is cut after a few seconds.
 * - Any other failing command fails its block (bash's ERR trap, with pipefail).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One fenced shell block. */
export interface ShellBlock {
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  /** Why it is not run, or null when it runs. */
  notRun: string | null;
}

const NOT_RUN = /^<!--\s*docs-test:\s*not run\s*\((.+)\)\s*-->$/;

/** The shell blocks of a Markdown text. */
export function shellBlocks(markdown: string): ShellBlock[] {
  const lines = markdown.split('\n');
  const blocks: ShellBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash|shell)\s*$/.test(lines[i])) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    let before = start - 1;
    while (before >= 0 && lines[before].trim() === '') before--;
    const marker = before >= 0 ? NOT_RUN.exec(lines[before].trim()) : null;
    blocks.push({ line: start + 1, code: body.join('\n'), notRun: marker ? marker[1] : null });
  }
  return blocks;
}

/** Where the trailing `# comment` of a shell line starts (outside quotes), or -1. */
function commentStart(line: string): number {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) return i;
  }
  return -1;
}

/** Single-quotes `text` for bash. */
function quoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The block as the shell runs it: each command's documented result (its trailing comment) is handed
 * to the `curl` wrapper through `__expect` before the command.
 */
function instrument(code: string): string {
  const out: string[] = [];
  let command: string[] = [];
  for (const line of code.split('\n')) {
    command.push(line);
    if (line.endsWith('\\')) continue;
    const at = commentStart(line);
    const comment = at === -1 ? '' : line.slice(at + 1).trim();
    out.push(`__expect ${quoted(comment)}`, ...command);
    command = [];
  }
  out.push(...command);
  return out.join('\n');
}

/** What the wrapper and the trap need, in bash (sourced first). */
const PRELUDE = fileURLToPath(new URL('./docs-examples-prelude.sh', import.meta.url));

/** The appliance the examples run against. */
export interface ExampleTarget {
  /** Text of the docs and what replaces it here, in order: `['localhost:8080', 'localhost:41234']`. */
  replacements: Array<[string, string]>;
  /** Environment for the shell: the CLI's data folder and database, `TOKEN`… */
  env: Record<string, string>;
  picloudBin: string;
  /** The shell's working folder (files the examples write land there). */
  cwd: string;
}

/** `code` with the documented values replaced by the target's. */
function filledIn(code: string, replacements: ExampleTarget['replacements']): string {
  return replacements.reduce((text, [from, to]) => text.replaceAll(from, to), code);
}

/** What running a document's blocks found. */
export interface ExampleRun {
  /** `block N: what failed`, with N the block's fence line. */
  failures: string[];
  /** Everything the blocks printed. */
  output: string;
}

/** Runs `blocks` (those not marked "not run") in one bash, in order. */
export async function runShellExamples(blocks: ShellBlock[], target: ExampleTarget): Promise<ExampleRun> {
  const dir = mkdtempSync(join(tmpdir(), 'picloud-docs-examples-'));
  const failures = join(dir, 'failures');
  writeFileSync(failures, '');
  const script = [
    `source ${quoted(PRELUDE)}`,
    ...blocks
      .filter((block) => block.notRun === null)
      .map((block) =>
        [`__block=${block.line}`, instrument(filledIn(block.code, target.replacements))].join('\n'),
      ),
  ].join('\n');
  writeFileSync(join(dir, 'examples.sh'), script);
  try {
    const shell = spawn('bash', [join(dir, 'examples.sh')], {
      cwd: target.cwd,
      env: {
        ...process.env,
        ...target.env,
        DOCS_FAILURES: failures,
        PICLOUD_BIN: target.picloudBin,
        PICLOUD_CONFIG: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    shell.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    shell.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const [code] = (await once(shell, 'exit')) as [number | null];
    const found = readFileSync(failures, 'utf8').split('\n').filter(Boolean);
    if (code !== 0) found.push(`the shell exited with ${code}`);
    return { failures: found, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
