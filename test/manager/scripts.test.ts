/**
 * `/api/v1/admin/scripts`: create (compiled first: invalid Rhai is a 422 with positioned diagnostics
 * and nothing saved), list with filters and pagination, get, save (new source = new version; name and
 * description alone are not a version), versions, rollback, kind changes and delete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change } from '../../server/contracts/changes.js';
import { encodeCursor } from '../../server/manager/pagination.js';
import { createManagerTestServer, HELLO_SOURCE, type ManagerTestServer } from '../support/manager-server.js';
import { count, MISSING_UUID, rows, runScenarios, scenario } from './scenario.js';

let t: ManagerTestServer;
beforeAll(async () => {
  t = await createManagerTestServer();
});
afterAll(async () => {
  await t?.close();
});
const server = () => t;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const V2 = '#{ message: "hello again" }';
const V3 = 'let name = ctx.query.name ?? "world";\n#{ message: `hello ${name}` }';

/** Sources that do not compile, with where the engine says the problem is. */
const BROKEN = [
  ['a missing expression', 'let x = ;', 1, 9, 'ExprExpected'],
  ['a missing expression on line 2', 'let x = 1;\nlet y = (2 + ;\n', 2, 14, 'ExprExpected'],
  ['an unclosed parameter list', 'fn f( {', 1, 7, 'VariableExpected'],
  ['an unclosed object map', '#{ a: 1 ', 1, 9, 'UnexpectedEOF'],
  ['a stray operator', 'let x = 1;\n  x +* 2', 2, 6, 'BadInput'],
  ['a let without a name', 'let = 5;', 1, 5, 'VariableExpected'],
] as const;

/** The app "shop" with the script "hello". */
async function shopWithHello(extra: Record<string, unknown> = {}) {
  const app = await t.createApp('shop');
  const script = await t.createScript('shop', 'hello', extra);
  return { app, script };
}

/** "hello" saved three times: versions 1 (HELLO_SOURCE), 2 (V2), 3 (V3). */
async function threeVersions() {
  const { app, script } = await shopWithHello();
  for (const [source, message] of [
    [V2, 'second'],
    [V3, 'third'],
  ]) {
    const saved = await t.request('PATCH', `/admin/scripts/${script.id}`, { source, message });
    expect(saved.status, saved.text).toBe(200);
  }
  return { app, script };
}

const scriptEvent = (f: { app: { id: string }; script: { id: string } }): Change[] => [
  { topic: 'scripts', app: f.app.id, script: f.script.id },
];

describe('create', () => {
  runScenarios(server, [
    scenario({
      name: 'creates an endpoint as version 1',
      setup: () => t.createApp('shop'),
      method: 'POST',
      url: '/admin/scripts',
      body: { app: 'shop', name: 'hello', source: HELLO_SOURCE },
      status: 201,
      changes: ['scripts', 'script_versions'],
      expect: (response, app) =>
        expect(response.body).toEqual({
          id: expect.stringMatching(UUID),
          app_id: app.id,
          name: 'hello',
          kind: 'endpoint',
          description: '',
          version: 1,
          source: HELLO_SOURCE,
          created_at: expect.stringMatching(ISO),
          updated_at: expect.stringMatching(ISO),
        }),
      after: async (_app, t, response) => {
        expect(
          await rows(t, 'SELECT version, source, kind, message FROM script_versions WHERE script_id = $1', [
            response.body.id,
          ]),
        ).toEqual([{ version: 1, source: HELLO_SOURCE, kind: 'endpoint', message: 'Created' }]);
      },
      events: (app, response) => [{ topic: 'scripts', app: app.id, script: response.body.id }],
    }),
    scenario({
      name: 'creates a module in an app named by id, with description and message',
      setup: () => t.createApp('shop'),
      method: 'POST',
      url: '/admin/scripts',
      body: (app) => ({
        app: app.id,
        name: 'util',
        kind: 'module',
        source: 'fn double(x) { x * 2 }',
        description: 'helpers',
        message: 'first cut',
      }),
      status: 201,
      changes: ['scripts', 'script_versions'],
      json: (app) => ({ app_id: app.id, name: 'util', kind: 'module', description: 'helpers', version: 1 }),
      after: async (_app, t, response) => {
        expect(
          await rows(t, 'SELECT kind, message FROM script_versions WHERE script_id = $1', [response.body.id]),
        ).toEqual([{ kind: 'module', message: 'first cut' }]);
      },
      events: (app, response) => [{ topic: 'scripts', app: app.id, script: response.body.id }],
    }),
    scenario({
      name: "an app's retired slug names the app",
      setup: async () => {
        const app = await t.createApp('old');
        await t.request('PATCH', '/admin/apps/old', { slug: 'current' });
        return app;
      },
      method: 'POST',
      url: '/admin/scripts',
      body: { app: 'old', name: 'hello', source: HELLO_SOURCE },
      status: 201,
      changes: ['scripts', 'script_versions'],
      json: (app) => ({ app_id: app.id }),
      events: (app, response) => [{ topic: 'scripts', app: app.id, script: response.body.id }],
    }),
    scenario({
      name: 'the same name in two apps is fine',
      setup: async () => {
        await shopWithHello();
        return t.createApp('other');
      },
      method: 'POST',
      url: '/admin/scripts',
      body: { app: 'other', name: 'hello', source: HELLO_SOURCE },
      status: 201,
      changes: ['scripts', 'script_versions'],
      after: async (_other, t) => expect(await count(t, 'scripts', "name = 'hello'")).toBe(2),
      events: (other, response) => [{ topic: 'scripts', app: other.id, script: response.body.id }],
    }),
    scenario({
      name: 'names are case-sensitive: "Hello" next to "hello" is fine',
      setup: () => shopWithHello(),
      method: 'POST',
      url: '/admin/scripts',
      body: { app: 'shop', name: 'Hello', source: HELLO_SOURCE },
      status: 201,
      changes: ['scripts', 'script_versions'],
      events: ({ app }, response) => [{ topic: 'scripts', app: app.id, script: response.body.id }],
    }),
    ...['a', '_private', 'hello-world', 'Name_2', `a${'b'.repeat(63)}`].map((name) =>
      scenario({
        name: `accepts the name ${JSON.stringify(name)}`,
        setup: () => t.createApp('shop'),
        method: 'POST',
        url: '/admin/scripts',
        body: { app: 'shop', name, source: HELLO_SOURCE },
        status: 201,
        changes: ['scripts', 'script_versions'],
        json: { name },
        events: (app, response) => [{ topic: 'scripts', app: app.id, script: response.body.id }],
      }),
    ),
    ...['', '1st', '-x', 'a b', 'a.b', 'a/b', 'héllo', `a${'b'.repeat(64)}`].map((name) =>
      scenario({
        name: `refuses the name ${JSON.stringify(name)}`,
        setup: () => t.createApp('shop'),
        method: 'POST',
        url: '/admin/scripts',
        body: { app: 'shop', name, source: HELLO_SOURCE },
        status: 400,
        code: 'PICLOUD_ERR_HTTP_VALIDATION',
        json: { error: { details: [{ in: 'body', path: '/name' }] } },
      }),
    ),
    ...(
      [
        ['no app', { name: 'x', source: HELLO_SOURCE }, '/app'],
        ['no name', { app: 'shop', source: HELLO_SOURCE }, '/name'],
        ['no source', { app: 'shop', name: 'x' }, '/source'],
        ['an unknown kind', { app: 'shop', name: 'x', source: HELLO_SOURCE, kind: 'cron' }, '/kind'],
        [
          'a source over 256 KiB',
          { app: 'shop', name: 'x', source: `// ${'x'.repeat(256 * 1024)}` },
          '/source',
        ],
        [
          'a message over 500 characters',
          { app: 'shop', name: 'x', source: '1', message: 'm'.repeat(501) },
          '/message',
        ],
        ['an unknown property', { app: 'shop', name: 'x', source: '1', version: 3 }, '/version'],
      ] as const
    ).map(([label, body, path]) =>
      scenario({
        name: `refuses ${label}`,
        setup: () => t.createApp('shop'),
        method: 'POST',
        url: '/admin/scripts',
        body,
        status: 400,
        code: 'PICLOUD_ERR_HTTP_VALIDATION',
        json: { error: { details: expect.arrayContaining([expect.objectContaining({ in: 'body', path })]) } },
      }),
    ),
    scenario({
      name: 'refuses a name the app already uses',
      setup: () => shopWithHello(),
      method: 'POST',
      url: '/admin/scripts',
      body: { app: 'shop', name: 'hello', source: V2 },
      status: 409,
      code: 'PICLOUD_ERR_SCRIPT_NAME_TAKEN',
      json: { error: { message: expect.stringContaining('"hello"') } },
    }),
    scenario({
      name: 'an unknown app is APP_NOT_FOUND',
      method: 'POST',
      url: '/admin/scripts',
      body: { app: 'nothing', name: 'hello', source: HELLO_SOURCE },
      status: 404,
      code: 'PICLOUD_ERR_APP_NOT_FOUND',
    }),
    ...BROKEN.flatMap(([label, source, line, column, kind]) =>
      (['endpoint', 'module'] as const).map((scriptKind) =>
        scenario({
          name: `refuses ${label} (${scriptKind}) with a diagnostic at ${line}:${column}, saving nothing`,
          setup: () => t.createApp('shop'),
          method: 'POST',
          url: '/admin/scripts',
          body: { app: 'shop', name: 'broken', kind: scriptKind, source },
          status: 422,
          code: 'PICLOUD_ERR_SCRIPT_COMPILE',
          expect: (response) => {
            const { diagnostics } = response.body.error.details;
            expect(diagnostics).toHaveLength(1);
            expect(diagnostics[0]).toEqual({ message: expect.stringMatching(/\S/), line, column, kind });
            expect(response.body.error.message).toContain(`(line ${line}, column ${column})`);
            expect(response.body.error.message).toContain(diagnostics[0].message);
          },
        }),
      ),
    ),
  ]);
});

describe('list', () => {
  /** Scripts in two apps: shop has hello, util (module), zeta; other has hello and util (module). */
  async function spread() {
    const shop = await t.createApp('shop');
    const other = await t.createApp('other');
    await t.createScript('shop', 'zeta');
    await t.createScript('shop', 'hello');
    await t.createScript('shop', 'util', { kind: 'module', source: 'fn f() { 1 }' });
    await t.createScript('other', 'hello');
    await t.createScript('other', 'util', { kind: 'module', source: 'fn f() { 1 }' });
    return { shop, other };
  }
  const names = (response: { body: { items: { name: string; app_id: string }[] } }) =>
    response.body.items.map((s) => s.name);

  runScenarios(server, [
    scenario({
      name: 'lists every script by name, without source',
      setup: spread,
      method: 'GET',
      url: '/admin/scripts',
      status: 200,
      expect: (response) => {
        expect(names(response)).toEqual(['hello', 'hello', 'util', 'util', 'zeta']);
        expect(response.body.next_cursor).toBeNull();
        for (const item of response.body.items) {
          expect(Object.keys(item).sort()).toEqual([
            'app_id',
            'created_at',
            'description',
            'id',
            'kind',
            'name',
            'updated_at',
            'version',
          ]);
        }
      },
    }),
    ...(
      [
        ['?app= a slug', () => 'app=shop', ['hello', 'util', 'zeta']],
        ['?app= an id', (f: { other: { id: string } }) => `app=${f.other.id}`, ['hello', 'util']],
        ['?app= a slug in upper case', () => 'app=SHOP', ['hello', 'util', 'zeta']],
        ['?kind=module', () => 'kind=module', ['util', 'util']],
        ['?kind=endpoint', () => 'kind=endpoint', ['hello', 'hello', 'zeta']],
        ['?app= and ?kind=', () => 'app=shop&kind=endpoint', ['hello', 'zeta']],
      ] as const
    ).map(([label, query, expected]) =>
      scenario({
        name: `filters by ${label}`,
        setup: spread,
        method: 'GET',
        url: (f) => `/admin/scripts?${query(f)}`,
        status: 200,
        expect: (response) => expect(names(response)).toEqual(expected),
      }),
    ),
    scenario({
      name: "filters by an app's retired slug",
      setup: async () => {
        const f = await spread();
        await t.request('PATCH', '/admin/apps/shop', { slug: 'store' });
        return f;
      },
      method: 'GET',
      url: '/admin/scripts?app=shop',
      status: 200,
      expect: (response, f) => {
        expect(names(response)).toEqual(['hello', 'util', 'zeta']);
        expect(new Set(response.body.items.map((s: { app_id: string }) => s.app_id))).toEqual(
          new Set([f.shop.id]),
        );
      },
    }),
    scenario({
      name: 'an app without scripts has an empty list',
      setup: spread,
      method: 'GET',
      url: '/admin/scripts?app=default',
      status: 200,
      json: { items: [], next_cursor: null },
    }),
    scenario({
      name: 'pages through scripts of equal names exactly once (name, then id)',
      setup: spread,
      method: 'GET',
      url: '/admin/scripts?limit=1',
      status: 200,
      expect: async (first) => {
        const seen: string[] = [...first.body.items.map((s: { id: string }) => s.id)];
        let cursor: string | null = first.body.next_cursor;
        while (cursor) {
          const page = await t.request('GET', `/admin/scripts?limit=1&cursor=${cursor}`);
          expect(page.status, page.text).toBe(200);
          seen.push(...page.body.items.map((s: { id: string }) => s.id));
          cursor = page.body.next_cursor;
        }
        const all = await t.request('GET', '/admin/scripts');
        expect(seen).toEqual(all.body.items.map((s: { id: string }) => s.id));
        expect(new Set(seen).size).toBe(5);
      },
    }),
    scenario({
      name: 'pages keep their filters',
      setup: spread,
      method: 'GET',
      url: '/admin/scripts?kind=endpoint&limit=2',
      status: 200,
      expect: async (first) => {
        expect(names(first)).toEqual(['hello', 'hello']);
        const next = await t.request(
          'GET',
          `/admin/scripts?kind=endpoint&limit=2&cursor=${first.body.next_cursor}`,
        );
        expect(names(next)).toEqual(['zeta']);
        expect(next.body.next_cursor).toBeNull();
      },
    }),
    scenario({
      name: 'an unknown app is APP_NOT_FOUND',
      method: 'GET',
      url: '/admin/scripts?app=nothing',
      status: 404,
      code: 'PICLOUD_ERR_APP_NOT_FOUND',
    }),
    ...[
      ['kind=cron', '/kind'],
      ['limit=0', '/limit'],
      ['limit=500', '/limit'],
      [`app=${'a'.repeat(65)}`, '/app'],
    ].map(([query, path]) =>
      scenario({
        name: `refuses ?${query.slice(0, 20)}`,
        method: 'GET',
        url: `/admin/scripts?${query}`,
        status: 400,
        code: 'PICLOUD_ERR_HTTP_VALIDATION',
        json: {
          error: { details: expect.arrayContaining([expect.objectContaining({ in: 'querystring', path })]) },
        },
      }),
    ),
    ...[
      ['not base64 JSON', 'garbage'],
      ['with one part', encodeCursor(['hello'])],
      ['whose id is not a UUID', encodeCursor(['hello', 'not-a-uuid'])],
      ['whose id is a number', encodeCursor(['hello', 7])],
    ].map(([label, cursor]) =>
      scenario({
        name: `refuses a cursor ${label}`,
        setup: spread,
        method: 'GET',
        url: `/admin/scripts?cursor=${cursor}`,
        status: 400,
        code: 'PICLOUD_ERR_HTTP_BAD_CURSOR',
      }),
    ),
  ]);
});

describe('get', () => {
  runScenarios(server, [
    scenario({
      name: 'gets a script with its live source',
      setup: threeVersions,
      method: 'GET',
      url: ({ script }) => `/admin/scripts/${script.id}`,
      status: 200,
      json: ({ script, app }) => ({ id: script.id, app_id: app.id, name: 'hello', version: 3, source: V3 }),
    }),
    ...[
      ['an unknown id', MISSING_UUID],
      ['a reference that is not an id', 'hello'],
    ].map(([label, id]) =>
      scenario({
        name: `${label} is SCRIPT_NOT_FOUND`,
        setup: () => shopWithHello(),
        method: 'GET',
        url: `/admin/scripts/${id}`,
        status: 404,
        code: 'PICLOUD_ERR_SCRIPT_NOT_FOUND',
      }),
    ),
    scenario({
      name: 'a reference over 64 characters is a validation error',
      method: 'GET',
      url: `/admin/scripts/${'a'.repeat(65)}`,
      status: 400,
      code: 'PICLOUD_ERR_HTTP_VALIDATION',
    }),
  ]);
});

describe('save', () => {
  runScenarios(server, [
    scenario({
      name: 'new source becomes version 2',
      setup: () => shopWithHello(),
      method: 'PATCH',
      url: ({ script }) => `/admin/scripts/${script.id}`,
      body: { source: V2, message: 'friendlier' },
      status: 200,
      changes: ['scripts', 'script_versions'],
      json: { version: 2, source: V2, name: 'hello', kind: 'endpoint' },
      expect: (response, { script }) => {
        expect(response.body.created_at).toBe(script.created_at);
        expect(Date.parse(response.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(script.updated_at));
      },
      after: async ({ script }, t) => {
        expect(
          await rows(
            t,
            'SELECT version, source, message FROM script_versions WHERE script_id = $1 ORDER BY version',
            [script.id],
          ),
        ).toEqual([
          { version: 1, source: HELLO_SOURCE, message: 'Created' },
          { version: 2, source: V2, message: 'friendlier' },
        ]);
        expect(
          await rows(t, 'SELECT source, current_version FROM scripts WHERE id = $1', [script.id]),
        ).toEqual([{ source: V2, current_version: 2 }]);
      },
      events: scriptEvent,
    }),
    scenario({
      name: 'new source with a new name and description is one version',
      setup: () => shopWithHello(),
      method: 'PATCH',
      url: ({ script }) => `/admin/scripts/${script.id}`,
      body: { source: V2, name: 'greet', description: 'greets' },
      status: 200,
      changes: ['scripts', 'script_versions'],
      json: { version: 2, name: 'greet', description: 'greets' },
      after: async ({ script }, t) => {
        expect(
          await rows(t, 'SELECT message FROM script_versions WHERE script_id = $1 AND version = 2', [
            script.id,
          ]),
        ).toEqual([{ message: '' }]);
      },
      events: scriptEvent,
    }),
    ...(
      [
        ['a new name', { name: 'greet' }, { name: 'greet' }],
        ['a new description', { description: 'says hello' }, { description: 'says hello' }],
        ['the same source', { source: HELLO_SOURCE }, { source: HELLO_SOURCE }],
        ['the same kind', { kind: 'endpoint' }, { kind: 'endpoint' }],
      ] as const
    ).map(([label, body, json]) =>
      scenario({
        name: `${label} alone is not a new version`,
        setup: () => shopWithHello(),
        method: 'PATCH',
        url: ({ script }) => `/admin/scripts/${script.id}`,
        body,
        status: 200,
        changes: ['scripts'],
        json: { ...json, version: 1 },
        after: async ({ script }, t) => {
          expect(await count(t, 'script_versions', 'script_id = $1', [script.id])).toBe(1);
        },
        events: scriptEvent,
      }),
    ),
    scenario({
      name: 'keeping its own name is fine',
      setup: () => shopWithHello(),
      method: 'PATCH',
      url: ({ script }) => `/admin/scripts/${script.id}`,
      body: { name: 'hello', source: V2 },
      status: 200,
      changes: ['scripts', 'script_versions'],
      json: { name: 'hello', version: 2 },
      events: scriptEvent,
    }),
    scenario({
      name: 'endpoint → module without routes is a new version',
      setup: () => shopWithHello({ source: 'fn f() { 1 }' }),
      method: 'PATCH',
      url: ({ script }) => `/admin/scripts/${script.id}`,
      body: { kind: 'module' },
      status: 200,
      changes: ['scripts', 'script_versions'],
      json: { kind: 'module', version: 2 },
      after: async ({ script }, t) => {
        expect(
          await rows(t, 'SELECT kind FROM script_versions WHERE script_id = $1 AND version = 2', [script.id]),
        ).toEqual([{ kind: 'module' }]);
      },
      events: scriptEvent,
    }),
    scenario({
      name: 'module → endpoint is a new version',
      setup: () => shopWithHello({ kind: 'module', source: 'fn f() { 1 }' }),
      method: 'PATCH',
      url: ({ script }) => `/admin/scripts/${script.id}`,
      body: { kind: 'endpoint', source: HELLO_SOURCE },
      status: 200,
      changes: ['scripts', 'script_versions'],
      json: { kind: 'endpoint', version: 2 },
      events: scriptEvent,
    }),
    scenario({
      name: 'endpoint → module while a route runs it is SCRIPT_KIND_CONFLICT',
      setup: async () => {
        const f = await shopWithHello();
        await t.createRoute('shop', { script: 'hello', methods: ['GET'], path: '/hello' });
        return f;
      },
      method: 'PATCH',
      url: ({ script }) => `/admin/scripts/${script.id}`,
      body: { kind: 'module', source: 'fn f() { 1 }' },
      status: 409,
      code: 'PICLOUD_ERR_SCRIPT_KIND_CONFLICT',
    }),
    scenario({
      name: 'a name another script of the app uses is SCRIPT_NAME_TAKEN',
      setup: async () => {
        const f = await shopWithHello();
        await t.createScript('shop', 'other');
        return f;
      },
      method: 'PATCH',
      url: ({ script }) => `/admin/scripts/${script.id}`,
      body: { name: 'other', source: V2 },
      status: 409,
      code: 'PICLOUD_ERR_SCRIPT_NAME_TAKEN',
    }),
    scenario({
      name: 'a name a script of another app uses is fine',
      setup: async () => {
        const f = await shopWithHello();
        await t.createApp('other');
        await t.createScript('other', 'greet');
        return f;
      },
      method: 'PATCH',
      url: ({ script }) => `/admin/scripts/${script.id}`,
      body: { name: 'greet' },
      status: 200,
      changes: ['scripts'],
      json: { name: 'greet' },
      events: scriptEvent,
    }),
    ...BROKEN.map(([label, source, line, column, kind]) =>
      scenario({
        name: `refuses ${label}, keeping the live version`,
        setup: () => shopWithHello(),
        method: 'PATCH',
        url: ({ script }) => `/admin/scripts/${script.id}`,
        body: { source, name: 'renamed-too' },
        status: 422,
        code: 'PICLOUD_ERR_SCRIPT_COMPILE',
        json: { error: { details: { diagnostics: [{ line, column, kind }] } } },
      }),
    ),
    ...(
      [
        ['an invalid name', { name: '9lives' }, '/name'],
        ['an unknown kind', { kind: 'job' }, '/kind'],
        ['a description over 2000 characters', { description: 'd'.repeat(2001) }, '/description'],
        ['an unknown property', { app: 'other' }, '/app'],
        ['a source that is not a string', { source: { code: 1 } }, '/source'],
      ] as const
    ).map(([label, body, path]) =>
      scenario({
        name: `refuses ${label}`,
        setup: () => shopWithHello(),
        method: 'PATCH',
        url: ({ script }) => `/admin/scripts/${script.id}`,
        body,
        status: 400,
        code: 'PICLOUD_ERR_HTTP_VALIDATION',
        json: { error: { details: expect.arrayContaining([expect.objectContaining({ in: 'body', path })]) } },
      }),
    ),
    scenario({
      name: 'an unknown script is SCRIPT_NOT_FOUND',
      method: 'PATCH',
      url: `/admin/scripts/${MISSING_UUID}`,
      body: { source: V2 },
      status: 404,
      code: 'PICLOUD_ERR_SCRIPT_NOT_FOUND',
    }),
  ]);

  it('successive saves number versions 2, 3, 4...', async () => {
    await t.reset();
    const { script } = await shopWithHello();
    for (let n = 2; n <= 6; n++) {
      const saved = await t.request('PATCH', `/admin/scripts/${script.id}`, { source: `#{ n: ${n} }` });
      expect(saved.body.version).toBe(n);
    }
    expect(await count(t, 'script_versions', 'script_id = $1', [script.id])).toBe(6);
  });
});

describe('versions', () => {
  runScenarios(server, [
    scenario({
      name: 'lists versions newest first, without source',
      setup: threeVersions,
      method: 'GET',
      url: ({ script }) => `/admin/scripts/${script.id}/versions`,
      status: 200,
      expect: (response) => {
        expect(response.body).toEqual({
          items: [
            { version: 3, kind: 'endpoint', message: 'third', created_at: expect.stringMatching(ISO) },
            { version: 2, kind: 'endpoint', message: 'second', created_at: expect.stringMatching(ISO) },
            { version: 1, kind: 'endpoint', message: 'Created', created_at: expect.stringMatching(ISO) },
          ],
          next_cursor: null,
        });
      },
    }),
    scenario({
      name: 'pages through versions',
      setup: threeVersions,
      method: 'GET',
      url: ({ script }) => `/admin/scripts/${script.id}/versions?limit=2`,
      status: 200,
      expect: async (first, { script }) => {
        expect(first.body.items.map((v: { version: number }) => v.version)).toEqual([3, 2]);
        const next = await t.request(
          'GET',
          `/admin/scripts/${script.id}/versions?limit=2&cursor=${first.body.next_cursor}`,
        );
        expect(next.body).toEqual({ items: [expect.objectContaining({ version: 1 })], next_cursor: null });
      },
    }),
    ...[
      ['not base64 JSON', 'garbage'],
      ['with two parts', encodeCursor([1, 2])],
      ['holding a word', encodeCursor(['three'])],
      ['holding a fraction', encodeCursor([1.5])],
    ].map(([label, cursor]) =>
      scenario({
        name: `refuses a cursor ${label}`,
        setup: threeVersions,
        method: 'GET',
        url: ({ script }) => `/admin/scripts/${script.id}/versions?cursor=${cursor}`,
        status: 400,
        code: 'PICLOUD_ERR_HTTP_BAD_CURSOR',
      }),
    ),
    ...[1, 2, 3].map((version) =>
      scenario({
        name: `gets version ${version} with its source`,
        setup: threeVersions,
        method: 'GET',
        url: ({ script }) => `/admin/scripts/${script.id}/versions/${version}`,
        status: 200,
        expect: (response) =>
          expect(response.body).toEqual({
            version,
            kind: 'endpoint',
            message: ['Created', 'second', 'third'][version - 1],
            created_at: expect.stringMatching(ISO),
            source: [HELLO_SOURCE, V2, V3][version - 1],
          }),
      }),
    ),
    ...['4', '2147483647'].map((version) =>
      scenario({
        name: `version ${version} of a script with three is SCRIPT_VERSION_NOT_FOUND`,
        setup: threeVersions,
        method: 'GET',
        url: ({ script }) => `/admin/scripts/${script.id}/versions/${version}`,
        status: 404,
        code: 'PICLOUD_ERR_SCRIPT_VERSION_NOT_FOUND',
      }),
    ),
    ...['0', '-1', 'latest', '1.5', '2147483648', '99999999999'].map((version) =>
      scenario({
        name: `version "${version}" is a validation error`,
        setup: threeVersions,
        method: 'GET',
        url: ({ script }) => `/admin/scripts/${script.id}/versions/${version}`,
        status: 400,
        code: 'PICLOUD_ERR_HTTP_VALIDATION',
        json: { error: { details: [{ in: 'params', path: '/version' }] } },
      }),
    ),
    ...['/versions', '/versions/1'].map((rest) =>
      scenario({
        name: `${rest} of an unknown script is SCRIPT_NOT_FOUND`,
        method: 'GET',
        url: `/admin/scripts/${MISSING_UUID}${rest}`,
        status: 404,
        code: 'PICLOUD_ERR_SCRIPT_NOT_FOUND',
      }),
    ),
  ]);
});

describe('rollback', () => {
  runScenarios(server, [
    scenario({
      name: 'rolling back to version 1 makes a new version 4 with the source of version 1',
      setup: threeVersions,
      method: 'POST',
      url: ({ script }) => `/admin/scripts/${script.id}/rollback`,
      body: { version: 1 },
      status: 200,
      changes: ['scripts', 'script_versions'],
      json: { version: 4, source: HELLO_SOURCE },
      after: async ({ script }, t) => {
        const v4 = await t.request('GET', `/admin/scripts/${script.id}/versions/4`);
        expect(v4.body).toMatchObject({ version: 4, source: HELLO_SOURCE, message: 'Rollback to version 1' });
        const v1 = await t.request('GET', `/admin/scripts/${script.id}/versions/1`);
        expect(v1.body).toMatchObject({ version: 1, source: HELLO_SOURCE, message: 'Created' });
        const list = await t.request('GET', `/admin/scripts/${script.id}/versions`);
        expect(list.body.items.map((v: { version: number }) => v.version)).toEqual([4, 3, 2, 1]);
      },
      events: scriptEvent,
    }),
    scenario({
      name: 'rolling back to the live version still appends a copy',
      setup: threeVersions,
      method: 'POST',
      url: ({ script }) => `/admin/scripts/${script.id}/rollback`,
      body: { version: 3 },
      status: 200,
      changes: ['scripts', 'script_versions'],
      json: { version: 4, source: V3 },
      events: scriptEvent,
    }),
    scenario({
      name: 'rolling back restores the kind of that version',
      setup: async () => {
        const f = await shopWithHello({ kind: 'module', source: 'fn f() { 1 }' });
        await t.request('PATCH', `/admin/scripts/${f.script.id}`, { kind: 'endpoint', source: HELLO_SOURCE });
        return f;
      },
      method: 'POST',
      url: ({ script }) => `/admin/scripts/${script.id}/rollback`,
      body: { version: 1 },
      status: 200,
      changes: ['scripts', 'script_versions'],
      json: { version: 3, kind: 'module', source: 'fn f() { 1 }' },
      events: scriptEvent,
    }),
    scenario({
      name: 'rolling back to a module version while a route runs the endpoint is SCRIPT_KIND_CONFLICT',
      setup: async () => {
        const f = await shopWithHello({ kind: 'module', source: 'fn f() { 1 }' });
        await t.request('PATCH', `/admin/scripts/${f.script.id}`, { kind: 'endpoint', source: HELLO_SOURCE });
        await t.createRoute('shop', { script: 'hello', methods: ['GET'], path: '/hello' });
        return f;
      },
      method: 'POST',
      url: ({ script }) => `/admin/scripts/${script.id}/rollback`,
      body: { version: 1 },
      status: 409,
      code: 'PICLOUD_ERR_SCRIPT_KIND_CONFLICT',
    }),
    ...[4, 2147483647].map((version) =>
      scenario({
        name: `rolling back to missing version ${version} is SCRIPT_VERSION_NOT_FOUND`,
        setup: threeVersions,
        method: 'POST',
        url: ({ script }) => `/admin/scripts/${script.id}/rollback`,
        body: { version },
        status: 404,
        code: 'PICLOUD_ERR_SCRIPT_VERSION_NOT_FOUND',
      }),
    ),
    ...(
      [
        ['version 0', { version: 0 }],
        ['no version', {}],
        ['a fractional version', { version: 1.5 }],
        ['a version over the integer range', { version: 99999999999 }],
        ['an unknown property', { version: 1, force: true }],
      ] as const
    ).map(([label, body]) =>
      scenario({
        name: `refuses ${label}`,
        setup: threeVersions,
        method: 'POST',
        url: ({ script }) => `/admin/scripts/${script.id}/rollback`,
        body,
        status: 400,
        code: 'PICLOUD_ERR_HTTP_VALIDATION',
      }),
    ),
    scenario({
      name: 'an unknown script is SCRIPT_NOT_FOUND',
      method: 'POST',
      url: `/admin/scripts/${MISSING_UUID}/rollback`,
      body: { version: 1 },
      status: 404,
      code: 'PICLOUD_ERR_SCRIPT_NOT_FOUND',
    }),
  ]);
});

describe('delete', () => {
  runScenarios(server, [
    scenario({
      name: 'deletes a script with its versions and routes; its logs stay, unlinked',
      setup: async () => {
        const f = await threeVersions();
        await t.createRoute('shop', { script: 'hello', methods: ['GET'], path: '/hello' });
        await t.createRoute('shop', { script: 'hello', methods: ['POST'], path: '/hello' });
        const kept = await t.createScript('shop', 'kept');
        await t.createRoute('shop', { script: 'kept', methods: ['GET'], path: '/kept' });
        t.manager.logWriter.record({
          app_id: f.app.id,
          script_id: f.script.id,
          script_version: 3,
          request_id: 'r1',
          trigger: 'http',
          status: 'ok',
          http_status: 200,
          duration_ms: 2,
          operations: 5,
          error: null,
          output: '',
          started_at: new Date(),
        });
        await t.manager.logWriter.flush();
        return { ...f, kept };
      },
      method: 'DELETE',
      url: ({ script }) => `/admin/scripts/${script.id}`,
      status: 204,
      changes: ['scripts', 'script_versions', 'routes', 'execution_logs'],
      expect: (response) => expect(response.text).toBe(''),
      after: async ({ script, kept }, t) => {
        expect(await count(t, 'scripts', 'id = $1', [script.id])).toBe(0);
        expect(await count(t, 'script_versions', 'script_id = $1', [script.id])).toBe(0);
        expect(await count(t, 'routes', 'script_id = $1', [script.id])).toBe(0);
        expect(await rows(t, 'SELECT script_id, script_version FROM execution_logs')).toEqual([
          { script_id: null, script_version: 3 },
        ]);
        expect(await count(t, 'routes', 'script_id = $1', [kept.id])).toBe(1);
        expect((await t.request('GET', `/admin/scripts/${script.id}`)).status).toBe(404);
      },
      events: ({ app, script }) => [
        { topic: 'scripts', app: app.id, script: script.id },
        { topic: 'routes', app: app.id },
      ],
    }),
    scenario({
      name: 'an unknown script is SCRIPT_NOT_FOUND',
      method: 'DELETE',
      url: `/admin/scripts/${MISSING_UUID}`,
      status: 404,
      code: 'PICLOUD_ERR_SCRIPT_NOT_FOUND',
    }),
    scenario({
      name: 'a script name is not a reference',
      setup: () => shopWithHello(),
      method: 'DELETE',
      url: '/admin/scripts/hello',
      status: 404,
      code: 'PICLOUD_ERR_SCRIPT_NOT_FOUND',
    }),
  ]);
});

describe('races', () => {
  it('two requests creating one name in one app: one wins, the other gets SCRIPT_NAME_TAKEN', async () => {
    await t.reset();
    await t.createApp('shop');
    for (let round = 0; round < 5; round++) {
      const name = `race${round}`;
      const responses = await Promise.all(
        [HELLO_SOURCE, V2].map((source) =>
          t.request('POST', '/admin/scripts', { app: 'shop', name, source }),
        ),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(responses.find((r) => r.status === 409)!.body.error.code).toBe('PICLOUD_ERR_SCRIPT_NAME_TAKEN');
      expect(await count(t, 'scripts', 'name = $1', [name])).toBe(1);
      expect(await count(t, 'script_versions')).toBe(round + 1);
    }
  });

  it('concurrent saves of one script get distinct, consecutive versions', async () => {
    await t.reset();
    const { script } = await shopWithHello();
    const responses = await Promise.all(
      [1, 2, 3, 4].map((n) => t.request('PATCH', `/admin/scripts/${script.id}`, { source: `#{ n: ${n} }` })),
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(responses.map((r) => r.body.version).sort()).toEqual([2, 3, 4, 5]);
    const live = await t.request('GET', `/admin/scripts/${script.id}`);
    const newest = await t.request('GET', `/admin/scripts/${script.id}/versions/5`);
    expect(live.body.source).toBe(newest.body.source);
  });
});
