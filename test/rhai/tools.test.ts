// biome-ignore-all lint/suspicious/noTemplateCurlyInString: scripts are Rhai source, where ${...} is Rhai interpolation
/**
 * The `rhai run FILE` and `rhai repl` tools, driven through in-memory streams.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../server/rhai/index.js';
import { scanRhai, startRepl } from '../../server/rhai/tools/repl.js';
import { runFile } from '../../server/rhai/tools/run-file.js';

/** A writable that keeps everything written to it. */
class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (error?: Error | null) => void): void {
    this.text += chunk.toString();
    cb();
  }
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rhai-tools-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function run(path: string, engine?: Engine): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Collect();
  const stderr = new Collect();
  const code = await runFile(path, { stdout, stderr, engine });
  return { code, out: stdout.text, err: stderr.text };
}

describe('runFile', () => {
  it('prints output and exits 0', async () => {
    const r = await run(file('hello.rhai', 'let who = "world";\nprint(`hello, ${who}`);\nprint(1 + 2);\n'));
    expect(r).toEqual({ code: 0, out: 'hello, world\n3\n', err: '' });
  });

  it('reports a runtime error as file:line:col with the source line and a caret', async () => {
    const path = file('bad.rhai', 'let a = 1;\nlet b = c + 1;\n');
    const r = await run(path);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    const lines = r.err.trimEnd().split('\n');
    expect(lines[0]).toMatch(/bad\.rhai:2:9: error: .*ErrorVariableNotFound/);
    expect(lines[1]).toBe('    2 | let b = c + 1;');
    expect(lines[2]).toBe('      |         ^');
  });

  it('reports a syntax error with its parse kind', async () => {
    const r = await run(file('syntax.rhai', 'let x = 1;\nlet y = (1 + ;\n'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/syntax\.rhai:2:\d+: syntax error: /);
    expect(r.err).toContain('    2 | let y = (1 + ;');
  });

  it('reports an uncaught throw with its value', async () => {
    const r = await run(file('throw.rhai', 'print("before");\nthrow "boom";\n'));
    expect(r.code).toBe(1);
    expect(r.out).toBe('before\n');
    expect(r.err).toMatch(/throw\.rhai:2:\d+: uncaught exception: .*boom/);
  });

  it('sends debug output to stderr with its location', async () => {
    const r = await run(file('debug.rhai', 'debug("x");\n'));
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/debug\.rhai:1:1: debug: "x"/);
  });

  it('resolves imports next to the script', async () => {
    file('lib.rhai', 'fn double(x) { x * 2 }\nexport const NAME = "lib";\n');
    const r = await run(
      file('main.rhai', 'import "lib" as lib;\nprint(lib::double(21));\nprint(lib::NAME);\n'),
    );
    expect(r).toEqual({ code: 0, out: '42\nlib\n', err: '' });
  });

  it('reports a missing import', async () => {
    const r = await run(file('missing-import.rhai', 'import "nope" as n;\n'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('ErrorModuleNotFound');
  });

  it('accepts a shebang line', async () => {
    const r = await run(file('shebang.rhai', '#!/usr/bin/env picloud rhai run\nprint("ok");\n'));
    expect(r).toEqual({ code: 0, out: 'ok\n', err: '' });
  });

  it('fails cleanly for a missing file', async () => {
    const r = await run(join(dir, 'does-not-exist.rhai'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('cannot read file');
  });

  it('uses a host-configured engine', async () => {
    const engine = new Engine();
    engine.registerFn('host_answer', [], () => 42);
    const r = await run(file('host.rhai', 'print(host_answer());\n'), engine);
    expect(r).toEqual({ code: 0, out: '42\n', err: '' });
  });

  it('keeps the caret aligned under tab indentation', async () => {
    const r = await run(file('tabs.rhai', 'if true {\n\tlet z = nope;\n}\n'));
    expect(r.code).toBe(1);
    const lines = r.err.trimEnd().split('\n');
    expect(lines[1]).toBe('    2 | \tlet z = nope;');
    expect(lines[2]).toBe('      | \t        ^');
  });
});

/** Feed `lines` to a REPL and return everything it wrote. */
async function repl(lines: readonly string[], engine?: Engine): Promise<string> {
  const input = new PassThrough();
  const output = new Collect();
  const done = startRepl({ input, output, engine, quiet: true });
  for (const line of lines) input.write(`${line}\n`);
  input.end();
  await done;
  return output.text;
}

/** The REPL output without prompts, one entry per line. */
function shown(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/^(?:rhai> |\.\.\. )+/, ''))
    .filter((l) => l !== '');
}

describe('startRepl', () => {
  it('prints results with their type', async () => {
    expect(shown(await repl(['1 + 2', '"hi"', '2.0', '[1, "a"]']))).toEqual([
      '=> 3 : i64',
      '=> "hi" : string',
      '=> 2.0 : f64',
      '=> [1, "a"] : array',
    ]);
  });

  it('keeps variables across lines', async () => {
    expect(shown(await repl(['let x = 40;', 'x += 1;', 'x + 1']))).toEqual(['=> 42 : i64']);
  });

  it('keeps functions across lines', async () => {
    expect(shown(await repl(['fn double(x) { x * 2 }', 'double(21)']))).toEqual(['=> 42 : i64']);
  });

  it('lets a later definition replace an earlier one', async () => {
    expect(shown(await repl(['fn f() { 1 }', 'fn f() { 2 }', 'f()']))).toEqual(['=> 2 : i64']);
  });

  it('keeps closures across lines', async () => {
    expect(shown(await repl(['let k = 10;', 'let add = |v| v + k;', 'add.call(5)']))).toEqual([
      '=> 15 : i64',
    ]);
  });

  it('continues incomplete input on the next line', async () => {
    const text = await repl(['fn add(a, b) {', '  a + b', '}', 'add(1,', '2)']);
    expect(text).toContain('... ');
    expect(shown(text)).toEqual(['=> 3 : i64']);
  });

  it('continues an open string and an open comment', async () => {
    expect(shown(await repl(['let s = `line one', 'line two`;', 's.len()']))).toEqual(['=> 17 : i64']);
    expect(shown(await repl(['/* a comment', 'still comment */ 5']))).toEqual(['=> 5 : i64']);
  });

  it('an empty line forces evaluation of incomplete input', async () => {
    const out = shown(await repl(['let x = (1 +', '', '7']));
    expect(out[0]).toMatch(/<repl>:\d+:\d+: syntax error/);
    expect(out.at(-1)).toBe('=> 7 : i64');
  });

  it('prints output and errors with positions relative to the input', async () => {
    const out = shown(await repl(['fn f() { 1 }', 'print("hey");', 'let y = nope;']));
    expect(out[0]).toBe('hey');
    expect(out[1]).toMatch(/^<repl>:1:9: error: .*ErrorVariableNotFound/);
    expect(out[2]).toBe('    1 | let y = nope;');
    expect(out[3]).toBe('      |         ^');
  });

  it('survives errors and keeps state', async () => {
    expect(shown(await repl(['let n = 1;', '1 / 0', 'n']))).toEqual(expect.arrayContaining(['=> 1 : i64']));
  });

  it(':help lists the commands', async () => {
    const text = await repl([':help']);
    expect(text).toContain(':quit');
    expect(text).toContain(':help');
  });

  it(':quit stops reading input', async () => {
    expect(shown(await repl(['1', ':quit', '2']))).toEqual(['=> 1 : i64']);
  });

  it(':reset forgets variables and functions', async () => {
    const out = shown(await repl(['let x = 1;', 'fn g() { 2 }', ':reset', 'x']));
    expect(out).toContain('(state cleared)');
    expect(out.at(-3)).toMatch(/ErrorVariableNotFound/);
  });

  it('unit results print nothing', async () => {
    expect(shown(await repl(['let z = 3;', 'print("p")']))).toEqual(['p']);
  });

  it('uses a host-configured engine', async () => {
    const engine = new Engine();
    engine.registerFn('host_answer', [], () => 42);
    expect(shown(await repl(['host_answer()'], engine))).toEqual(['=> 42 : i64']);
  });
});

describe('scanRhai', () => {
  it.each([
    ['1 + 2', true],
    ['fn f() {', false],
    ['[1, 2', false],
    ['"open', false],
    ['`open ${1 + ', false],
    ['`done ${1 + 1}`', true],
    ['/* open /* nested */', false],
    ['// comment only', true],
    ['let x = #{a: 1', false],
    ['}', true],
  ])('%j complete=%s', (text, complete) => {
    expect(scanRhai(text).complete).toBe(complete);
  });

  it('finds top-level function definitions with their arity', () => {
    const scan = scanRhai('fn a() { 1 }\nlet f = |x| { x };\nprivate fn b(x, y,) { if x { y } }\nb(1, 2);');
    expect(scan.functions.map((f) => f.key)).toEqual(['a/0', 'b/2']);
    expect(scan.functions[1].source).toBe('private fn b(x, y,) { if x { y } }');
  });
});
