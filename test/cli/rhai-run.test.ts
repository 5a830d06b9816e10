/**
 * `picloud rhai run` as a user tests a script before deploying it: the README's Hello World and a KV
 * counter with `--query` and `--kv`, the rest of the request (`--method`, `--path`, `--param`,
 * `--header`, `--body`, `--request FILE`), secrets, modules beside the script, the response as the
 * endpoint would answer (`--include`), errors with file:line:column, the appliance's default limits,
 * and refused options. The real command, in its own process, with the executor's worker.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../server/paths.js';
import { SDK_VERSION } from '../../server/version.js';
import { runCli } from '../support/appliance-process.js';

const scratch = mkdtempSync(join(tmpdir(), 'picloud-rhai-run-'));
chmodSync(scratch, 0o755);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Writes `source` to a file of the scratch folder and returns its path. */
function script(name: string, source: string): string {
  const file = join(scratch, name);
  writeFileSync(file, source);
  return file;
}

/** The README's Hello World: its first Rhai example, as it stands there. */
const README_HELLO =
  /```rhai\n([\s\S]*?)```/.exec(readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8'))?.[1] ?? '';
const HELLO = script('hello.rhai', README_HELLO);

const rhai = (...args: string[]) => runCli(['rhai', 'run', ...args], {});

describe('an endpoint script', () => {
  it("runs the README's Hello World with --query and prints its response", async () => {
    expect(README_HELLO).toContain('Hello, ${name}!');
    const { code, stdout, stderr } = await rhai(HELLO, '--query', 'name=Pi');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(`{"message":"Hello, Pi!","sdk":"${SDK_VERSION}"}\n`);
    expect((await rhai(HELLO, '--path', '/hello?name=Ada')).stdout).toContain('"Hello, Ada!"');
  });

  it('--include prints the status line and headers as the endpoint would answer', async () => {
    const teapot = script(
      'teapot.rhai',
      '#{ status: 418, headers: #{ "x-kind": "tea" }, body: "short and stout" }',
    );
    expect((await rhai(teapot, '-i')).stdout).toBe(
      "HTTP/1.1 418 I'm a Teapot\nx-kind: tea\ncontent-type: text/plain; charset=utf-8\n\nshort and stout\n",
    );
    const nothing = script('nothing.rhai', 'print("done");');
    expect((await rhai(nothing, '--include')).stdout).toBe('done\nHTTP/1.1 204 No Content\n\n');
  });

  it('keeps a KV counter in the --kv file from one run to the next', async () => {
    const counter = script(
      'counter.rhai',
      'let n = kv::incr("stats", ctx.query.page ?? "home");\nprint(`visit ${n}`);\n#{ visits: n }\n',
    );
    const kv = join(scratch, 'kv.json');
    expect((await rhai(counter, '--kv', kv, '--query', 'page=docs')).stdout).toBe('visit 1\n{"visits":1}\n');
    expect((await rhai(counter, '--kv', kv, '--query', 'page=docs')).stdout).toBe('visit 2\n{"visits":2}\n');
    expect(JSON.parse(readFileSync(kv, 'utf8'))).toEqual({ collections: { stats: { docs: 2 } } });
    // Without --kv the store lives for one run.
    expect((await rhai(counter)).stdout).toBe('visit 1\n{"visits":1}\n');
  });

  it("reads a hand-written --kv file, keeps TTLs and applies the appliance's KV rules", async () => {
    const kv = join(scratch, 'seeded.json');
    writeFileSync(
      kv,
      JSON.stringify({
        collections: { rooms: { kitchen: { celsius: 21.5 }, attic: { celsius: 9 } } },
        expires_at: { rooms: { attic: '2000-01-01T00:00:00Z' } },
      }),
    );
    const reader = script(
      'reader.rhai',
      `kv::set("s", "t", 1, #{ ttl: 60 });
       let bad = "stored";
       try { kv::set("", "k", 1); } catch (err) { bad = err.reason; }
       #{ kitchen: kv::get("rooms", "kitchen"), attic: kv::get("rooms", "attic"),
          keys: kv::list("rooms").items.map(|i| i.key), bad: bad }`,
    );
    const { stdout, code } = await rhai(reader, '--kv', kv);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      kitchen: { celsius: 21.5 },
      attic: null,
      keys: ['kitchen'],
      bad: 'KV_INVALID_KEY',
    });
    const saved = JSON.parse(readFileSync(kv, 'utf8'));
    expect(saved.collections).toEqual({ rooms: { kitchen: { celsius: 21.5 } }, s: { t: 1 } });
    expect(Date.parse(saved.expires_at.s.t)).toBeGreaterThan(Date.now());
  });

  it('builds ctx from --method, --param, --header and --body, with secrets and modules beside the script', async () => {
    script('greetings.rhai', 'import "punctuation" as p;\nfn greet(who) { `Hello, ${who}${p::MARK}` }\n');
    script('punctuation.rhai', 'export const MARK = "!";\n');
    const room = script(
      'room.rhai',
      `import "greetings" as g;
       #{ greeting: g::greet(ctx.params.room), method: ctx.method, path: ctx.path, agent: ctx.headers["user-agent"],
          body: ctx.body, raw: ctx.raw_body.len(), key: secret::get("API_KEY"), none: secret::get("OTHER") }`,
    );
    const { stdout, stderr, code } = await rhai(
      room,
      '--method',
      'post',
      '--path',
      '/rooms/kitchen',
      '--param',
      'room=kitchen',
      '--header',
      'User-Agent: tests',
      '--body',
      '{"on": true}',
      '--secret',
      'API_KEY=s3cret=yes',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      greeting: 'Hello, kitchen!',
      method: 'POST',
      path: '/rooms/kitchen',
      agent: 'tests',
      body: { on: true },
      raw: 12,
      key: 's3cret=yes',
      none: null,
    });
  });

  it('takes the request from a JSON file (--request), and a body from a file (--body @FILE)', async () => {
    const echo = script('echo.rhai', '#{ m: ctx.method, q: ctx.query, t: type_of(ctx.body), b: ctx.body }');
    const request = join(scratch, 'request.json');
    writeFileSync(
      request,
      JSON.stringify({ method: 'PUT', path: '/x?a=1', query: { b: ['2', '3'] }, body: { n: 1 } }),
    );
    expect(JSON.parse((await rhai(echo, '--request', request)).stdout)).toEqual({
      m: 'PUT',
      q: { a: '1', b: ['2', '3'] },
      t: 'map',
      b: { n: 1 },
    });
    const bytes = join(scratch, 'bytes.bin');
    writeFileSync(bytes, Buffer.from([0, 255, 1]));
    const blob = await rhai(
      echo,
      '--body',
      `@${bytes}`,
      '--header',
      'content-type: application/octet-stream',
    );
    expect(JSON.parse(blob.stdout)).toMatchObject({ t: 'blob', b: [0, 255, 1] });
    expect(JSON.parse((await rhai(echo, '--body', 'plain words')).stdout)).toMatchObject({
      t: 'string',
      b: 'plain words',
    });
  });

  it('shows a queued message instead of delivering it', async () => {
    const sender = script('sender.rhai', 'queue::send("emails", #{ to: "ada@example.com" })');
    const { stdout, stderr, code } = await rhai(sender);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    expect(stderr).toContain('queue::send to "emails"');
    expect(stderr).toContain('{"to":"ada@example.com"}');
  });
});

describe('errors and limits', () => {
  it('reports an error with file:line:column, the line and a caret, and exits 1', async () => {
    const broken = script('broken.rhai', 'let a = 1;\nlet b = a + missing;\n');
    const { code, stderr } = await rhai(broken);
    expect(code).toBe(1);
    expect(stderr).toContain(`${broken}:2:13: error: Variable not found: missing (ErrorVariableNotFound)`);
    expect(stderr).toContain('    2 | let b = a + missing;');
    expect(stderr).toMatch(/\|\s{13}\^/);
  });

  it('--include also prints the error response the endpoint would answer', async () => {
    const thrower = script('thrower.rhai', 'throw #{ status: 404, message: "no such room" };');
    const { code, stdout, stderr } = await rhai(thrower, '-i');
    expect(code).toBe(1);
    expect(stderr).toContain(`${thrower}:1:7: uncaught exception: no such room`);
    expect(stdout).toContain('HTTP/1.1 404 Not Found\n');
    expect(stdout).toMatch(
      /\n\n\{"error":\{"code":"PICLOUD_ERR_SCRIPT_THROWN","message":"no such room".*\}\n$/,
    );
  });

  it("applies the appliance's operation limit by default, and the options' when given", async () => {
    const spin = script('spin.rhai', 'loop { }');
    const byDefault = await rhai(spin);
    expect(byDefault.code).toBe(1);
    expect(byDefault.stderr).toContain('Too many operations');
    expect(byDefault.stderr).toContain('ErrorTooManyOperations');
    expect((await rhai(spin, '--max-operations', '10000')).stderr).toContain('ErrorTooManyOperations');
    // No operation limit: the time limit stops it.
    const timed = await rhai(spin, '--max-operations', '0', '--timeout', '300');
    expect(timed.code).toBe(1);
    expect(timed.stderr).toContain('ran out of time');
  });

  it('honours PICLOUD_SCRIPT_MAX_OPERATIONS as the appliance does', async () => {
    const counting = script('counting.rhai', 'let n = 0; for i in 0..100000 { n += 1; } n');
    expect(
      (await runCli(['rhai', 'run', counting], { PICLOUD_SCRIPT_MAX_OPERATIONS: '1000' })).stderr,
    ).toContain('ErrorTooManyOperations');
    expect((await rhai(counting)).stdout).toBe('100000\n');
  });

  it.each([
    [['--max-operations=-5'], '--max-operations must be a whole number'],
    [['--timeout', 'soon'], '--timeout must be a whole number'],
    [['--query', 'novalue'], '--query expects NAME=VALUE'],
    [['--header', 'no colon'], '--header expects "Name: value"'],
    [['--secret', '9lives=x'], '--secret expects NAME=VALUE'],
    [['--method', 'GE T'], '"GE T" is not an HTTP method'],
    [['--path', 'relative'], 'the path must start with "/"'],
    [['--body', '{"a":', '--header', 'content-type: application/json'], 'not valid JSON'],
    [['--request', '/nonexistent/request.json'], '--request /nonexistent/request.json'],
  ])('refuses %j with a clear message and exit code 2', async (args, message) => {
    const { code, stderr } = await rhai(HELLO, ...args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('refuses a --kv file that is not a KV file, and changes nothing', async () => {
    const kv = join(scratch, 'not-kv.json');
    writeFileSync(kv, '[1, 2]');
    const { code, stderr } = await rhai(HELLO, '--kv', kv);
    expect(code).toBe(2);
    expect(stderr).toContain('must hold {"collections"');
    expect(readFileSync(kv, 'utf8')).toBe('[1, 2]');
  });

  it('a missing file or no file is an error', async () => {
    expect((await rhai(join(scratch, 'absent.rhai'))).code).toBe(1);
    expect((await rhai()).code).toBe(2);
  });
});
