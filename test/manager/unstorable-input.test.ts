/**
 * What PostgreSQL cannot store never reaches it as a 500: every operation of the OpenAPI document is
 * sent U+0000 in each of its path parameters, string query parameters and body strings in turn (and
 * a key holding U+0000 in each object of its body), a lone surrogate in each body string, `1e309` in
 * each integer query parameter, and cursors forged to carry NUL or 1e309. Each answer is a 4xx with a
 * catalogue code, and nothing was changed. Outside the HTTP layer: a script's KV value or queue
 * payload holding NUL is a service error, and a run that printed NUL is still logged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../../server/errors/catalogue.js';
import { createManagerTestServer, type ManagerTestServer, type Method } from '../support/manager-server.js';
import { createShop, testRunRecord } from '../support/shop-fixture.js';

let t: ManagerTestServer;
/** Ids of the fixtures the operations address. */
const ids: Record<string, string> = {};
/** The owner's browser session, for the routes that take only a session. */
let session: Record<string, string> = {};

/** Valid bodies, by `method path` (the OpenAPI template): each case breaks one string of it. */
const BODIES: Record<string, unknown> = {
  'post /api/v1/auth/setup': {
    username: 'second',
    password: 'correct horse battery staple',
    setup_code: 'X',
  },
  'post /api/v1/auth/login': { username: 'owner', password: 'correct horse battery staple' },
  'post /api/v1/auth/password': { current_password: 'correct horse', new_password: 'a new passphrase' },
  'post /api/v1/admin/accounts': { username: 'second', password: 'correct horse battery staple' },
  'post /api/v1/admin/tokens': {
    name: 'deploy',
    scopes: ['apps:read'],
    app: 'shop',
    expires_at: '2030-01-01T00:00:00Z',
  },
  'post /api/v1/admin/apps': {
    slug: 'fresh',
    name: 'Fresh',
    description: 'd',
    cors_origins: ['http://phone.lan'],
    http_allow_hosts: ['api.example.com'],
  },
  'patch /api/v1/admin/apps/{app}': {
    name: 'Shop',
    description: 'd',
    cors_origins: ['http://phone.lan'],
    http_allow_hosts: ['api.example.com'],
  },
  'post /api/v1/admin/apps/{app}/slug:check': { slug: 'renamed' },
  'post /api/v1/admin/apps/{app}/domains': { pattern: 'more.shop.lan' },
  'post /api/v1/admin/scripts': {
    app: 'shop',
    name: 'another',
    kind: 'endpoint',
    source: '"hi"',
    description: 'd',
    message: 'm',
  },
  'post /api/v1/admin/scripts:check': { app: 'shop', kind: 'endpoint', source: '"hi"', name: 'another' },
  'patch /api/v1/admin/scripts/{id}': { name: 'hello', source: '"hi"', description: 'd', message: 'm' },
  'post /api/v1/admin/scripts/{id}/rollback': { version: 1 },
  'post /api/v1/admin/apps/{app}/routes': {
    script: 'hello',
    methods: ['GET'],
    path: '/more',
    host: 'shop.lan',
    required_scope: 'endpoints:invoke',
  },
  'patch /api/v1/admin/apps/{app}/routes/{route}': { script: 'hello', methods: ['GET'], path: '/moved' },
  'put /api/v1/admin/apps/{app}/kv/{collection}/{key}': {
    value: { text: 'hello', list: ['a', { deep: 'b' }] },
    ttl_seconds: 60,
  },
  'put /api/v1/admin/apps/{app}/secrets/{name}': { value: 'v' },
  'post /api/v1/admin/apps/{app}/triggers': {
    script: 'hello',
    kind: 'cron',
    schedule: '* * * * *',
    timezone: 'UTC',
    queue: 'jobs',
  },
  'patch /api/v1/admin/apps/{app}/triggers/{trigger}': { schedule: '*/5 * * * *', timezone: 'UTC' },
  'post /api/v1/admin/apps/{app}/queues/{queue}/messages': { payload: { text: 'hi', nested: { k: 'v' } } },
  'put /api/v1/admin/node/https': { https_only: false },
  'post /api/v1/admin/deploy': {
    app: 'shop',
    spec: {
      app: { slug: 'shop', name: 'Shop', description: 'd', cors_origins: [], http_allow_hosts: [] },
      domains: [],
      scripts: [],
      routes: [],
      triggers: [],
    },
  },
};

/** A valid value for a path parameter of `path`. */
function parameter(path: string, name: string): string {
  if (name === 'id') {
    if (path.startsWith('/api/v1/admin/accounts')) return ids.account;
    if (path.startsWith('/api/v1/admin/tokens')) return ids.token;
    if (path.startsWith('/api/v1/admin/scripts')) return ids.script;
    if (path.startsWith('/api/v1/admin/logs')) return '1';
    return '00000000-0000-4000-8000-000000000000';
  }
  const fixed: Record<string, string> = {
    app: 'shop',
    domain: 'shop.lan',
    route: ids.route,
    version: '1',
    collection: 'c',
    key: 'k',
    name: 'API_KEY',
    trigger: ids.trigger,
    queue: 'jobs',
  };
  if (!(name in fixed)) throw new Error(`no fixture for the path parameter {${name}} of ${path}`);
  return fixed[name];
}

interface Operation {
  method: string;
  path: string;
  parameters?: { in: string; name: string; schema?: { type?: string } }[];
  requestBody?: unknown;
}

let operations: Operation[] = [];

beforeAll(async () => {
  t = await createManagerTestServer();
  Object.assign(ids, await createShop(t));
  const account = await t.request('POST', '/admin/accounts', {
    username: 'helper',
    password: 'correct horse battery staple',
  });
  expect(account.status, account.text).toBe(201);
  ids.account = account.body.id;
  ids.token = (await t.request('GET', '/admin/tokens')).body.items[0].id;
  const login = await t.anonymous('POST', '/auth/login', { username: 'owner', password: t.owner.password });
  const cookie = String([login.headers['set-cookie']].flat()[0]).split(';')[0];
  session = { cookie, 'x-csrf-token': login.body.csrf_token };

  const doc = (await t.request('GET', '/api/v1/openapi.json')).body;
  operations = Object.entries<Record<string, Omit<Operation, 'method' | 'path'>>>(doc.paths).flatMap(
    ([path, item]) => Object.entries(item).map(([method, operation]) => ({ ...operation, method, path })),
  );
});
afterAll(async () => {
  await t?.close();
});

/** `path` with every `{name}` filled, `broken` (when given) replaced by its value plus NUL. */
function url(operation: Operation, broken?: string): string {
  return operation.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(
      name === broken ? `${parameter(operation.path, name)}\u0000` : parameter(operation.path, name),
    ),
  );
}

/** Every body obtained by breaking one string (or adding one key) of `body`, with a label. */
function brokenBodies(body: unknown): [string, unknown][] {
  const found: [string, unknown][] = [];
  const visit = (value: unknown, rebuild: (replacement: unknown) => unknown, where: string) => {
    if (typeof value === 'string') {
      found.push([`NUL in ${where}`, rebuild(`${value}\u0000`)]);
      found.push([`a lone surrogate in ${where}`, rebuild(`${value}\ud800`)]);
    } else if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) {
        visit(
          item,
          (replacement) => rebuild(value.map((v, i) => (i === index ? replacement : v))),
          `${where}/${index}`,
        );
      }
    } else if (typeof value === 'object' && value !== null) {
      found.push([`a NUL key in ${where || '/'}`, rebuild({ ...value, 'k\u0000': 'x' })]);
      for (const [key, item] of Object.entries(value)) {
        visit(item, (replacement) => rebuild({ ...value, [key]: replacement }), `${where}/${key}`);
      }
    }
  };
  visit(body, (replacement) => replacement, '');
  return found;
}

/** Every broken request of one operation. */
function cases(operation: Operation): { label: string; url: string; body?: unknown }[] {
  const base = url(operation);
  const list: { label: string; url: string; body?: unknown }[] = [];
  const key = `${operation.method} ${operation.path}`;
  const body = BODIES[key];
  for (const parameter of operation.parameters ?? []) {
    if (parameter.in === 'path') {
      list.push({ label: `NUL in {${parameter.name}}`, url: url(operation, parameter.name), body });
    } else if (parameter.in === 'query') {
      const values =
        parameter.schema?.type === 'integer'
          ? ['1e309', '-1e309', 'a\u0000']
          : parameter.name === 'cursor'
            ? [
                Buffer.from('["a\u0000"]').toString('base64url'),
                Buffer.from('[1e309]').toString('base64url'),
                Buffer.from('["x", 1e309]').toString('base64url'),
                'a\u0000',
              ]
            : ['a\u0000'];
      for (const value of values) {
        list.push({
          label: `${JSON.stringify(value)} in ?${parameter.name}`,
          url: `${base}?${parameter.name}=${encodeURIComponent(value)}`,
        });
      }
    }
  }
  for (const [label, broken] of brokenBodies(body)) list.push({ label, url: base, body: broken });
  return list;
}

describe('every operation of the OpenAPI document', () => {
  it('has a valid body in this table when it takes one (a new route must be added here)', () => {
    const takingBodies = operations
      .filter((operation) => operation.requestBody !== undefined)
      .map((operation) => `${operation.method} ${operation.path}`)
      .sort();
    expect(takingBodies.length).toBeGreaterThan(15);
    expect(Object.keys(BODIES).sort()).toEqual(takingBodies);
  });

  it('answers U+0000, lone surrogates, 1e309 and forged cursors with a 4xx and a catalogue code, changing nothing', async () => {
    const before = await t.snapshot();
    const failures: string[] = [];
    let sent = 0;
    for (const operation of operations) {
      for (const attempt of cases(operation)) {
        const headers = operation.path === '/api/v1/auth/password' ? session : {};
        const response = await t.request(
          operation.method.toUpperCase() as Method,
          attempt.url,
          attempt.body,
          headers,
        );
        sent += 1;
        const code = response.body?.error?.code;
        if (response.status < 400 || response.status >= 500 || !(code in ERROR_CATALOGUE)) {
          failures.push(
            `${operation.method} ${operation.path}, ${attempt.label}: ${response.status} ${response.text}`,
          );
        }
      }
    }
    expect(failures).toEqual([]);
    // Dozens of operations, each with several broken parts.
    expect(sent).toBeGreaterThan(150);
    expect(await t.snapshot()).toEqual(before);
  });
});

describe('beyond the HTTP layer', () => {
  const call = (service: string, op: string, args: unknown[]) =>
    t.manager.scriptServices.call(ids.app, { service, op, args } as never, Date.now() + 5_000);

  beforeAll(async () => {
    ids.app = (await t.request('GET', '/admin/apps/shop')).body.id;
  });

  it("refuses a script's KV value or queue payload holding NUL or a lone surrogate with a service error", async () => {
    for (const value of ['a\u0000b', { 'k\u0000': 1 }, ['\ud800']]) {
      expect(await call('kv', 'set', ['c', 'k', value, null])).toMatchObject({
        ok: false,
        reason: 'KV_INVALID_VALUE',
      });
      expect(await call('queue', 'send', ['jobs', value])).toMatchObject({
        ok: false,
        reason: 'QUEUE_INVALID_PAYLOAD',
      });
    }
  });

  it('logs a run that printed or threw NUL, and the other runs of its batch', async () => {
    t.manager.logWriter.record(testRunRecord(ids.app, 'before\u0000after\ud800', undefined, 'nul-output'));
    t.manager.logWriter.record(testRunRecord(ids.app, '', 'thrown \u0000', 'nul-error'));
    t.manager.logWriter.record(testRunRecord(ids.app, 'fine', undefined, 'plain'));
    await t.manager.logWriter.flush();
    const { rows } = await t.database.pool.query(
      "SELECT request_id, output, error->>'message' AS message FROM execution_logs WHERE request_id IN ('nul-output', 'nul-error', 'plain') ORDER BY request_id",
    );
    expect(rows).toEqual([
      { request_id: 'nul-error', output: '', message: 'thrown \ufffd' },
      { request_id: 'nul-output', output: 'before\ufffdafter\ufffd', message: null },
      { request_id: 'plain', output: 'fine', message: null },
    ]);
  });
});
