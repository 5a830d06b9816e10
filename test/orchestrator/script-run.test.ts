/**
 * `POST /api/v1/admin/scripts/{id}/run`, the editor's Run panel, on the whole appliance (real executor
 * workers, real sockets): the script's live version runs with the request described in the body — path
 * parameters from the app's matching route, the query string, headers without credentials, the body
 * parsed by its content type — and the answer carries its response or its error with line and column,
 * its output, duration and operations. The run is in the execution log (list and live tail) under the
 * same request id, modules it imports work, and a module or an unknown id is refused.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../server/manager/auth/token-store.js';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';

let pc: TestAppliance;
const ids: Record<string, string> = {};

/** Echoes what the script sees. */
const ECHO = [
  'print(`zone ${ctx.params.zone}`);',
  'debug("echo");',
  '#{ method: ctx.method, path: ctx.path, params: ctx.params, query: ctx.query, body: ctx.body,',
  '   headers: ctx.headers, trigger: ctx.trigger.kind, app: ctx.app.slug, id: ctx.request_id }',
].join('\n');

async function script(name: string, source: string, kind = 'endpoint'): Promise<string> {
  const created = await pc.api('POST', '/api/v1/admin/scripts', { app: 'garden', name, source, kind });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  ids[name] = created.body.id;
  return created.body.id;
}

const run = (name: string, body: Record<string, unknown>) =>
  pc.api('POST', `/api/v1/admin/scripts/${ids[name] ?? name}/run`, body);

/** The execution log record of a request id (written in the background, within a moment). */
async function logRecord(scriptId: string, requestId: string): Promise<any> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const logs = await pc.api('GET', `/api/v1/admin/logs?script=${scriptId}&limit=200`);
    const found = logs.body.items.find((item: any) => item.request_id === requestId);
    if (found) return found;
    await sleep(50);
  }
  throw new Error(`no execution log for request ${requestId}`);
}

beforeAll(async () => {
  pc = await startTestAppliance({ scriptMaxOperations: 200_000 });
  expect((await pc.api('POST', '/api/v1/admin/apps', { slug: 'garden', name: 'Garden' })).status).toBe(201);
  await script('echo', ECHO);
  await script('util', 'fn double(x) { x * 2 }', 'module');
  await script('uses', 'import "util" as u;\n#{ doubled: u::double(21) }');
  await script('boom', 'let a = 1;\nlet b = [1, 2];\nthrow "no zone " + a;');
  await script('bytes', 'let b = blob(3, 65);\nb');
  await script('spin', 'let n = 0;\nloop { n += 1; }');
  const route = await pc.api('POST', '/api/v1/admin/apps/garden/routes', {
    script: 'echo',
    methods: ['GET'],
    path: '/zones/:zone',
  });
  expect(route.status).toBe(201);
  // The routing snapshot follows the database through NOTIFY.
  await sleep(200);
});
afterAll(async () => {
  await pc?.stop();
});

describe('a run', () => {
  let result: any;
  let headers: Headers;

  it('runs the live version and answers with its response, output, duration and operations', async () => {
    const response = await run('echo', {
      method: 'GET',
      path: '/zones/7?verbose=1&tag=a&tag=b',
      headers: {
        'X-Sensor': 'soil',
        Authorization: 'Bearer pct_not-for-scripts',
        Cookie: 'picloud_session=s3cret; theme=dark',
      },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    result = response.body;
    headers = response.headers;
    expect(result).toMatchObject({
      request_id: headers.get('x-request-id'),
      status: 'ok',
      error: null,
      version: 1,
      response: {
        status: 200,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body_encoding: 'utf8',
      },
    });
    expect(result.output).toContain('zone 7');
    expect(result.output).toContain('echo');
    expect(result.duration_ms).toBeGreaterThan(0);
    expect(result.operations).toBeGreaterThan(0);
    expect(Object.keys(result).sort()).toEqual(
      ['duration_ms', 'error', 'operations', 'output', 'request_id', 'response', 'status', 'version'].sort(),
    );
  });

  it('gives the script the params of the matching route, the parsed query, and its trigger', () => {
    const seen = JSON.parse(result.response.body);
    expect(seen).toMatchObject({
      method: 'GET',
      path: '/zones/7',
      params: { zone: '7' },
      query: { verbose: '1', tag: ['a', 'b'] },
      body: null,
      trigger: 'execute',
      app: 'garden',
      id: result.request_id,
    });
  });

  it("never shows the script an Authorization header or the session cookie — given or the caller's", () => {
    const seen = JSON.parse(result.response.body);
    expect(seen.headers).toEqual({ 'x-sensor': 'soil', cookie: 'theme=dark' });
    expect(result.response.body).not.toContain(pc.token);
    expect(result.response.body).not.toContain('s3cret');
  });

  it('is in the execution log under the same request id', async () => {
    const record = await logRecord(ids.echo, result.request_id);
    expect(record).toMatchObject({
      script_id: ids.echo,
      script_version: 1,
      trigger: 'test',
      status: 'ok',
      http_status: 200,
      operations: result.operations,
      output: result.output,
      error: null,
    });
  });

  it('shows on the live tail', async () => {
    const controller = new AbortController();
    const stream = await fetch(`${pc.panelUrl}/api/v1/admin/logs/stream?script=${ids.echo}`, {
      headers: { authorization: `Bearer ${pc.token}` },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    // Wait for the stream to be connected before running.
    while (!text.includes(': connected')) text += decoder.decode((await reader.read()).value);
    const ran = await run('echo', { method: 'GET', path: '/zones/9' });
    const deadline = Date.now() + 5_000;
    while (!text.includes(ran.body.request_id) && Date.now() < deadline) {
      text += decoder.decode((await reader.read()).value);
    }
    controller.abort();
    expect(text).toContain(`"request_id":"${ran.body.request_id}"`);
    expect(text).toContain('event: log');
  });

  it('matches a route of any method when the given method has none (HEAD answers without a body)', async () => {
    const post = await run('echo', { method: 'POST', path: '/zones/12' });
    expect(JSON.parse(post.body.response.body).params).toEqual({ zone: '12' });
    const head = await run('echo', { method: 'HEAD', path: '/zones/3' });
    expect(head.body.response).toMatchObject({ status: 200, body: '' });
    const elsewhere = await run('echo', { method: 'GET', path: '/not/a/route' });
    expect(JSON.parse(elsewhere.body.response.body).params).toEqual({});
  });
});

describe('bodies, parsed by their content type as a real request', () => {
  const body = async (contentType: string | null, text: string) => {
    const response = await run('echo', {
      method: 'POST',
      path: '/zones/1',
      headers: contentType === null ? {} : { 'Content-Type': contentType },
      body: text,
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return JSON.parse(response.body.response.body).body;
  };

  it('JSON', async () => {
    expect(await body('application/json', '{"level": 0.42, "tags": ["a"]}')).toEqual({
      level: 0.42,
      tags: ['a'],
    });
    expect(await body('application/json; charset=utf-8', '[1, 2]')).toEqual([1, 2]);
  });

  it('a form', async () => {
    expect(await body('application/x-www-form-urlencoded', 'a=1&b=2&b=3')).toEqual({ a: '1', b: ['2', '3'] });
  });

  it('text', async () => {
    expect(await body('text/plain', 'hello')).toBe('hello');
  });

  it('no body is ()', async () => {
    expect(await body('application/json', '')).toBeNull();
  });

  it('invalid JSON is a 400', async () => {
    const response = await run('echo', {
      method: 'POST',
      path: '/zones/1',
      headers: { 'content-type': 'application/json' },
      body: '{"level":',
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('PICLOUD_ERR_HTTP_BAD_BODY');
  });
});

describe('what the run ends with', () => {
  it("a script's error: status error, the error with line and column, no response, and in the log", async () => {
    const response = await run('boom', { method: 'GET', path: '/' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      status: 'error',
      response: null,
      error: { code: 'PICLOUD_ERR_SCRIPT_THROWN', line: 3, column: expect.any(Number), http_status: 500 },
    });
    expect(response.body.error.message).toContain('no zone 1');
    const record = await logRecord(ids.boom, response.body.request_id);
    expect(record).toMatchObject({ status: 'error', error: { line: 3, column: response.body.error.column } });
  });

  it('a limit: status limit', async () => {
    const response = await run('spin', { method: 'GET', path: '/' });
    expect(response.body).toMatchObject({
      status: 'limit',
      response: null,
      error: { code: 'PICLOUD_ERR_SCRIPT_LIMIT' },
    });
  });

  it('bytes come back base64-encoded', async () => {
    const response = await run('bytes', { method: 'GET', path: '/' });
    expect(response.body.response).toMatchObject({
      status: 200,
      body: Buffer.from('AAA').toString('base64'),
      body_encoding: 'base64',
    });
  });

  it('modules the script imports work', async () => {
    const response = await run('uses', { method: 'GET', path: '/' });
    expect(JSON.parse(response.body.response.body)).toEqual({ doubled: 42 });
  });

  it('a run right after a save runs the saved version', async () => {
    const saved = await pc.api('PATCH', `/api/v1/admin/scripts/${ids.uses}`, {
      source: 'import "util" as u;\n#{ doubled: u::double(50) }',
    });
    expect(saved.status).toBe(200);
    const response = await run('uses', { method: 'GET', path: '/' });
    expect(response.body.version).toBe(2);
    expect(JSON.parse(response.body.response.body)).toEqual({ doubled: 100 });
  });
});

describe('refusals', () => {
  it('a module is not run', async () => {
    const response = await run('util', { method: 'GET', path: '/' });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('PICLOUD_ERR_SCRIPT_NOT_ENDPOINT');
  });

  it('an unknown id is 404', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'nope']) {
      const response = await run(id, { method: 'GET', path: '/' });
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('PICLOUD_ERR_SCRIPT_NOT_FOUND');
    }
  });

  it('a bad request description is 400', async () => {
    for (const body of [
      { method: 'GET', path: 'zones/1' },
      { method: 'FETCH', path: '/' },
      { method: 'GET', path: '/', headers: { 'bad header': 'x' } },
      { path: '/' },
    ]) {
      const response = await run('echo', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe('PICLOUD_ERR_HTTP_VALIDATION');
    }
  });

  it("needs endpoints:invoke, on the script's app", async () => {
    const db = pc.appliance.database.db;
    const apps = await pc.api('GET', '/api/v1/admin/apps');
    const byslug = Object.fromEntries(apps.body.items.map((app: any) => [app.slug, app.id]));
    const token = async (scopes: any[], appId: string | null) =>
      (
        await createToken(db, {
          name: `t-${Math.random()}`,
          scopes,
          appId,
          expiresAt: null,
          createdBy: 'test',
        })
      ).token;
    const call = (bearer: string) =>
      fetch(`${pc.panelUrl}/api/v1/admin/scripts/${ids.echo}/run`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify({ method: 'GET', path: '/' }),
      });
    expect((await call(await token(['scripts:read', 'scripts:write'], null))).status).toBe(403);
    const otherApp = await call(await token(['endpoints:invoke'], byslug.default));
    expect(otherApp.status).toBe(403);
    expect((await otherApp.json()).error.code).toBe('PICLOUD_ERR_AUTH_APP_FORBIDDEN');
    expect((await call(await token(['endpoints:invoke'], byslug.garden))).status).toBe(200);
  });
});

describe('request stats', () => {
  it("count the app's runs, and its failed ones as errors", async () => {
    const last = await run('echo', { method: 'GET', path: '/zones/1' });
    await logRecord(ids.echo, last.body.request_id);
    const logs = (await pc.api('GET', '/api/v1/admin/logs?app=garden&limit=200')).body.items;
    const failed = logs.filter((item: any) => item.status !== 'ok' || item.http_status >= 500);
    expect(failed.length).toBeGreaterThanOrEqual(2);
    const stats = await pc.api('GET', '/api/v1/admin/stats/requests?app=garden&minutes=5');
    expect(stats.status).toBe(200);
    expect(stats.body.apps).toEqual([
      expect.objectContaining({ slug: 'garden', requests: logs.length, errors: failed.length }),
    ]);
  });
});

describe('the OpenAPI document', () => {
  it('describes the Run route with its body and answer', async () => {
    const doc = (await pc.api('GET', '/api/v1/openapi.json')).body;
    const operation = doc.paths['/api/v1/admin/scripts/{id}/run']?.post;
    expect(operation).toMatchObject({ tags: ['scripts'], summary: expect.stringMatching(/\S/) });
    const body = operation.requestBody.content['application/json'].schema;
    expect(body.required.sort()).toEqual(['method', 'path']);
    expect(
      Object.keys(operation.responses['200'].content['application/json'].schema.properties).sort(),
    ).toEqual([
      'duration_ms',
      'error',
      'operations',
      'output',
      'request_id',
      'response',
      'status',
      'version',
    ]);
  });
});
