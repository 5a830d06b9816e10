/**
 * `picloud rhai repl` driven as a person at a terminal would: in a pseudo-terminal (util-linux's
 * `script`), keystrokes in, screen out. Ctrl+C stops a running `loop {}` and the REPL stays with its
 * variables; the appliance's limits stop a runaway input by themselves; `kv::` and the SDK work;
 * Ctrl+C on an empty prompt explains, Ctrl+D leaves.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { PICLOUD_BIN } from '../support/appliance-process.js';

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';

/** A REPL in a pseudo-terminal. */
class TerminalSession {
  readonly child: ChildProcess;
  screen = '';

  constructor(args: string[]) {
    const command = [process.execPath, PICLOUD_BIN, 'rhai', 'repl', ...args].map((a) => `'${a}'`).join(' ');
    // -q: no banner, -f: flush at once, -e: exit with the command's code; the typescript file is not kept.
    this.child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { ...process.env, PICLOUD_CONFIG: '', TERM: 'dumb' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.screen += chunk.toString();
    });
  }

  /** Waits until the screen matches `pattern` after `from` (an index of the screen). */
  async waitFor(pattern: RegExp | string, from = 0, timeoutMs = 10_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rest = this.screen.slice(from);
      const at = typeof pattern === 'string' ? rest.indexOf(pattern) : rest.search(pattern);
      if (at !== -1) return from + at;
      if (Date.now() > deadline) throw new Error(`no ${pattern} on the screen:\n${this.screen}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Types keys; resolves with where the screen stood before them. */
  type(keys: string): number {
    const mark = this.screen.length;
    this.child.stdin?.write(keys);
    return mark;
  }

  /** Types a line and waits for the next prompt. */
  async line(text: string): Promise<string> {
    const mark = this.type(`${text}\r`);
    const end = await this.waitFor(/\n[^\n]*rhai> /, mark + text.length);
    return this.screen.slice(mark, end);
  }
}

let session: TerminalSession | null = null;
afterEach(() => {
  if (session?.child.exitCode === null) session.child.kill('SIGKILL');
  session = null;
});

describe('picloud rhai repl in a terminal', () => {
  it('Ctrl+C stops a running loop {}; the REPL stays, with its variables', async () => {
    session = new TerminalSession(['--max-operations', '0', '--timeout', '0']);
    await session.waitFor('rhai> ');
    await session.line('let x = 41;');
    const mark = session.type('loop { x += 0; }\r');
    // Let the loop spin a while: without limits, only Ctrl+C can end it.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(session.screen.slice(mark)).not.toContain('rhai> ');
    const interruptedAt = Date.now();
    session.type(CTRL_C);
    await session.waitFor('ErrorTerminated', mark);
    await session.waitFor('rhai> ', mark);
    expect(Date.now() - interruptedAt).toBeLessThan(1_500);
    expect(session.screen.slice(mark)).not.toContain('lost');
    expect(await session.line('x + 1')).toContain('=> 42 : i64');
    session.type(CTRL_D);
    const [code] = await once(session.child, 'exit');
    expect(code).toBe(0);
  });

  it("applies the appliance's limits by default: a runaway input stops by itself", async () => {
    session = new TerminalSession([]);
    await session.waitFor('rhai> ');
    const shown = await session.line('loop { }');
    expect(shown).toContain('Too many operations (ErrorTooManyOperations)');
    expect(await session.line('1 + 1')).toContain('=> 2 : i64');
  });

  it('offers the SDK and a KV store, clears input on Ctrl+C and leaves on a second Ctrl+C', async () => {
    session = new TerminalSession([]);
    await session.waitFor('rhai> ');
    expect(await session.line('kv::incr("c", "k")')).toContain('=> 1 : i64');
    expect(await session.line('kv::incr("c", "k")')).toContain('=> 2 : i64');
    expect(await session.line('base64::encode("hi")')).toContain('=> "aGk=" : string');
    // Ctrl+C in the middle of a multi-line input drops it.
    await session.waitFor('... ', session.type('fn f() {\r'));
    const mark = session.type(CTRL_C);
    await session.waitFor('rhai> ', mark);
    expect(await session.line('1')).toContain('=> 1 : i64');
    const hint = session.type(CTRL_C);
    await session.waitFor('press Ctrl+C again', hint);
    session.type(CTRL_C);
    const [code] = await once(session.child, 'exit');
    expect(code).toBe(0);
  });
});
