/**
 * Values nested too deeply, against a real `picloud start` (issue 13, item 1). Eight kilobytes of
 * `[[[[…]]]]` once killed the process: the structured clone that hands a job to a worker overflowed
 * its stack, the slot stayed busy until its deadline, and the timer that then re-posted the queued
 * task threw out of the event loop. Now a JSON body deeper than 64 levels is a 400 before any script
 * runs, deep values a script builds fail as that script's error, and the process and its workers keep
 * serving.
 */
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, apiClient, ownerTokenAt } from '../support/admin-client.js';
import {
  type ApplianceProcess,
  killLeftoverApplianceProcesses,
  startApplianceProcess,
} from '../support/appliance-process.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const scratch = mkdtempSync(join(tmpdir(), 'picloud-deep-'));
chmodSync(scratch, 0o755);
let database: TestDatabase;
let appliance: ApplianceProcess;
let baseUrl: string;
let panelUrl: string;
let api: ApiClient;

/** An outside server answering JSON nested 100,000 deep (what `http::get` hands back to the worker). */
const outside = createServer((_request, response) => {
  response.setHeader('content-type', 'application/json');
  response.end(nestedArrays(100_000));
});

beforeAll(async () => {
  outside.listen(0, '127.0.0.1');
  await once(outside, 'listening');
  database = await createTestDatabase();
  appliance = await startApplianceProcess({
    PICLOUD_DATA_DIR: scratch,
    PICLOUD_DATABASE_URL: database.url,
    PICLOUD_EXECUTOR_WORKERS: '2',
    PICLOUD_PUBLIC_RATE_LIMIT: '0',
  });
  baseUrl = `http://127.0.0.1:${appliance.port}`;
  panelUrl = `http://127.0.0.1:${appliance.panelPort}`;
  api = apiClient(baseUrl, await ownerTokenAt(database.url), panelUrl);
  const { port } = outside.address() as AddressInfo;
  const scripts = { ...SCRIPTS, 'fetches-deep': `http::get("http://127.0.0.1:${port}/")` };
  const allow = await api('PATCH', '/api/v1/admin/apps/default', { http_allow_hosts: ['127.0.0.1'] });
  expect(allow.status).toBe(200);
  for (const [name, source] of Object.entries(scripts)) {
    expect((await api('POST', '/api/v1/admin/scripts', { app: 'default', name, source })).status).toBe(201);
    const route = { script: name, methods: ['POST'], path: `/${name}` };
    expect((await api('POST', '/api/v1/admin/apps/default/routes', route)).status).toBe(201);
  }
}, 60_000);

afterAll(async () => {
  outside.close();
  await appliance?.stop();
  await killLeftoverApplianceProcesses();
  await database?.drop();
  rmSync(scratch, { recursive: true, force: true });
});

/** A loop that nests an array 5,000 levels deep (the engine lets a script build about 9,500) (no recursion in the script itself). */
const DEEP = 'let a = []; for i in 0..5000 { a = [a]; }';
const SCRIPTS = {
  echo: 'ctx.body',
  'returns-deep': `${DEEP} a`,
  'throws-deep': `${DEEP} throw #{ status: 409, message: "deep", nested: a }`,
  'stores-deep': `${DEEP} kv::set("c", "deep", a); "stored"`,
  'prints-deep': `${DEEP} print(a); "printed"`,
  'parses-deep': 'let t = ""; for i in 0..3000 { t = `[${t}]`; } parse_json(t)',
};

function nestedArrays(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

function nestedObjects(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

function post(path: string, body: string, contentType = 'application/json') {
  return fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
}

/** Hello World answers, and well before a script's deadline: no worker is held by what came before. */
async function expectServedPromptly(): Promise<void> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/hello`);
  expect(response.status).toBe(200);
  // The script deadline is 5 s (plus a second of grace): a slot left busy would show as seconds here.
  expect(performance.now() - started).toBeLessThan(2_000);
  expect(appliance.child.exitCode).toBeNull();
}

describe('JSON bodies nested too deeply', () => {
  it.each([
    ['arrays 4,000 deep (the reported crash)', nestedArrays(4_000)],
    ['arrays 4,000 deep, a second time', nestedArrays(4_000)],
    ['arrays 1,500 deep (was a 500)', nestedArrays(1_500)],
    ['arrays 3,000 deep (was a 500)', nestedArrays(3_000)],
    ['objects 4,000 deep', nestedObjects(4_000)],
    ['arrays 65 deep, one past the limit', nestedArrays(65)],
  ])('%s: 400 PICLOUD_ERR_HTTP_BODY_TOO_DEEP, and the appliance keeps serving', async (_name, body) => {
    const response = await post('/echo', body);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        code: 'PICLOUD_ERR_HTTP_BODY_TOO_DEEP',
        message: 'The JSON body nests arrays and objects more than 64 levels deep',
        details: { in: 'body', path: '/body', maxDepth: 64 },
      },
    });
    await expectServedPromptly();
  });

  it('64 levels, the limit, reach the script', async () => {
    const response = await post('/echo', nestedArrays(64));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(nestedArrays(64));
  });

  it('many deep bodies at once never run a script, and never hold a worker', async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => post('/echo', nestedArrays(4_000)).then((r) => r.status)),
    );
    expect(responses).toEqual(Array(20).fill(400));
    await expectServedPromptly();
    // Only the 64-level body ran: the refused ones never reached the executor, so nothing logged them.
    const echo = await api('GET', '/api/v1/admin/scripts?app=default');
    const id = echo.body.items.find((s: { name: string }) => s.name === 'echo').id;
    await new Promise((resolve) => setTimeout(resolve, 600)); // the log writer batches its inserts
    const logs = await api('GET', `/api/v1/admin/logs?script=${id}`);
    expect(logs.body.items.map((l: { http_status: number }) => l.http_status)).toEqual([200]);
  });

  it('the admin API refuses them too (a KV value)', async () => {
    const response = await fetch(`${panelUrl}/api/v1/admin/apps/default/kv/c/k`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/json',
        authorization: (await tokenHeader()) as string,
      },
      body: `{"value":${nestedArrays(4_000)}}`,
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.code).toBe('PICLOUD_ERR_HTTP_BODY_TOO_DEEP');
  });

  it("the editor's Run refuses a deep body text the same way", async () => {
    const scripts = await api('GET', '/api/v1/admin/scripts?app=default');
    const id = scripts.body.items.find((s: { name: string }) => s.name === 'echo').id;
    const run = await api('POST', `/api/v1/admin/scripts/${id}/run`, {
      method: 'POST',
      path: '/echo',
      headers: { 'content-type': 'application/json' },
      body: nestedArrays(4_000),
    });
    expect(run.status).toBe(400);
    expect(run.body.error.code).toBe('PICLOUD_ERR_HTTP_BODY_TOO_DEEP');
    await expectServedPromptly();
  });
});

describe('deep values a script builds', () => {
  it.each([
    ['returns one: it is the response body', '/returns-deep', 200, null],
    ['throws one in a map: the details stop at 64 levels', '/throws-deep', 409, 'PICLOUD_ERR_SCRIPT_THROWN'],
    ['stores one with kv::set: refused before the call', '/stores-deep', 500, 'PICLOUD_ERR_SCRIPT_RUNTIME'],
    ['prints one', '/prints-deep', 200, null],
    [
      'parses one with parse_json: an error past 512 levels',
      '/parses-deep',
      500,
      'PICLOUD_ERR_SCRIPT_THROWN',
    ],
    ['is answered one by http::get: a service error', '/fetches-deep', 500, 'PICLOUD_ERR_SCRIPT_RUNTIME'],
  ])('a script that %s; the appliance keeps serving', async (_what, path, status, code) => {
    const response = await post(path, '', 'text/plain');
    const text = await response.text();
    expect(response.status).toBe(status);
    if (code !== null) expect(JSON.parse(text).error.code).toBe(code);
    await expectServedPromptly();
  });
});

async function tokenHeader(): Promise<string> {
  return `Bearer ${await ownerTokenAt(database.url)}`;
}
