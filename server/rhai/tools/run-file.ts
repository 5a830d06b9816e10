/**
 * `rhai run FILE`: run one Rhai script file from disk.
 *
 * `print` output goes to stdout, `debug` output to stderr (prefixed with its location), and a
 * failure is reported as `file:line:col: kind: message` followed by the offending source line and
 * a caret — the shape compilers use, so editors can jump to it. Imports resolve to `.rhai` files
 * next to the importing script. Streams are parameters so the CLI (and tests) decide where text goes.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { type AST, Engine, type EngineOptions } from '../engine.js';
import { RhaiError } from '../errors.js';

/** Where `runFile` writes and how it builds its engine. */
export interface RunFileOptions {
  /** Receives `print` output, one line per call. */
  readonly stdout: Writable;
  /** Receives `debug` output and error reports. */
  readonly stderr: Writable;
  /** A pre-configured engine (host functions, modules); its print/debug hooks are replaced. */
  readonly engine?: Engine;
  /** Options for the engine created when none is given. */
  readonly engineOptions?: EngineOptions;
}

/** Human label for an error kind in reports. */
function kindLabel(err: RhaiError): string {
  if (err.kind === 'ErrorParsing') return 'syntax error';
  if (err.kind === 'ErrorRuntime') return 'uncaught exception';
  return 'error';
}

/**
 * Format a RhaiError the way compilers do:
 *
 * ```text
 * script.rhai:2:9: error: Variable not found: c (ErrorVariableNotFound)
 *     2 | let b = c + 1;
 *       |         ^
 * ```
 *
 * `sources` maps source names to their text so the offending line can be shown; `lineOffset`
 * shifts reported lines (the REPL prepends earlier definitions to each input).
 */
export function formatRhaiError(
  err: RhaiError,
  fallbackName: string,
  sources: ReadonlyMap<string, string>,
  lineOffset = 0,
): string {
  const name = err.sourceName ?? fallbackName;
  const kind = err.parseKind ?? err.kind;
  const pos = err.position;
  const line = pos ? pos.line - lineOffset : 0;
  const where = pos ? `${name}:${line}:${pos.column}` : name;
  let out = `${where}: ${kindLabel(err)}: ${err.message} (${kind})`;
  const text = sources.get(name);
  if (pos && text !== undefined && line >= 1) {
    const src = text.split(/\r?\n/)[line - 1];
    if (src !== undefined) {
      const gutter = String(line).padStart(5);
      // Tabs are kept in the caret line so the caret lines up under tab-indented source.
      const lead = src.slice(0, Math.max(0, pos.column - 1)).replace(/[^\t]/g, ' ');
      out += `\n${gutter} | ${src}\n${' '.repeat(gutter.length)} | ${lead}^`;
    }
  }
  return out;
}

/** Resolve `import "lib"` to `lib.rhai` beside the importing file (or the main script). */
function fileResolver(engine: Engine, mainFile: string, sources: Map<string, string>) {
  return {
    resolve(path: string, importer?: string): AST | null {
      const base = importer && isAbsolute(importer) ? dirname(importer) : dirname(mainFile);
      const file = resolve(base, extname(path) === '' ? `${path}.rhai` : path);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        return null;
      }
      sources.set(file, text);
      return engine.compile(text, { sourceName: file });
    },
  };
}

/**
 * Run the Rhai script at `file`. Resolves to the process exit status: 0 on success, 1 when the
 * file cannot be read or the script fails (the error is written to `stderr`).
 */
export async function runFile(file: string, options: RunFileOptions): Promise<number> {
  const { stdout, stderr } = options;
  const fullPath = resolve(file);
  let source: string;
  try {
    source = await readFile(fullPath, 'utf8');
  } catch (e) {
    stderr.write(`${file}: cannot read file: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  if (source.startsWith('#!')) source = `//${source.slice(2)}`; // allow `#!/usr/bin/env picloud rhai run`

  const sources = new Map<string, string>([
    [fullPath, source],
    [file, source],
  ]);
  const engine = options.engine ?? new Engine(options.engineOptions);
  engine.onPrint((s) => {
    stdout.write(`${s}\n`);
  });
  engine.onDebug((s, pos) => {
    stderr.write(`${file}:${pos.line}:${pos.column}: debug: ${s}\n`);
  });
  engine.setModuleResolver(fileResolver(engine, fullPath, sources));

  try {
    const ast = engine.compile(source, { sourceName: file });
    engine.evalRaw(ast);
    return 0;
  } catch (e) {
    if (e instanceof RhaiError) {
      stderr.write(`${formatRhaiError(e, file, sources)}\n`);
    } else {
      stderr.write(`${file}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    }
    return 1;
  }
}
