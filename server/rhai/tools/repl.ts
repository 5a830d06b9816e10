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
import { Engine, type EngineOptions, type RunOptions } from '../engine.js';
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
  /**
   * Evaluates the inputs elsewhere (then `engine` and `engineOptions` are not used); receives the
   * REPL's `write`, for results and output.
   */
  readonly evaluator?: (write: (s: string) => void) => ReplEvaluator;
}

const PROMPT = 'rhai> ';
const CONTINUE_PROMPT = '... ';
const SOURCE_NAME = '<repl>';

const HELP = `Commands:
  :help         show this help
  :quit, :exit  leave the REPL (Ctrl-D works too; Ctrl-C stops a running input)
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
 * Evaluates complete REPL inputs and writes what they show. `startRepl` evaluates in its own thread
 * with a {@link ReplSession}; a host may evaluate elsewhere (a worker thread, so that Ctrl+C can stop
 * a runaway input while the prompt stays responsive).
 */
export interface ReplEvaluator {
  /** Runs one complete input. */
  evaluate(text: string): void | Promise<void>;
  /** Forgets all variables and functions. */
  reset(): void | Promise<void>;
  /** The functions defined so far, as `name/arity`. */
  functions(): string[] | Promise<string[]>;
  /** Ctrl+C while an input runs: stop it (the REPL stays). */
  interrupt?(): void;
  /** The REPL ends. */
  close?(): void | Promise<void>;
}

/**
 * The state of a REPL — variables in one `Scope`, functions as source compiled before each input —
 * and the evaluation of one input at a time. Results, output and errors go to `write`.
 */
export class ReplSession implements ReplEvaluator {
  private scope = new Scope();
  private library = new Map<string, string>();

  /** `runOptions` is asked before each input (a deadline, a cancellation check). */
  constructor(
    private readonly engine: Engine,
    private readonly write: (s: string) => void,
    private readonly runOptions: () => RunOptions | undefined = () => undefined,
  ) {}

  evaluate(text: string): void {
    const { functions } = scanRhai(text);
    const redefined = new Set(functions.map((f) => f.key));
    const prefix = [...this.library]
      .filter(([k]) => !redefined.has(k))
      .map(([, src]) => `${src}\n`)
      .join('');
    const lineOffset = (prefix.match(/\n/g) ?? []).length;
    try {
      const ast = this.engine.compile(prefix + text, { sourceName: SOURCE_NAME });
      const result = this.engine.evalRaw(ast, this.scope, this.runOptions());
      for (const f of functions) this.library.set(f.key, f.source);
      if (result !== undefined) this.write(formatResult(result));
    } catch (e) {
      if (e instanceof RhaiError) {
        // Definitions that compiled are kept even when running the rest failed.
        if (e.kind !== 'ErrorParsing') for (const f of functions) this.library.set(f.key, f.source);
        const sourceName = e.sourceName ?? SOURCE_NAME;
        this.write(
          formatRhaiError(
            e,
            SOURCE_NAME,
            new Map([[sourceName, text]]),
            sourceName === SOURCE_NAME ? lineOffset : 0,
          ),
        );
      } else {
        this.write(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      }
    }
  }

  reset(): void {
    this.scope = new Scope();
    this.library = new Map();
  }

  functions(): string[] {
    return [...this.library.keys()];
  }
}

/** What Ctrl+C on an empty prompt says; a second one in a row leaves. */
const EXIT_HINT = '(To exit, press Ctrl+C again or Ctrl+D, or type :quit)';

/**
 * Start an interactive REPL on the given streams. Resolves when the user quits or the input ends.
 * Ctrl+C (on a terminal) stops a running input when the evaluator can, else clears the input.
 */
export function startRepl(options: ReplOptions): Promise<void> {
  const { input, output } = options;
  const write = (s: string): void => {
    output.write(`${s}\n`);
  };
  let evaluator: ReplEvaluator;
  if (options.evaluator) evaluator = options.evaluator(write);
  else {
    const engine = options.engine ?? new Engine(options.engineOptions);
    engine.onPrint(write);
    engine.onDebug((s) => write(`[debug] ${s}`));
    evaluator = new ReplSession(engine, write);
  }

  let buffer: string[] = [];
  /** Lines typed while an input runs, handled once it is done. */
  const queue: string[] = [];
  let busy = false;
  let closed = false;
  let quitting = false;
  let interruptedIdle = false;

  const rl = createInterface({ input, output, terminal: options.terminal ?? false, prompt: PROMPT });

  const command = async (line: string): Promise<void> => {
    const cmd = line.trim();
    switch (cmd) {
      case ':help':
        write(HELP);
        return;
      case ':quit':
      case ':exit':
        quitting = true;
        queue.length = 0;
        rl.close();
        return;
      case ':reset':
        await evaluator.reset();
        write('(state cleared)');
        return;
      case ':functions': {
        const names = await evaluator.functions();
        write(names.length === 0 ? '(no functions)' : names.join('\n'));
        return;
      }
      default:
        write(`unknown command ${cmd} (try :help)`);
    }
  };

  /** Handles one line: a command, more of an input, or the end of one (then evaluated). */
  const handle = async (line: string): Promise<void> => {
    if (buffer.length === 0 && line.trim().startsWith(':')) {
      await command(line);
      return;
    }
    buffer.push(line);
    const text = buffer.join('\n');
    if (line.trim() !== '' && !scanRhai(text).complete) {
      rl.setPrompt(CONTINUE_PROMPT);
      return;
    }
    buffer = [];
    rl.setPrompt(PROMPT);
    if (text.trim() !== '') await evaluator.evaluate(text);
  };

  let finished: () => void = () => undefined;
  const finish = async (): Promise<void> => {
    if (!quitting && buffer.length > 0 && buffer.join('\n').trim() !== '') {
      await evaluator.evaluate(buffer.join('\n'));
    }
    await evaluator.close?.();
    finished();
  };

  /** Works through the queued lines, one input at a time. */
  const drain = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      while (queue.length > 0) {
        await handle(queue.shift() as string);
        if (!quitting && !closed) rl.prompt();
      }
    } finally {
      busy = false;
    }
    if (closed) await finish();
  };

  return new Promise<void>((done) => {
    finished = done;
    rl.on('line', (line) => {
      interruptedIdle = false;
      queue.push(line);
      void drain();
    });
    rl.on('SIGINT', () => {
      if (busy) {
        queue.length = 0;
        evaluator.interrupt?.();
        return;
      }
      if (buffer.length > 0 || rl.line !== '') {
        buffer = [];
        interruptedIdle = false;
        rl.setPrompt(PROMPT);
        output.write('\n');
        rl.write(null, { ctrl: true, name: 'u' });
        rl.prompt();
        return;
      }
      if (interruptedIdle) {
        quitting = true;
        rl.close();
        return;
      }
      interruptedIdle = true;
      output.write(`\n${EXIT_HINT}\n`);
      rl.prompt();
    });
    rl.on('close', () => {
      closed = true;
      if (!busy) void finish();
    });
    if (!options.quiet) write('Rhai REPL - :help for commands, :quit to leave');
    rl.prompt();
  });
}
