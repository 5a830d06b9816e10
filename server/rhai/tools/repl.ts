/**
 * `rhai repl`: an interactive Rhai prompt.
 *
 * Variables persist across inputs through one `Scope`; functions persist because every input is
 * compiled after the function definitions entered so far (a later definition with the same name
 * and arity replaces the earlier one). An input whose brackets, strings or comments are still
 * open continues on the next line (`... ` prompt); an empty line forces evaluation. Results are
 * printed in debug form with their type. Streams are parameters so the CLI and tests own the I/O.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { Engine, type EngineOptions } from '../engine.js';
import { RhaiError } from '../errors.js';
import { Scope } from '../runtime/scope.js';
import { debugString, typeOf, type Value } from '../runtime/value.js';
import { formatRhaiError } from './run-file.js';

/** I/O and engine for the REPL. */
export interface ReplOptions {
  /** Lines typed by the user. */
  readonly input: Readable;
  /** Prompts, results, output and errors. */
  readonly output: Writable;
  /** A pre-configured engine (host functions, modules); its print/debug hooks are replaced. */
  readonly engine?: Engine;
  /** Options for the engine created when none is given. */
  readonly engineOptions?: EngineOptions;
  /** Treat the streams as a TTY (line editing, history); default false. */
  readonly terminal?: boolean;
  /** Skip the greeting line (useful when embedding). */
  readonly quiet?: boolean;
}

const PROMPT = 'rhai> ';
const CONTINUE_PROMPT = '... ';
const SOURCE_NAME = '<repl>';

const HELP = `Commands:
  :help         show this help
  :quit, :exit  leave the REPL (Ctrl-D works too)
  :reset        forget all variables and functions
  :functions    list the functions defined so far
Anything else is Rhai code. Variables and functions persist between inputs; an input with
unclosed brackets, strings or comments continues on the next line (an empty line runs it).`;

/** A top-level function definition found in an input. */
interface FnDefinition {
  readonly key: string;
  readonly source: string;
}

/** What a light scan of some Rhai text found. */
interface ScanResult {
  /** False when a bracket, string, interpolation or block comment is still open at the end. */
  readonly complete: boolean;
  /** Top-level `fn` definitions (with `private`), in order. */
  readonly functions: FnDefinition[];
}

const FN_HEAD = /^(?:private\s+)?fn\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(([^)]*)\)/;

/**
 * Scan Rhai text just enough to tell whether it is complete and where its top-level functions
 * are — without running the real parser, so half-typed input never produces an error.
 */
export function scanRhai(text: string): ScanResult {
  // Frames: '(' '[' '{' for code brackets, '$' for an interpolation block, '`' for a back-tick string.
  const stack: string[] = [];
  const functions: FnDefinition[] = [];
  let pending: { start: number; key: string } | null = null;
  let lastSignificant = ''; // last non-space character outside strings/comments at depth 0
  const n = text.length;
  let i = 0;
  const top = (): string | undefined => stack[stack.length - 1];

  while (i < n) {
    const c = text[i];
    if (top() === '`') {
      if (c === '`' && text[i + 1] === '`') i += 2;
      else if (c === '`') {
        stack.pop();
        i++;
      } else if (c === '$' && text[i + 1] === '{') {
        stack.push('$');
        i += 2;
      } else i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (text[i] === '/' && text[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (text[i] === '*' && text[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
      if (depth > 0) return { complete: false, functions };
      continue;
    }
    if (c === '"') {
      i++;
      while (i < n && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      if (i >= n) return { complete: false, functions };
      i++;
      if (stack.length === 0) lastSignificant = '"';
      continue;
    }
    if (c === "'") {
      i++;
      while (i < n && text[i] !== "'" && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (c === '`') {
      stack.push('`');
      i++;
      continue;
    }
    if (stack.length === 0 && (c === 'f' || c === 'p') && !/[A-Za-z0-9_]/.test(text[i - 1] ?? '')) {
      const head = FN_HEAD.exec(text.slice(i));
      if (head && (lastSignificant === '' || lastSignificant === ';' || lastSignificant === '}')) {
        const params = head[2].split(',').filter((p) => p.trim() !== '').length;
        pending = { start: i, key: `${head[1]}/${params}` };
      }
    }
    if (c === '(' || c === '[' || c === '{') stack.push(c);
    else if (c === ')' || c === ']' || c === '}') {
      const open = top();
      const matches =
        (c === ')' && open === '(') ||
        (c === ']' && open === '[') ||
        (c === '}' && (open === '{' || open === '$'));
      if (!matches) return { complete: true, functions }; // unbalanced: let the parser report it
      stack.pop();
      if (c === '}' && stack.length === 0 && pending) {
        functions.push({ key: pending.key, source: text.slice(pending.start, i + 1) });
        pending = null;
      }
    }
    if (stack.length === 0 && !/\s/.test(c)) lastSignificant = c;
    i++;
  }
  return { complete: stack.length === 0, functions };
}

/** Render a result line: debug form and type. */
function formatResult(v: Value): string {
  return `=> ${debugString(v)} : ${typeOf(v)}`;
}

/**
 * Start an interactive REPL on the given streams. Resolves when the user quits or the input ends.
 */
export function startRepl(options: ReplOptions): Promise<void> {
  const { input, output } = options;
  const engine = options.engine ?? new Engine(options.engineOptions);
  const write = (s: string): void => {
    output.write(`${s}\n`);
  };
  engine.onPrint(write);
  engine.onDebug((s) => write(`[debug] ${s}`));

  let scope = new Scope();
  let library = new Map<string, string>();
  let buffer: string[] = [];

  const rl = createInterface({ input, output, terminal: options.terminal ?? false, prompt: PROMPT });

  const command = (line: string): boolean => {
    const cmd = line.trim();
    switch (cmd) {
      case ':help':
        write(HELP);
        return true;
      case ':quit':
      case ':exit':
        rl.close();
        return false;
      case ':reset':
        scope = new Scope();
        library = new Map();
        write('(state cleared)');
        return true;
      case ':functions':
        write(library.size === 0 ? '(no functions)' : [...library.keys()].join('\n'));
        return true;
      default:
        write(`unknown command ${cmd} (try :help)`);
        return true;
    }
  };

  const run = (text: string): void => {
    const { functions } = scanRhai(text);
    const redefined = new Set(functions.map((f) => f.key));
    const prefix = [...library]
      .filter(([k]) => !redefined.has(k))
      .map(([, src]) => `${src}\n`)
      .join('');
    const lineOffset = (prefix.match(/\n/g) ?? []).length;
    try {
      const ast = engine.compile(prefix + text, { sourceName: SOURCE_NAME });
      const result = engine.evalRaw(ast, scope);
      for (const f of functions) library.set(f.key, f.source);
      if (result !== undefined) write(formatResult(result));
    } catch (e) {
      if (e instanceof RhaiError) {
        // Definitions that compiled are kept even when running the rest failed.
        if (e.kind !== 'ErrorParsing') for (const f of functions) library.set(f.key, f.source);
        const sourceName = e.sourceName ?? SOURCE_NAME;
        write(
          formatRhaiError(
            e,
            SOURCE_NAME,
            new Map([[sourceName, text]]),
            sourceName === SOURCE_NAME ? lineOffset : 0,
          ),
        );
      } else {
        write(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      }
    }
  };

  return new Promise<void>((done) => {
    rl.on('line', (line) => {
      if (buffer.length === 0 && line.trim().startsWith(':')) {
        if (command(line)) rl.prompt();
        return;
      }
      buffer.push(line);
      const text = buffer.join('\n');
      if (line.trim() !== '' && !scanRhai(text).complete) {
        rl.setPrompt(CONTINUE_PROMPT);
        rl.prompt();
        return;
      }
      buffer = [];
      rl.setPrompt(PROMPT);
      if (text.trim() !== '') run(text);
      rl.prompt();
    });
    rl.on('close', () => {
      if (buffer.length > 0 && buffer.join('\n').trim() !== '') run(buffer.join('\n'));
      done();
    });
    if (!options.quiet) write('Rhai REPL - :help for commands, :quit to leave');
    rl.prompt();
  });
}
