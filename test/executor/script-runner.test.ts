/**
 * The in-worker part of the executor, run in-process: how script values become responses, how JSON
 * keeps 64-bit integers, how a malformed response description is reported.
 */
import { describe, expect, it } from 'vitest';
import type { ExecutionJob } from '../../server/contracts/executor.js';
import { encodeJson } from '../../server/executor/json-encode.js';
import { ScriptRunner } from '../../server/executor/run-script.js';

const runner = new ScriptRunner();
let id = 0;
function run(source: string, body: unknown = null) {
  id += 1;
  const job: ExecutionJob = {
    script: { id: `s${id}`, version: 1, name: `s${id}`, source },
    request: {
      method: 'POST',
      path: '/p',
      params: {},
      query: {},
      headers: {},
      body,
      app: { id: 'a', slug: 'a' },
      request_id: 'r',
    },
    limits: {
      maxOperations: 100_000,
      timeoutMs: 1_000,
      maxResponseBytes: 1_000,
      maxOutputBytes: 100,
      maxCallLevels: 32,
      maxStringSize: 10_000,
      maxArraySize: 10_000,
      maxMapSize: 1_000,
    },
  };
  return runner.run(job);
}

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

describe('values become responses', () => {
  it.each([
    [
      'a map (JSON)',
      '#{ b: 2, a: [1, 2.5, true, ()] }',
      { status: 200, headers: JSON_TYPE, body: '{"a":[1,2.5,true,null],"b":2}' },
    ],
    ['an integer', '42', { status: 200, headers: JSON_TYPE, body: '42' }],
    [
      'i64::MAX exactly',
      '9223372036854775807',
      { status: 200, headers: JSON_TYPE, body: '9223372036854775807' },
    ],
    ['a float', '1.5', { status: 200, headers: JSON_TYPE, body: '1.5' }],
    ['NaN as null', '0.0 / 0.0', { status: 200, headers: JSON_TYPE, body: 'null' }],
    [
      'a string',
      '"hi"',
      { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'hi' },
    ],
    ['a char', "'x'", { status: 200, headers: JSON_TYPE, body: '"x"' }],
    ['unit', '()', { status: 204, headers: {}, body: null }],
    [
      'a response map',
      '#{ status: 202, body: "queued" }',
      { status: 202, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'queued' },
    ],
    [
      'a response map with JSON body',
      '#{ body: #{ ok: true } }',
      { status: 200, headers: JSON_TYPE, body: '{"ok":true}' },
    ],
    [
      'a response map with only headers',
      '#{ headers: #{ "X-A": "1" } }',
      { status: 200, headers: { 'x-a': '1' }, body: null },
    ],
    [
      'a map with other keys too is data',
      '#{ status: "active", name: "pump" }',
      { status: 200, headers: JSON_TYPE, body: '{"name":"pump","status":"active"}' },
    ],
    [
      '204 drops the body',
      '#{ status: 204, body: "ignored" }',
      { status: 204, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: null },
    ],
  ])('%s', (_label, source, response) => {
    expect(run(source).result).toEqual({ ok: true, response });
  });

  it('returns bytes for a BLOB', () => {
    const report = run('let b = blob(2, 7); b');
    expect(report.result.ok && report.result.response.body).toEqual(new Uint8Array([7, 7]));
  });
});

describe('malformed response descriptions are runtime errors', () => {
  it.each([
    ['a status out of range', '#{ status: 99 }', /status must be an integer from 200 to 599/],
    ['a status that is not an integer', '#{ status: "ok" }', /status must be an integer/],
    ['headers that are not a map', '#{ headers: [1] }', /headers must be a map/],
    ['a header name with spaces', '#{ headers: #{ "bad name": "x" } }', /not a valid header name/],
    [
      'a framing header',
      '#{ headers: #{ "Content-Length": "1" }, body: "longer" }',
      /header "Content-Length" is set by PiCloud/,
    ],
    ['a hop-by-hop header', '#{ headers: #{ "transfer-encoding": "chunked" } }', /is set by PiCloud/],
    [
      'a header value with a line break',
      '#{ headers: #{ "x-a": "1\\r\\nset-cookie: evil" } }',
      /contains a line break/,
    ],
  ])('%s', (_label, source, message) => {
    const { result } = run(source);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('PICLOUD_ERR_SCRIPT_RUNTIME');
      expect(result.error.message).toMatch(message);
    }
  });
});

describe('ctx', () => {
  it('cannot be replaced (a constant)', () => {
    const { result } = run('ctx = #{}; 1');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.kind).toBe('ErrorAssignmentToConstant');
  });

  it('is a per-run copy: changing a field changes nothing for the next run', () => {
    const first = run('ctx.app.slug = "other"; ctx.app.slug');
    expect(first.result.ok && first.result.response.body).toBe('other');
    const second = run('ctx.app.slug');
    expect(second.result.ok && second.result.response.body).toBe('a');
  });

  it('gives JSON bodies as Rhai values', () => {
    const { result } = run('type_of(ctx.body.n) + " " + type_of(ctx.body.f) + " " + type_of(ctx.body.list)', {
      n: 1,
      f: 1.5,
      list: [],
    });
    expect(result.ok && result.response.body).toBe('i64 f64 array');
  });
});

describe('encodeJson', () => {
  it.each([
    [{ a: 1n }, '{"a":1}'],
    [[9007199254740993n, -1], '[9007199254740993,-1]'],
    [{ s: 'quote " and \u0000' }, '{"s":"quote \\" and \\u0000"}'],
    [{ x: Number.POSITIVE_INFINITY }, '{"x":null}'],
    [new Uint8Array([1, 2]), '[1,2]'],
  ])('%o', (value, text) => {
    expect(encodeJson(value)).toBe(text);
  });
});
