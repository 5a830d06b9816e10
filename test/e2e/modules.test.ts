/**
 * Modules end to end over real sockets and worker threads: an endpoint importing a module that
 * imports another answers through its route and through /execute; saving a new version of the inner
 * module changes the answer on the next call (nothing stale in the orchestrator or the workers'
 * caches); another app's modules can be imported neither on save nor at run time; a module failing
 * at import time is a clear error naming it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';
import { type RawResponse, requestWithHost } from '../support/http.js';

let pc: TestAppliance;
beforeAll(async () => {
  pc = await startTestAppliance();
});
afterAll(async () => {
  await pc?.stop();
});

const HOST = 'api.home.lan';
const INNER_V1 = 'export const GREETING = "hello";\nfn shout(s) { s.to_upper() }';
const INNER_V2 = 'export const GREETING = "hi";\nfn shout(s) { s + "!" }';
const OUTER = 'import "inner" as inner;\nfn greet(name) { inner::GREETING + " " + inner::shout(name) }';
const GREET = 'import "outer" as outer;\n#{ message: outer::greet(ctx.params.name ?? "world") }';

/** Calls until `accept` likes the answer (a saved version is live within 100 ms; allow for load). */
async function eventually(call: () => Promise<RawResponse>, accept: (r: RawResponse) => boolean) {
  let last = await call();
  for (let i = 0; i < 50 && !accept(last); i++) {
    await sleep(50);
    last = await call();
  }
  return last;
}

const greet = (name: string) => requestWithHost(`${pc.baseUrl}/greet/${name}`, HOST);

async function create(body: Record<string, unknown>) {
  const response = await pc.api('POST', '/api/v1/admin/scripts', body);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

describe('an endpoint importing modules', () => {
  let inner: { id: string };
  let endpoint: { id: string };

  it('1. modules, an endpoint importing them and its route are created through the API', async () => {
    expect((await pc.api('POST', '/api/v1/admin/apps', { slug: 'home', name: 'Home' })).status).toBe(201);
    expect((await pc.api('POST', '/api/v1/admin/apps/home/domains', { pattern: '*.home.lan' })).status).toBe(
      201,
    );
    inner = await create({ app: 'home', name: 'inner', kind: 'module', source: INNER_V1 });
    await create({ app: 'home', name: 'outer', kind: 'module', source: OUTER });
    endpoint = await create({ app: 'home', name: 'greet', source: GREET });
    const route = await pc.api('POST', '/api/v1/admin/apps/home/routes', {
      script: 'greet',
      methods: ['GET'],
      path: '/greet/:name',
    });
    expect(route.status).toBe(201);
  });

  it('2. answers through its route, with code from both modules', async () => {
    const response = await eventually(
      () => greet('pi'),
      (r) => r.status === 200,
    );
    expect(response.status, response.text).toBe(200);
    expect(response.json()).toEqual({ message: 'hello PI' });
  });

  it('3. and through /api/v1/execute/{id}', async () => {
    const response = await fetch(`${pc.baseUrl}/api/v1/execute/${endpoint.id}`, {
      headers: { authorization: `Bearer ${pc.token}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ message: 'hello WORLD' });
  });

  it('4. a new version of the inner module changes the next answer', async () => {
    // Warm every worker's cache with version 1 first, so a stale entry would show.
    for (let i = 0; i < 4; i++) expect((await greet('pi')).json()).toEqual({ message: 'hello PI' });
    const saved = await pc.api('PATCH', `/api/v1/admin/scripts/${inner.id}`, { source: INNER_V2 });
    expect(saved.status).toBe(200);
    expect(saved.body.version).toBe(2);
    const response = await eventually(
      () => greet('pi'),
      (r) => r.json().message !== 'hello PI',
    );
    expect(response.json()).toEqual({ message: 'hi pi!' });
    // Every worker answers with the new version from now on.
    for (let i = 0; i < 4; i++) expect((await greet('pi')).json()).toEqual({ message: 'hi pi!' });
  });

  it('5. a rollback of the inner module is picked up too', async () => {
    const rolled = await pc.api('POST', `/api/v1/admin/scripts/${inner.id}/rollback`, { version: 1 });
    expect(rolled.status).toBe(200);
    const response = await eventually(
      () => greet('pi'),
      (r) => r.json().message === 'hello PI',
    );
    expect(response.json()).toEqual({ message: 'hello PI' });
  });

  it('6. the imported module cannot be deleted while the endpoint imports it', async () => {
    const response = await pc.api('DELETE', `/api/v1/admin/scripts/${inner.id}`);
    expect(response.status).toBe(409);
    expect(response.body.error).toMatchObject({
      code: 'PICLOUD_ERR_MODULE_IN_USE',
      details: { importers: [{ name: 'outer' }] },
    });
  });
});

describe('isolation between apps', () => {
  it("another app's module cannot be imported on save", async () => {
    expect((await pc.api('POST', '/api/v1/admin/apps', { slug: 'vault', name: 'Vault' })).status).toBe(201);
    await create({ app: 'vault', name: 'sauce', kind: 'module', source: 'fn recipe() { "secret" }' });
    const refused = await pc.api('POST', '/api/v1/admin/scripts', {
      app: 'home',
      name: 'thief',
      source: 'import "sauce" as s;\ns::recipe()',
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('PICLOUD_ERR_MODULE_IMPORT');
    expect(refused.body.error.message).toContain('a module of another app');
  });

  it('nor at run time, through eval (which the save-time check cannot see)', async () => {
    const thief = await create({
      app: 'home',
      name: 'thief',
      source: 'eval("import \\"sau\\" + \\"ce\\" as s; s::recipe()")',
    });
    const route = await pc.api('POST', '/api/v1/admin/apps/home/routes', {
      script: 'thief',
      methods: ['GET'],
      path: '/thief',
    });
    expect(route.status).toBe(201);
    const response = await eventually(
      () => requestWithHost(`${pc.baseUrl}/thief`, HOST),
      (r) => r.status !== 404,
    );
    expect(response.status, response.text).toBe(500);
    expect(response.text).not.toContain('secret');
    expect(response.json().error.message).toContain('Module not found');
    expect(thief.id).toBeTruthy();
  });
});

describe('a module failing at import time', () => {
  it('is a runtime error naming the module, with the position in the module', async () => {
    await create({ app: 'home', name: 'fragile', kind: 'module', source: 'const RATIO = 1 / 0;' });
    await create({ app: 'home', name: 'divide', source: 'let x = 1;\nimport "fragile" as f;\nf::RATIO' });
    expect(
      (
        await pc.api('POST', '/api/v1/admin/apps/home/routes', {
          script: 'divide',
          methods: ['GET'],
          path: '/divide',
        })
      ).status,
    ).toBe(201);
    const response = await eventually(
      () => requestWithHost(`${pc.baseUrl}/divide`, HOST),
      (r) => r.status !== 404,
    );
    expect(response.status).toBe(500);
    expect(response.json().error).toMatchObject({
      code: 'PICLOUD_ERR_SCRIPT_RUNTIME',
      message: "Division by zero: 1 / 0 (in module 'fragile')",
      details: { kind: 'ErrorInModule', line: 1, column: 17 },
    });
  });
});
