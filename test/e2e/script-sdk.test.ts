/**
 * What a script sees (`ctx`) and how its value becomes the response, over real HTTP: body parsing by
 * content type, query, headers, params with a trailing wildcard, host-specific routes, response maps,
 * text, bytes, 204, errors with positions.
 */
import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';
import { requestWithHost } from '../support/http.js';

let pc: TestAppliance;
const HOST = 'sdk.lan';

async function endpoint(
  name: string,
  source: string,
  route: { methods: string[]; path: string; host?: string },
) {
  const script = await pc.api('POST', '/api/v1/admin/scripts', { app: 'sdk', name, source });
  expect(script.status, JSON.stringify(script.body)).toBe(201);
  const created = await pc.api('POST', '/api/v1/admin/apps/sdk/routes', { script: name, ...route });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
}

beforeAll(async () => {
  pc = await startTestAppliance();
  await pc.api('POST', '/api/v1/admin/apps', { slug: 'sdk', name: 'SDK' });
  await pc.api('POST', '/api/v1/admin/apps/sdk/domains', { pattern: HOST });
  await pc.api('POST', '/api/v1/admin/apps/sdk/domains', { pattern: 'special.sdk-host.lan' });
  await endpoint(
    'echo',
    `#{ method: ctx.method, path: ctx.path, params: ctx.params, query: ctx.query, body: ctx.body,
        body_type: type_of(ctx.body), agent: ctx.headers["user-agent"], app: ctx.app.slug,
        has_id: ctx.request_id.len() > 0, sdk: ctx.sdk_version }`,
    { methods: ['GET', 'POST', 'PUT'], path: '/echo/*' },
  );
  // GitHub's way: X-Hub-Signature-256 is the HMAC-SHA-256 of the body's exact bytes.
  await endpoint(
    'webhook',
    `let mine = "sha256=" + crypto::hmac_sha256("It's a Secret to Everybody", ctx.raw_body);
     if !crypto::equal(mine, ctx.headers["x-hub-signature-256"] ?? "") { throw #{ status: 401, message: "bad signature" }; }
     #{ ok: true, action: ctx.body.action, bytes: ctx.raw_body.len() }`,
    { methods: ['POST'], path: '/webhook' },
  );
  await endpoint(
    'raw',
    'if ctx.raw_body == () { "none" } else { [type_of(ctx.raw_body), ctx.raw_body.as_string()] }',
    { methods: ['GET', 'POST'], path: '/raw' },
  );
  await endpoint('text', '`plain ${ctx.params.name}`', { methods: ['GET'], path: '/text/:name' });
  await endpoint('nothing', '()', { methods: ['DELETE'], path: '/nothing' });
  await endpoint('bytes', 'let b = blob(3, 0x41); b', { methods: ['GET'], path: '/bytes' });
  await endpoint(
    'custom',
    '#{ status: 201, headers: #{ "x-made-by": "rhai", "content-type": "text/csv" }, body: "a,b\\n1,2" }',
    { methods: ['POST'], path: '/custom' },
  );
  await endpoint('teapot', 'throw #{ status: 418, message: "I am a teapot" };', {
    methods: ['GET'],
    path: '/teapot',
  });
  await endpoint('broken', 'let a = [1, 2];\nlet b = a[5];\nb', { methods: ['GET'], path: '/broken' });
  await endpoint('big', '12345678901234567', { methods: ['GET'], path: '/big' });
  await endpoint('special', '"only on the special host"', {
    methods: ['GET'],
    path: '/where',
    host: 'special.sdk-host.lan',
  });
  await endpoint('general', '"any host of the app"', { methods: ['GET'], path: '/where' });
  await sleep(100);
});
afterAll(async () => {
  await pc?.stop();
});

function call(path: string, options: Parameters<typeof requestWithHost>[2] = {}, host = HOST) {
  return requestWithHost(`${pc.baseUrl}${path}`, host, options);
}

describe('ctx', () => {
  it('carries method, path, wildcard params, query, headers, app, request id and SDK version', async () => {
    const response = await call('/echo/a/b?x=1&y=2&y=3', { headers: { 'user-agent': 'tests' } });
    expect(response.json()).toEqual({
      method: 'GET',
      path: '/echo/a/b',
      params: { '*': 'a/b' },
      query: { x: '1', y: ['2', '3'] },
      body: null,
      body_type: '()',
      agent: 'tests',
      app: 'sdk',
      has_id: true,
      sdk: '1.3',
    });
  });

  it.each([
    [
      'JSON',
      'application/json',
      '{"n": 5, "list": [1, 2.5], "ok": true}',
      { n: 5, list: [1, 2.5], ok: true },
      'map',
    ],
    ['a form', 'application/x-www-form-urlencoded', 'a=1&b=2&b=3', { a: '1', b: ['2', '3'] }, 'map'],
    ['text', 'text/plain', 'hello there', 'hello there', 'string'],
    ['bytes', 'application/octet-stream', 'AB', [65, 66], 'blob'],
  ])('parses a %s body', async (_label, contentType, payload, body, type) => {
    const response = await call('/echo/x', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: payload,
    });
    expect(response.status).toBe(200);
    expect(response.json()).toMatchObject({ body, body_type: type });
  });

  it('refuses malformed JSON with a clear error', async () => {
    const response = await call('/echo/x', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"n": ',
    });
    expect(response.status).toBe(400);
    expect(response.json().error.code).toBe('PICLOUD_ERR_HTTP_BAD_BODY');
  });
});

describe('ctx.raw_body (SDK 1.2)', () => {
  const sign = (body: string) =>
    `sha256=${createHmac('sha256', "It's a Secret to Everybody").update(body).digest('hex')}`;

  it('lets a script verify a webhook signature over the exact bytes of a JSON body', async () => {
    // Spacing and key order that re-encoding the parsed value would not reproduce.
    const body = '{ "action":"opened",  "number": 1.50 }';
    const good = await call('/webhook', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body) },
      body,
    });
    expect(good.status, good.text).toBe(200);
    expect(good.json()).toEqual({ ok: true, action: 'opened', bytes: Buffer.byteLength(body) });
    const forged = await call('/webhook', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(`${body} `) },
      body,
    });
    expect(forged.status).toBe(401);
  });

  it.each([
    ['application/json', '{"a": 1}'],
    ['application/x-www-form-urlencoded', 'a=1&b=%C3%A9'],
    ['text/plain; charset=utf-8', 'héllo'],
    ['application/octet-stream', 'bytes'],
  ])('holds the bytes of a %s body', async (contentType, body) => {
    const response = await call('/raw', { method: 'POST', headers: { 'content-type': contentType }, body });
    expect(response.json()).toEqual(['blob', body]);
  });

  it('is () without a body', async () => {
    expect((await call('/raw')).text).toBe('none');
  });
});

describe('responses', () => {
  it('a string is text/plain', async () => {
    const response = await call('/text/Pi');
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(response.text).toBe('plain Pi');
  });

  it('() is 204 No Content', async () => {
    const response = await call('/nothing', { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
  });

  it('a BLOB is bytes', async () => {
    const response = await call('/bytes');
    expect(response.headers['content-type']).toBe('application/octet-stream');
    expect(response.text).toBe('AAA');
  });

  it('a response map sets status, headers and body', async () => {
    const response = await call('/custom', { method: 'POST' });
    expect(response.status).toBe(201);
    expect(response.headers['x-made-by']).toBe('rhai');
    expect(response.headers['content-type']).toBe('text/csv');
    expect(response.text).toBe('a,b\n1,2');
  });

  it('a 64-bit integer is written exactly', async () => {
    expect((await call('/big')).text).toBe('12345678901234567');
  });

  it('a HEAD request runs the GET route without a body', async () => {
    const response = await call('/text/Pi', { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.text).toBe('');
  });
});

describe('errors', () => {
  it('throw #{status, message} sets the status', async () => {
    const response = await call('/teapot');
    expect(response.status).toBe(418);
    expect(response.json()).toEqual({
      error: {
        code: 'PICLOUD_ERR_SCRIPT_THROWN',
        message: 'I am a teapot',
        details: { kind: 'ErrorRuntime', line: 1, column: expect.any(Number) },
      },
    });
  });

  it('a runtime error is a 500 with its kind, line and column', async () => {
    const response = await call('/broken');
    expect(response.status).toBe(500);
    const { error } = response.json();
    expect(error.code).toBe('PICLOUD_ERR_SCRIPT_RUNTIME');
    expect(error.details).toMatchObject({ kind: 'ErrorArrayBounds', line: 2 });
  });

  it('a method the route does not allow is no match', async () => {
    const response = await call('/text/Pi', { method: 'POST' });
    expect(response.status).toBe(404);
    expect(response.json().error.code).toBe('PICLOUD_ERR_ROUTE_NO_MATCH');
  });
});

describe('hosts', () => {
  it('a route limited to one host wins there; the general route answers elsewhere', async () => {
    expect((await call('/where', {}, 'special.sdk-host.lan')).text).toBe('only on the special host');
    expect((await call('/where')).text).toBe('any host of the app');
  });
});
