/**
 * The SDK's service modules (`kv::`, `secret::`, `http::`, `queue::`), run in-process with a
 * synchronous fake client: the exact calls each function sends (the contract the manager implements),
 * how answers become Rhai values, argument checks, and how failures reach the script.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScriptTrigger } from '../../server/contracts/executor.js';
import { RESERVED_MODULE_NAMES } from '../../server/contracts/script-checker.js';
import type {
  ServiceCall,
  ServiceOutcome,
  SyncServiceClient,
} from '../../server/contracts/script-services.js';
import { ScriptRunner } from '../../server/executor/run-script.js';
import { SERVICE_CALL_OPERATIONS, ServiceBinding, sdkModules } from '../../server/executor/sdk/index.js';
import { PACKAGE_ROOT } from '../../server/paths.js';
import { SDK_VERSION } from '../../server/version.js';
import { runScript, scriptFailure, scriptValue, TEST_LIMITS } from '../support/script-runner.js';

const LIMITS = TEST_LIMITS;

/** Records calls and answers each with `answer(call)` (default: `{ok: true, value: null}`). */
class FakeClient implements SyncServiceClient {
  readonly calls: ServiceCall[] = [];
  constructor(
    private readonly answer: (call: ServiceCall) => ServiceOutcome = () => ({ ok: true, value: null }),
  ) {}
  call(call: ServiceCall): ServiceOutcome {
    this.calls.push(structuredClone(call));
    return this.answer(call);
  }
}

function run(source: string, client?: SyncServiceClient, trigger?: ScriptTrigger) {
  return runScript(source, { client, trigger });
}

const value = scriptValue;
const failure = scriptFailure;

describe('the calls each function sends', () => {
  it.each<[string, string, ServiceCall]>([
    ['kv::get', 'kv::get("rooms", "kitchen")', { service: 'kv', op: 'get', args: ['rooms', 'kitchen'] }],
    [
      'kv::set',
      'kv::set("rooms", "kitchen", #{ t: 21.5, on: true, n: 3, tags: ["a", \'b\'], none: () })',
      {
        service: 'kv',
        op: 'set',
        args: ['rooms', 'kitchen', { t: 21.5, on: true, n: 3, tags: ['a', 'b'], none: null }, null],
      },
    ],
    [
      'kv::set with a TTL',
      'kv::set("sessions", "abc", "x", #{ ttl: 60 })',
      { service: 'kv', op: 'set', args: ['sessions', 'abc', 'x', 60] },
    ],
    [
      'kv::set of an integral float',
      'kv::set("sessions", "abc", 2.0)',
      { service: 'kv', op: 'set', args: ['sessions', 'abc', 2, null] },
    ],
    ['kv::delete', 'kv::delete("rooms", "attic")', { service: 'kv', op: 'delete', args: ['rooms', 'attic'] }],
    ['kv::list', 'kv::list("rooms")', { service: 'kv', op: 'list', args: ['rooms', {}] }],
    [
      'kv::list with options',
      'kv::list("rooms", #{ prefix: "k", cursor: "c1", limit: 10 })',
      { service: 'kv', op: 'list', args: ['rooms', { prefix: 'k', cursor: 'c1', limit: 10 }] },
    ],
    [
      'kv::list with the last page’s cursor',
      'kv::list("rooms", #{ cursor: () })',
      { service: 'kv', op: 'list', args: ['rooms', {}] },
    ],
    ['kv::incr', 'kv::incr("hits", "home")', { service: 'kv', op: 'incr', args: ['hits', 'home', 1] }],
    [
      'kv::incr by',
      'kv::incr("hits", "home", -5)',
      { service: 'kv', op: 'incr', args: ['hits', 'home', -5] },
    ],
    ['secret::get', 'secret::get("API_KEY")', { service: 'secret', op: 'get', args: ['API_KEY'] }],
    [
      'http::request',
      'http::request(#{ method: "put", url: "http://10.0.0.5/led", headers: #{ "x-n": 1 }, body: #{ on: true }, timeout: 2.5 })',
      {
        service: 'http',
        op: 'request',
        args: [
          {
            method: 'PUT',
            url: 'http://10.0.0.5/led',
            headers: { 'x-n': '1' },
            body: { on: true },
            timeout_ms: 2500,
          },
        ],
      },
    ],
    [
      'http::request with only a url',
      'http::request(#{ url: "https://example.com/" })',
      {
        service: 'http',
        op: 'request',
        args: [{ method: 'GET', url: 'https://example.com/', headers: {}, body: null, timeout_ms: null }],
      },
    ],
    [
      'http::get',
      'http::get("http://pi.lan/status")',
      {
        service: 'http',
        op: 'request',
        args: [{ method: 'GET', url: 'http://pi.lan/status', headers: {}, body: null, timeout_ms: null }],
      },
    ],
    [
      'http::get with headers',
      'http::get("http://pi.lan/status", #{ headers: #{ accept: "text/plain" }, timeout: 1 })',
      {
        service: 'http',
        op: 'request',
        args: [
          {
            method: 'GET',
            url: 'http://pi.lan/status',
            headers: { accept: 'text/plain' },
            body: null,
            timeout_ms: 1000,
          },
        ],
      },
    ],
    [
      'http::post',
      'http::post("http://pi.lan/led", "on")',
      {
        service: 'http',
        op: 'request',
        args: [{ method: 'POST', url: 'http://pi.lan/led', headers: {}, body: 'on', timeout_ms: null }],
      },
    ],
    [
      'http::post with headers',
      'http::post("http://pi.lan/led", [1, 2], #{ headers: #{ authorization: "Bearer t" } })',
      {
        service: 'http',
        op: 'request',
        args: [
          {
            method: 'POST',
            url: 'http://pi.lan/led',
            headers: { authorization: 'Bearer t' },
            body: [1, 2],
            timeout_ms: null,
          },
        ],
      },
    ],
    [
      'queue::send',
      'queue::send("emails", #{ to: "a@b.c" })',
      { service: 'queue', op: 'send', args: ['emails', { to: 'a@b.c' }] },
    ],
  ])('%s', (_name, source, call) => {
    const client = new FakeClient();
    value(run(source, client));
    expect(client.calls).toEqual([call]);
  });
});

describe('answers become Rhai values', () => {
  it.each<[string, string, unknown, unknown]>([
    ['an integer', 'type_of(kv::get("c", "k"))', 42, 'i64'],
    ['a float', 'type_of(kv::get("c", "k"))', 2.5, 'f64'],
    ['null as ()', 'type_of(kv::get("c", "k"))', null, '()'],
    ['an object as a map', 'kv::get("c", "k").a.b', { a: { b: [1, 'x'] } }, [1, 'x']],
    ['a boolean from kv::delete', 'kv::delete("c", "k")', true, true],
    [
      'a page from kv::list',
      'let page = kv::list("c"); `${page.items[0].key}=${page.items[0].value} next=${page.next_cursor}`',
      { items: [{ key: 'a', value: 1 }], next_cursor: 'n2' },
      'a=1 next=n2',
    ],
    ['the new count from kv::incr', 'kv::incr("c", "k") + 1', 41, 42],
    ['a missing secret as ()', 'secret::get("NOPE") ?? "none"', null, 'none'],
    [
      'an HTTP response',
      'let r = http::get("http://x.lan/"); `${r.status} ${r.headers["content-type"]} ${r.body.ok}`',
      { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok": true}' },
      '200 application/json true',
    ],
    [
      'a JSON response body as its value, 64-bit integers exact',
      'let r = http::get("http://x.lan/"); [r.body.big.to_string(), type_of(r.body.f)]',
      {
        status: 200,
        headers: { 'content-type': 'application/problem+json; charset=utf-8' },
        body: '{"big": 9007199254740993, "f": 1.0}',
      },
      ['9007199254740993', 'f64'],
    ],
    [
      'a text response body as a string',
      'http::get("http://x.lan/").body',
      { status: 200, headers: { 'content-type': 'text/plain' }, body: '{"a": 1}' },
      '{"a": 1}',
    ],
    [
      'a JSON-typed body that is not JSON as a string',
      'http::get("http://x.lan/").body',
      { status: 502, headers: { 'content-type': 'application/json' }, body: '<html>bad gateway' },
      '<html>bad gateway',
    ],
    ['a message id from queue::send', 'queue::send("q", 1)', 'm-1', 'm-1'],
  ])('%s', (_name, source, answer, expected) => {
    expect(value(run(source, new FakeClient(() => ({ ok: true, value: answer }))))).toEqual(expected);
  });

  it('keeps answers within the run’s size limits', () => {
    const client = new FakeClient(() => ({ ok: true, value: 'x'.repeat(LIMITS.maxStringSize + 1) }));
    expect(failure(run('kv::get("c", "k")', client)).kind).toBe('ErrorDataTooLarge');
    const wide = new FakeClient(() => ({ ok: true, value: Array(LIMITS.maxArraySize + 1).fill(0) }));
    expect(failure(run('kv::get("c", "k")', wide)).kind).toBe('ErrorDataTooLarge');
  });
});

describe('invalid arguments are refused before any call', () => {
  it.each([
    ['kv::get(1, "k")', 'kv::get failed (BAD_ARGUMENTS): the collection must be a string, not i64'],
    ['kv::get("c", ())', 'kv::get failed (BAD_ARGUMENTS): the key must be a string, not ()'],
    [
      'kv::set("c", "k", Fn("print"))',
      'kv::set failed (BAD_ARGUMENTS): value holds a function pointer, which is not JSON',
    ],
    [
      'kv::set("c", "k", #{ a: [1, blob(1)] })',
      'kv::set failed (BAD_ARGUMENTS): value, 2 levels deep, holds a BLOB, which is not JSON',
    ],
    [
      'kv::set("c", "k", timestamp())',
      'kv::set failed (BAD_ARGUMENTS): value holds a timestamp, which is not JSON',
    ],
    [
      'kv::set("c", "k", 0.0 / 0.0)',
      'kv::set failed (BAD_ARGUMENTS): value holds a number JSON cannot hold (NaN)',
    ],
    [
      'kv::set("c", "k", 9223372036854775807)',
      'kv::set failed (BAD_ARGUMENTS): value holds an integer beyond ±9007199254740991 (the integers JSON keeps exactly); send it as a string',
    ],
    [
      'kv::set("c", "k", 1, #{ tll: 5 })',
      'kv::set failed (BAD_ARGUMENTS): the options hold an unknown name (expected "ttl")',
    ],
    [
      'kv::set("c", "k", 1, #{ ttl: 0 })',
      'kv::set failed (BAD_ARGUMENTS): the ttl must be at least 1 second',
    ],
    [
      'kv::set("c", "k", 1, #{ ttl: 0.5 })',
      'kv::set failed (BAD_ARGUMENTS): the ttl must be an integer, not f64',
    ],
    ['kv::set("c", "k", 1, 60)', 'kv::set failed (BAD_ARGUMENTS): the options must be a map, not i64'],
    ['kv::list("c", #{ limit: 0 })', 'kv::list failed (BAD_ARGUMENTS): the limit must be at least 1'],
    [
      'kv::list("c", #{ limit: "10" })',
      'kv::list failed (BAD_ARGUMENTS): the limit must be an integer, not string',
    ],
    ['kv::incr("c", "k", 1.5)', 'kv::incr failed (BAD_ARGUMENTS): the increment must be an integer, not f64'],
    ['secret::get(42)', 'secret::get failed (BAD_ARGUMENTS): the name must be a string, not i64'],
    ['http::request(#{ method: "GET" })', 'http::request failed (BAD_ARGUMENTS): the url is missing'],
    [
      'http::request("http://x.lan/")',
      'http::request failed (BAD_ARGUMENTS): expects a map: #{ method, url, headers, body, timeout }',
    ],
    [
      'http::request(#{ url: "x.lan/a" })',
      'http::request failed (BAD_ARGUMENTS): the url is not an absolute URL',
    ],
    [
      'http::get("file:///etc/passwd")',
      'http::get failed (BAD_ARGUMENTS): the url must be http:// or https://',
    ],
    [
      'http::request(#{ url: "http://x/", method: "GE T" })',
      'http::request failed (BAD_ARGUMENTS): the method is not an HTTP method token',
    ],
    [
      'http::get("http://x/", #{ headers: #{ a: [1] } })',
      'http::get failed (BAD_ARGUMENTS): a header value must be a string or a number',
    ],
    [
      'http::get("http://x/", #{ header: #{} })',
      'http::get failed (BAD_ARGUMENTS): the options hold an unknown name (expected "headers", "timeout")',
    ],
    [
      'http::post("http://x/", blob(3))',
      'http::post failed (BAD_ARGUMENTS): body holds a BLOB, which is not JSON',
    ],
    [
      'queue::send(["q"], 1)',
      'queue::send failed (BAD_ARGUMENTS): the queue name must be a string, not array',
    ],
  ])('%s', (source, message) => {
    const client = new FakeClient();
    const error = failure(run(source, client));
    expect(error).toMatchObject({
      code: 'PICLOUD_ERR_SCRIPT_RUNTIME',
      message,
      details: { reason: 'BAD_ARGUMENTS' },
      line: 1,
    });
    expect(client.calls).toEqual([]);
  });
});

describe('failed calls', () => {
  const refusing = () =>
    new FakeClient(() => ({
      ok: false,
      reason: 'HTTP_HOST_NOT_ALLOWED',
      message: 'evil.example is not allowed',
    }));

  it('are catchable, with the reason in the caught map', () => {
    expect(value(run('try { http::get("http://evil.example/") } catch (err) { err }', refusing()))).toEqual({
      message: 'http::get failed (HTTP_HOST_NOT_ALLOWED): evil.example is not allowed',
      reason: 'HTTP_HOST_NOT_ALLOWED',
    });
  });

  it('fail the run with the reason in the details when uncaught', () => {
    expect(failure(run('let a = 1;\n  http::get("http://evil.example/")', refusing()))).toEqual({
      code: 'PICLOUD_ERR_SCRIPT_RUNTIME',
      status: 500,
      kind: 'ErrorRuntime',
      message: 'http::get failed (HTTP_HOST_NOT_ALLOWED): evil.example is not allowed',
      line: 2,
      column: 3,
      details: { reason: 'HTTP_HOST_NOT_ALLOWED' },
    });
  });

  it('end the run when the deadline passed while waiting (not catchable)', () => {
    const late = new FakeClient(() => ({ ok: false, reason: 'TIMEOUT', message: 'out of time' }));
    expect(failure(run('try { kv::get("c", "k") } catch { "caught" }', late))).toMatchObject({
      code: 'PICLOUD_ERR_SCRIPT_TIMEOUT',
      status: 504,
      kind: 'ErrorTerminated',
    });
  });

  it('answer SERVICE_UNAVAILABLE without a client', () => {
    expect(value(run('try { queue::send("q", 1) } catch (err) { err.reason }'))).toBe('SERVICE_UNAVAILABLE');
  });
});

describe('the cost of a call', () => {
  it(`counts ${SERVICE_CALL_OPERATIONS} operations per call`, () => {
    const one = run('kv::get("c", "k")', new FakeClient());
    const ten = run('for i in 0..10 { kv::get("c", "k"); }', new FakeClient());
    expect(one.operations).toBeGreaterThanOrEqual(SERVICE_CALL_OPERATIONS);
    expect(ten.operations).toBeGreaterThanOrEqual(10 * SERVICE_CALL_OPERATIONS);
  });

  it('stops a loop of calls at the operation budget', () => {
    const client = new FakeClient();
    expect(failure(run('loop { kv::get("c", "k"); }', client)).kind).toBe('ErrorTooManyOperations');
    expect(client.calls.length).toBeLessThanOrEqual(LIMITS.maxOperations / SERVICE_CALL_OPERATIONS);
  });
});

describe('ctx', () => {
  it(`shows SDK ${SDK_VERSION} and the trigger (http when the job names none)`, () => {
    expect(SDK_VERSION).toBe('1.3');
    expect(value(run('#{ sdk: ctx.sdk_version, trigger: ctx.trigger }'))).toEqual({
      sdk: '1.3',
      trigger: { kind: 'http' },
    });
    expect(
      value(run('ctx.trigger', undefined, { kind: 'queue', queue: 'jobs', message_id: 'm1', attempt: 3 })),
    ).toEqual({ kind: 'queue', queue: 'jobs', message_id: 'm1', attempt: 3 });
  });

  it('names the node that runs the script (ctx.node, SDK 1.3): no cluster id outside a cluster', () => {
    expect(value(run('ctx.node'))).toEqual({ id: '', name: hostname() });
    const node = { id: 'a'.repeat(64), name: 'pi-kitchen' };
    const runner = new ScriptRunner(undefined, undefined, node);
    expect(value(runScript('`${ctx.node.name} ${ctx.node.id}`', { runner }))).toBe(`pi-kitchen ${node.id}`);
  });
});

describe('docs/sdk/script-sdk.md', () => {
  const doc = readFileSync(join(PACKAGE_ROOT, 'docs', 'sdk', 'script-sdk.md'), 'utf8');
  const functions = Object.entries(sdkModules(new ServiceBinding())).flatMap(([module, host]) =>
    (host.functions ?? []).map((def) => `${module}::${def.name}/${def.params.length}`),
  );

  it.each(functions)('documents %s', (signature) => {
    const [name, arity] = signature.split('/');
    // A documented call of that arity: `kv::set(collection, key, value)`.
    const calls = [...doc.matchAll(new RegExp(`\`${name}\\(([^)\`]*)\\)`, 'g'))].map((m) => m[1]);
    const arities = calls.map((args) => (args.trim() === '' ? 0 : args.split(/,(?![^{]*})/).length));
    expect(arities, `${signature} in ${calls.join(' | ')}`).toContain(Number(arity));
  });

  it('reserves every SDK module name, so no module of an app can shadow one', () => {
    for (const name of Object.keys(sdkModules(new ServiceBinding()))) {
      expect(RESERVED_MODULE_NAMES.has(name), name).toBe(true);
    }
  });

  it(`names SDK ${SDK_VERSION}`, () => {
    expect(doc).toContain(`# Script SDK reference (SDK ${SDK_VERSION})`);
    expect(doc).toContain(`\`"${SDK_VERSION}"\``);
  });
});
