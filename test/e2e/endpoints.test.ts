/**
 * The core promise, end to end over real sockets: create an app, a domain, a script and a route
 * through the API; call the route with a Host header and get the script's output; save a new version
 * and the next call sees it; roll back and the old behaviour returns; every call is in the log.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';
import { requestWithHost } from '../support/http.js';

let pc: TestAppliance;
beforeAll(async () => {
  pc = await startTestAppliance();
});
afterAll(async () => {
  await pc.stop();
});

/** The manager promises a saved version is live within 100 ms. */
const PROPAGATION_MS = 100;

describe('a script becomes an endpoint', () => {
  let scriptId: string;

  it('1. creates app, domain, script and route through the API', async () => {
    expect((await pc.api('POST', '/api/v1/admin/apps', { slug: 'home', name: 'Home' })).status).toBe(201);
    expect((await pc.api('POST', '/api/v1/admin/apps/home/domains', { pattern: '*.home.lan' })).status).toBe(
      201,
    );
    const script = await pc.api('POST', '/api/v1/admin/scripts', {
      app: 'home',
      name: 'greet',
      source:
        'print(`greeting ${ctx.params.name}`);\n#{ hello: ctx.params.name, version: 1, app: ctx.app.slug }',
    });
    expect(script.status).toBe(201);
    scriptId = script.body.id;
    const route = await pc.api('POST', '/api/v1/admin/apps/home/routes', {
      script: 'greet',
      methods: ['GET'],
      path: '/greet/:name',
    });
    expect(route.status).toBe(201);
  });

  it('2. the route answers for a host the app claims, with the script output', async () => {
    await sleep(PROPAGATION_MS);
    // A query and a header that carry credentials: neither may reach the execution log.
    const response = await requestWithHost(
      `${pc.baseUrl}/greet/Pi?token=not-for-the-log`,
      'lights.home.lan',
      {
        headers: { 'x-api-key': 'not-for-the-log-either', cookie: 'session=not-for-the-log-at-all' },
      },
    );
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json()).toEqual({ hello: 'Pi', version: 1, app: 'home' });
  });

  it('3. a host no app claims is a clear 404', async () => {
    const response = await requestWithHost(`${pc.baseUrl}/greet/Pi`, 'lights.garden.lan');
    expect(response.status).toBe(404);
    expect(response.json().error.code).toBe('PICLOUD_ERR_HOST_UNKNOWN');
  });

  it('4. saving a new version makes it live for the next request', async () => {
    const saved = await pc.api('PATCH', `/api/v1/admin/scripts/${scriptId}`, {
      source: '#{ hello: ctx.params.name, version: 2 }',
      message: 'second version',
    });
    expect(saved.status).toBe(200);
    expect(saved.body.version).toBe(2);
    await sleep(PROPAGATION_MS);
    const response = await requestWithHost(`${pc.baseUrl}/greet/Pi`, 'lights.home.lan');
    expect(response.json()).toEqual({ hello: 'Pi', version: 2 });
  });

  it('5. rolling back brings the old behaviour back', async () => {
    const rolled = await pc.api('POST', `/api/v1/admin/scripts/${scriptId}/rollback`, { version: 1 });
    expect(rolled.status).toBe(200);
    expect(rolled.body.version).toBe(3);
    await sleep(PROPAGATION_MS);
    const response = await requestWithHost(`${pc.baseUrl}/greet/Pi`, 'lights.home.lan');
    expect(response.json()).toEqual({ hello: 'Pi', version: 1, app: 'home' });
  });

  it('6. every invocation is in the execution log, with version, status and output', async () => {
    await pc.appliance.server.endpoints.ready();
    await sleep(400); // logs are written in batches off the hot path
    const logs = await pc.api('GET', `/api/v1/admin/logs?script=${scriptId}`);
    expect(logs.status).toBe(200);
    const versions = logs.body.items.map((item: { script_version: number }) => item.script_version);
    expect(versions).toEqual([3, 2, 1]);
    expect(logs.body.items[2]).toMatchObject({
      status: 'ok',
      http_status: 200,
      trigger: 'http',
      output: 'greeting Pi',
    });
    expect(logs.body.items[2].operations).toBeGreaterThan(0);
    // The request it answered: method, path without the query, host, size of the body sent.
    expect(logs.body.items[2].request).toEqual({
      method: 'GET',
      path: '/greet/Pi',
      host: 'lights.home.lan',
      response_bytes: Buffer.byteLength(JSON.stringify({ app: 'home', hello: 'Pi', version: 1 })),
    });
    expect(JSON.stringify(logs.body)).not.toContain('not-for-the-log');
  });

  it('6b. a failed run logs the size of the error it answered; HEAD sends no body', async () => {
    const broken = await pc.api('POST', '/api/v1/admin/scripts', {
      app: 'home',
      name: 'broken',
      source: 'x',
    });
    await pc.api('POST', '/api/v1/admin/apps/home/routes', {
      script: 'broken',
      methods: ['GET'],
      path: '/broken',
    });
    await sleep(PROPAGATION_MS);
    const failed = await requestWithHost(`${pc.baseUrl}/broken`, 'lights.home.lan');
    expect(failed.status).toBe(500);
    await requestWithHost(`${pc.baseUrl}/broken`, 'lights.home.lan', { method: 'HEAD' });
    await sleep(400);
    const logs = await pc.api('GET', `/api/v1/admin/logs?script=${broken.body.id}`);
    expect(logs.body.items.map((item: { request: unknown }) => item.request)).toEqual([
      { method: 'HEAD', path: '/broken', host: 'lights.home.lan', response_bytes: 0 },
      {
        method: 'GET',
        path: '/broken',
        host: 'lights.home.lan',
        response_bytes: Buffer.byteLength(failed.text),
      },
    ]);
  });

  it('7. /api/v1/execute/{id} runs a script by id whatever the host', async () => {
    const url = `${pc.baseUrl}/api/v1/execute/${scriptId}`;
    // Running a script by id is an API call: it needs a token with endpoints:invoke.
    expect((await requestWithHost(url, 'anything.example')).status).toBe(401);
    const response = await requestWithHost(url, 'anything.example', {
      headers: { authorization: `Bearer ${pc.token}` },
    });
    expect(response.status).toBe(200);
    expect(response.json()).toMatchObject({ version: 1 });
  });
});

describe('a fresh install', () => {
  it('answers GET /hello on localhost with the Hello World script', async () => {
    const response = await fetch(`${pc.baseUrl.replace('127.0.0.1', 'localhost')}/hello?name=Pi`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ message: 'Hello, Pi!', sdk: '1.3' });
  });

  it('treats a direct address of this machine (an IP literal) as localhost', async () => {
    const response = await requestWithHost(`${pc.baseUrl}/hello`, '127.0.0.1:8080');
    expect(response.json()).toEqual({ message: 'Hello, world!', sdk: '1.3' });
  });
});
