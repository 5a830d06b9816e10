/**
 * Modules on save: the shape rule (constants, functions, imports), reserved names, imports resolved
 * within the app (unknown names, endpoints, another app's modules, cycles named in the error, chains
 * deeper than 8), the dependency table following saves, renames, rollbacks and deletes, and the
 * refusals that keep it sound (deleting, renaming or un-moduling a module others import). Every
 * refusal changes nothing: not the manager tables, not the dependency table, no notification.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManagerTestServer, HELLO_SOURCE, type ManagerTestServer } from '../support/manager-server.js';
import { expectError, rows, runScenarios, scenario } from './scenario.js';

let t: ManagerTestServer;
beforeAll(async () => {
  t = await createManagerTestServer();
});
afterAll(async () => {
  await t?.close();
});
const server = () => t;

/** A module of "shop". */
const mod = (name: string, source = 'fn f() { 1 }', app = 'shop') =>
  t.createScript(app, name, { kind: 'module', source });
/** An endpoint of "shop". */
const endpoint = (name: string, source: string, app = 'shop') => t.createScript(app, name, { source });
/** `import "a" as a; …` for each name. */
const importing = (...names: string[]) => `${names.map((n) => `import "${n}" as ${n};`).join('\n')}\n`;

/** The dependency table as `importer → imported` lines, sorted. */
async function edges(): Promise<string[]> {
  const found = await rows(
    t,
    `SELECT s.name AS importer, m.name AS imported FROM script_imports i
       JOIN scripts s ON s.id = i.script_id JOIN scripts m ON m.id = i.imported_script_id`,
  );
  return found.map((r) => `${r.importer} → ${r.imported}`).sort();
}

/**
 * Refusal scenarios: the error code, the message, and that neither the manager tables (checked by the
 * scenario runner) nor the dependency table changed.
 */
function refusal(definition: {
  name: string;
  setup: () => Promise<any>;
  method: 'POST' | 'PATCH' | 'DELETE';
  url: string | ((f: any) => string);
  body?: unknown;
  status: number;
  code: Parameters<typeof expectError>[1];
  message: RegExp | string;
  details?: (f: any) => unknown;
}) {
  return scenario({
    name: definition.name,
    setup: async () => {
      await t.createApp('shop');
      const fixture = (await definition.setup()) ?? {};
      return { ...fixture, edgesBefore: await edges() };
    },
    method: definition.method,
    url: definition.url,
    body: definition.body as object | undefined,
    status: definition.status,
    code: definition.code,
    expect: (response, fixture) => {
      const { message } = response.body.error;
      if (typeof definition.message === 'string') expect(message).toContain(definition.message);
      else expect(message).toMatch(definition.message);
      if (definition.details)
        expect(response.body.error.details).toMatchObject(definition.details(fixture) as object);
    },
    after: async (fixture) => {
      expect(await edges(), 'the dependency table is unchanged').toEqual(fixture.edgesBefore);
    },
  });
}

describe('the shape of a module', () => {
  runScenarios(server, [
    scenario({
      name: 'constants, exported constants, functions, private functions, imports and exports are a module',
      setup: async () => {
        const app = await t.createApp('shop');
        await mod('base');
        return app;
      },
      method: 'POST',
      url: '/admin/scripts',
      body: {
        app: 'shop',
        name: 'util',
        kind: 'module',
        source: [
          '// helpers',
          'import "base" as base;',
          'const RATE = 2;',
          'export const LIMIT = 10;',
          'fn double(x) { x * 2 }',
          'private fn helper() { base::f() }',
          'export RATE as FACTOR;',
          ';',
        ].join('\n'),
      },
      status: 201,
      changes: ['scripts', 'script_versions'],
      json: { kind: 'module' },
      after: async () => expect(await edges()).toEqual(['util → base']),
      events: (app, response) => [{ topic: 'scripts', app: app.id, script: response.body.id }],
    }),
    ...(
      [
        ['a let variable', 'const A = 1;\nlet counter = 0;\nfn f() { 1 }', 2, 1, '`let counter`'],
        ['an expression', 'fn f() { 1 }\n\n  f();', 3, 3, 'an expression'],
        ['a print call', 'print("loaded");', 1, 1, 'an expression'],
        ['a map result', '#{ a: 1 }', 1, 1, 'an expression'],
        ['an if', 'const A = 1;\nif A > 0 { print("x") }', 2, 1, 'an expression'],
        ['a return', 'return 1;', 1, 1, 'a `return`'],
        ['a throw', 'throw "no";', 1, 1, 'a `throw`'],
        ['a try block', 'try { 1 } catch { 2 }', 1, 1, 'a `try` block'],
      ] as const
    ).map(([label, source, line, column, what]) =>
      scenario({
        name: `a module with ${label} is MODULE_SHAPE at ${line}:${column}`,
        setup: () => t.createApp('shop'),
        method: 'POST',
        url: '/admin/scripts',
        body: { app: 'shop', name: 'util', kind: 'module', source },
        status: 422,
        code: 'PICLOUD_ERR_MODULE_SHAPE',
        expect: (response) => {
          const { message, details } = response.body.error;
          expect(details.diagnostics[0]).toEqual({
            message: expect.stringContaining(what),
            line,
            column,
            kind: 'ModuleShape',
          });
          expect(message).toContain(`(line ${line}, column ${column})`);
        },
      }),
    ),
    scenario({
      name: 'every misplaced statement is listed, first one first',
      setup: () => t.createApp('shop'),
      method: 'POST',
      url: '/admin/scripts',
      body: { app: 'shop', name: 'util', kind: 'module', source: 'let a = 1;\nfn f() { 1 }\nlet b = 2;' },
      status: 422,
      code: 'PICLOUD_ERR_MODULE_SHAPE',
      expect: (response) =>
        expect(response.body.error.details.diagnostics.map((d: { line: number }) => d.line)).toEqual([1, 3]),
    }),
    scenario({
      name: 'the same source is fine as an endpoint',
      setup: () => t.createApp('shop'),
      method: 'POST',
      url: '/admin/scripts',
      body: { app: 'shop', name: 'util', source: 'let counter = 0;\nprint("x");\n#{ a: counter }' },
      status: 201,
      changes: ['scripts', 'script_versions'],
      events: (app, response) => [{ topic: 'scripts', app: app.id, script: response.body.id }],
    }),
    scenario({
      name: 'an endpoint whose code is not a module cannot become one',
      setup: async () => {
        await t.createApp('shop');
        return { script: await endpoint('hello', HELLO_SOURCE) };
      },
      method: 'PATCH',
      url: ({ script }) => `/admin/scripts/${script.id}`,
      body: { kind: 'module' },
      status: 422,
      code: 'PICLOUD_ERR_MODULE_SHAPE',
    }),
    scenario({
      name: 'an import path that is not a string literal is MODULE_IMPORT with its position',
      setup: () => t.createApp('shop'),
      method: 'POST',
      url: '/admin/scripts',
      body: { app: 'shop', name: 'e', source: 'let name = "util";\nimport name as u;\n1' },
      status: 422,
      code: 'PICLOUD_ERR_MODULE_IMPORT',
      expect: (response) =>
        expect(response.body.error.details.diagnostics[0]).toMatchObject({
          line: 2,
          column: 1,
          kind: 'ImportPath',
        }),
    }),
  ]);
});

describe('reserved names', () => {
  runScenarios(server, [
    ...['kv', 'secret', 'http', 'queue', 'ctx', 'global'].map((name) =>
      scenario({
        name: `a module cannot be named "${name}"`,
        setup: () => t.createApp('shop'),
        method: 'POST',
        url: '/admin/scripts',
        body: { app: 'shop', name, kind: 'module', source: 'fn f() { 1 }' },
        status: 422,
        code: 'PICLOUD_ERR_MODULE_NAME_RESERVED',
        expect: (response) => expect(response.body.error.message).toContain(`"${name}"`),
      }),
    ),
    scenario({
      name: 'an endpoint may be named "kv" (nothing imports an endpoint)',
      setup: () => t.createApp('shop'),
      method: 'POST',
      url: '/admin/scripts',
      body: { app: 'shop', name: 'kv', source: HELLO_SOURCE },
      status: 201,
      changes: ['scripts', 'script_versions'],
      events: (app, response) => [{ topic: 'scripts', app: app.id, script: response.body.id }],
    }),
    scenario({
      name: 'an endpoint named "http" cannot become a module',
      setup: async () => {
        await t.createApp('shop');
        return { script: await endpoint('http', 'fn f() { 1 }') };
      },
      method: 'PATCH',
      url: ({ script }) => `/admin/scripts/${script.id}`,
      body: { kind: 'module' },
      status: 422,
      code: 'PICLOUD_ERR_MODULE_NAME_RESERVED',
    }),
    scenario({
      name: 'a module cannot be renamed "queue"',
      setup: async () => {
        await t.createApp('shop');
        return { script: await mod('util') };
      },
      method: 'PATCH',
      url: ({ script }) => `/admin/scripts/${script.id}`,
      body: { name: 'queue' },
      status: 422,
      code: 'PICLOUD_ERR_MODULE_NAME_RESERVED',
    }),
  ]);
});

describe('imports are resolved within the app on save', () => {
  runScenarios(server, [
    refusal({
      name: 'an unknown module is MODULE_IMPORT naming it, with its position',
      setup: () => mod('util'),
      method: 'POST',
      url: '/admin/scripts',
      body: { app: 'shop', name: 'e', source: 'import "util" as u;\n  import "nope" as n;\n1' },
      status: 422,
      code: 'PICLOUD_ERR_MODULE_IMPORT',
      message: '"e" imports "nope" (line 2, column 3), but the app has no module named "nope"',
      details: () => ({ import: { name: 'nope', line: 2, column: 3 } }),
    }),
    refusal({
      name: 'an import nested in a function is checked too',
      setup: async () => undefined,
      method: 'POST',
      url: '/admin/scripts',
      body: { app: 'shop', name: 'e', source: 'fn g() { if true { import "deep" as d; } }\n1' },
      status: 422,
      code: 'PICLOUD_ERR_MODULE_IMPORT',
      message: '"deep"',
    }),
    refusal({
      name: 'importing an endpoint is MODULE_IMPORT',
      setup: () => endpoint('hello', HELLO_SOURCE),
      method: 'POST',
      url: '/admin/scripts',
      body: { app: 'shop', name: 'e', source: importing('hello') },
      status: 422,
      code: 'PICLOUD_ERR_MODULE_IMPORT',
      message: '"e" imports "hello" (line 1, column 1), which is an endpoint: only modules can be imported',
    }),
    refusal({
      name: "another app's module cannot be imported",
      setup: async () => {
        await t.createApp('other');
        await mod('shared', 'fn f() { 1 }', 'other');
      },
      method: 'POST',
      url: '/admin/scripts',
      body: { app: 'shop', name: 'e', source: importing('shared') },
      status: 422,
      code: 'PICLOUD_ERR_MODULE_IMPORT',
      message: 'a module of another app',
    }),
    refusal({
      name: 'a module importing itself is a cycle a → a',
      setup: async () => ({ a: await mod('a') }),
      method: 'PATCH',
      url: ({ a }) => `/admin/scripts/${a.id}`,
      body: { source: `${importing('a')}fn f() { 1 }` },
      status: 422,
      code: 'PICLOUD_ERR_MODULE_IMPORT',
      message: 'make a cycle: a → a',
      details: () => ({ cycle: ['a', 'a'] }),
    }),
    refusal({
      name: 'a → b → a is refused, naming the cycle',
      setup: async () => {
        const b = await mod('b');
        await mod('a', importing('b'));
        return { b };
      },
      method: 'PATCH',
      url: ({ b }) => `/admin/scripts/${b.id}`,
      body: { source: `${importing('a')}fn f() { a::f() }` },
      status: 422,
      code: 'PICLOUD_ERR_MODULE_IMPORT',
      message: 'The imports of "b" make a cycle: b → a → b',
      details: () => ({ cycle: ['b', 'a', 'b'] }),
    }),
    refusal({
      name: 'a longer cycle through a side branch is named in full',
      setup: async () => {
        const c = await mod('c');
        await mod('side');
        await mod('b', importing('side', 'c'));
        await mod('a', importing('b'));
        return { c };
      },
      method: 'PATCH',
      url: ({ c }) => `/admin/scripts/${c.id}`,
      body: { source: importing('a') },
      status: 422,
      code: 'PICLOUD_ERR_MODULE_IMPORT',
      message: 'c → a → b → c',
    }),
    refusal({
      name: 'a rollback that would close a cycle is refused',
      setup: async () => {
        const b = await mod('b');
        const a = await mod('a', `${importing('b')}fn f() { b::f() }`);
        await t.request('PATCH', `/admin/scripts/${a.id}`, { source: 'fn f() { 2 }' });
        await t.request('PATCH', `/admin/scripts/${b.id}`, { source: `${importing('a')}fn f() { 1 }` });
        return { a };
      },
      method: 'POST',
      url: ({ a }) => `/admin/scripts/${a.id}/rollback`,
      body: { version: 1 },
      status: 422,
      code: 'PICLOUD_ERR_MODULE_IMPORT',
      message: 'a → b → a',
    }),
  ]);
});

/** Modules m1 … m{n}, each importing the next (m{n} imports nothing), by name. */
async function chainOfModules(n: number): Promise<Record<string, { id: string }>> {
  const made: Record<string, { id: string }> = {};
  for (let i = n; i >= 1; i--) {
    made[`m${i}`] = await mod(
      `m${i}`,
      i === n ? 'fn f() { 1 }' : `${importing(`m${i + 1}`)}fn f() { m${i + 1}::f() + 1 }`,
    );
  }
  return made;
}

describe('the import depth limit (8)', () => {
  runScenarios(server, [
    scenario({
      name: 'an endpoint at the top of 8 chained imports is accepted',
      setup: async () => {
        const app = await t.createApp('shop');
        await chainOfModules(8);
        return app;
      },
      method: 'POST',
      url: '/admin/scripts',
      body: { app: 'shop', name: 'e', source: `${importing('m1')}m1::f()` },
      status: 201,
      changes: ['scripts', 'script_versions'],
      after: async () => expect(await edges()).toHaveLength(8),
      events: (app, response) => [{ topic: 'scripts', app: app.id, script: response.body.id }],
    }),
    refusal({
      name: '9 chained imports are refused, naming the chain',
      setup: () => chainOfModules(9),
      method: 'POST',
      url: '/admin/scripts',
      body: { app: 'shop', name: 'e', source: `${importing('m1')}m1::f()` },
      status: 422,
      code: 'PICLOUD_ERR_MODULE_IMPORT',
      message:
        'The import chain e → m1 → m2 → m3 → m4 → m5 → m6 → m7 → m8 → m9 is 9 imports deep; at most 8 may be chained',
      details: () => ({ chain: ['e', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9'] }),
    }),
    refusal({
      name: 'an import at the bottom that lengthens a chain past 8 is refused too',
      setup: async () => {
        const chain = await chainOfModules(8);
        await endpoint('e', `${importing('m1')}m1::f()`);
        await mod('m9');
        return chain;
      },
      method: 'PATCH',
      url: (chain) => `/admin/scripts/${chain.m8.id}`,
      body: { source: `${importing('m9')}fn f() { m9::f() }` },
      status: 422,
      code: 'PICLOUD_ERR_MODULE_IMPORT',
      message: 'e → m1 → m2 → m3 → m4 → m5 → m6 → m7 → m8 → m9 is 9 imports deep',
    }),
  ]);
});

describe('modules that others import', () => {
  /** util imported by the endpoint "e" and the module "mid". */
  async function imported() {
    const util = await mod('util');
    const mid = await mod('mid', `${importing('util')}fn g() { util::f() }`);
    const e = await endpoint('e', `${importing('util', 'mid')}util::f() + mid::g()`);
    return { util, mid, e };
  }

  runScenarios(server, [
    refusal({
      name: 'deleting an imported module is MODULE_IN_USE, listing the importers',
      setup: imported,
      method: 'DELETE',
      url: ({ util }) => `/admin/scripts/${util.id}`,
      status: 409,
      code: 'PICLOUD_ERR_MODULE_IN_USE',
      message: '"util" is imported by "e", "mid"',
      details: ({ e, mid }) => ({
        importers: [
          { id: e.id, name: 'e' },
          { id: mid.id, name: 'mid' },
        ],
      }),
    }),
    refusal({
      name: 'renaming an imported module is MODULE_IN_USE',
      setup: imported,
      method: 'PATCH',
      url: ({ util }) => `/admin/scripts/${util.id}`,
      body: { name: 'tools' },
      status: 409,
      code: 'PICLOUD_ERR_MODULE_IN_USE',
      message: '"util" is imported by "e", "mid": change them before renaming it',
    }),
    refusal({
      name: 'making an imported module an endpoint is MODULE_IN_USE',
      setup: imported,
      method: 'PATCH',
      url: ({ mid }) => `/admin/scripts/${mid.id}`,
      body: { kind: 'endpoint' },
      status: 409,
      code: 'PICLOUD_ERR_MODULE_IN_USE',
      message: '"mid" is imported by "e"',
    }),
    refusal({
      name: 'an endpoint with routes still cannot become a module (SCRIPT_KIND_CONFLICT)',
      setup: async () => {
        const script = await endpoint('hello', 'fn f() { 1 }');
        await t.createRoute('shop', { script: 'hello', methods: ['GET'], path: '/hello' });
        return { script };
      },
      method: 'PATCH',
      url: ({ script }) => `/admin/scripts/${script.id}`,
      body: { kind: 'module' },
      status: 409,
      code: 'PICLOUD_ERR_SCRIPT_KIND_CONFLICT',
      message: 'Routes run this endpoint',
    }),
    scenario({
      name: 'a module nobody imports can be deleted, and its own imports go with it',
      setup: async () => {
        await t.createApp('shop');
        return imported();
      },
      method: 'DELETE',
      url: ({ e }) => `/admin/scripts/${e.id}`,
      status: 204,
      changes: ['scripts', 'script_versions'],
      after: async () => expect(await edges()).toEqual(['mid → util']),
      events: ({ e }) => [
        { topic: 'scripts', app: e.app_id, script: e.id },
        { topic: 'routes', app: e.app_id },
      ],
    }),
    scenario({
      name: 'renaming a module nobody imports is fine',
      setup: async () => {
        await t.createApp('shop');
        return { util: await mod('util') };
      },
      method: 'PATCH',
      url: ({ util }) => `/admin/scripts/${util.id}`,
      body: { name: 'tools' },
      status: 200,
      changes: ['scripts'],
      json: { name: 'tools', version: 1 },
      events: ({ util }) => [{ topic: 'scripts', app: util.app_id, script: util.id }],
    }),
  ]);

  it('deleting an app takes its modules and their dependency rows with it', async () => {
    await t.reset();
    await t.createApp('shop');
    await imported();
    expect(await edges()).toHaveLength(3);
    const response = await t.request('DELETE', '/admin/apps/shop');
    expect(response.status, response.text).toBe(204);
    expect(await edges()).toEqual([]);
  });
});

describe('the dependency table follows the live version', () => {
  it('saves, renames of importers, rollbacks and deletes', async () => {
    await t.reset();
    await t.createApp('shop');
    await mod('a');
    await mod('b');
    // 1. Created with two imports (one nested in a function, one repeated).
    const e = await endpoint('e', `${importing('a', 'b')}fn g() { import "a" as again; again::f() }\na::f()`);
    expect(await edges()).toEqual(['e → a', 'e → b']);
    // 2. A new version with one import.
    let saved = await t.request('PATCH', `/admin/scripts/${e.id}`, { source: `${importing('b')}b::f()` });
    expect(saved.status, saved.text).toBe(200);
    expect(await edges()).toEqual(['e → b']);
    // 3. A refused save leaves the table as it was.
    saved = await t.request('PATCH', `/admin/scripts/${e.id}`, { source: importing('nope') });
    expectError(saved, 'PICLOUD_ERR_MODULE_IMPORT');
    expect(await edges()).toEqual(['e → b']);
    // 4. Renaming the importer keeps its rows.
    saved = await t.request('PATCH', `/admin/scripts/${e.id}`, { name: 'entry' });
    expect(saved.status, saved.text).toBe(200);
    expect(await edges()).toEqual(['entry → b']);
    // 5. A rollback brings back the imports of the old version.
    saved = await t.request('POST', `/admin/scripts/${e.id}/rollback`, { version: 1 });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body.version).toBe(3);
    expect(await edges()).toEqual(['entry → a', 'entry → b']);
    // 6. No imports, no rows.
    saved = await t.request('PATCH', `/admin/scripts/${e.id}`, { source: '1' });
    expect(await edges()).toEqual([]);
    // 7. Now "a" can go.
    const list = await t.request('GET', '/admin/scripts?app=shop&kind=module');
    const a = list.body.items.find((s: { name: string }) => s.name === 'a');
    expect((await t.request('DELETE', `/admin/scripts/${a.id}`)).status).toBe(204);
  });

  it('concurrent saves cannot build a cycle between them', async () => {
    await t.reset();
    await t.createApp('shop');
    for (let round = 0; round < 5; round++) {
      const a = await mod(`a${round}`);
      const b = await mod(`b${round}`);
      const [toB, toA] = await Promise.all([
        t.request('PATCH', `/admin/scripts/${a.id}`, { source: importing(`b${round}`) }),
        t.request('PATCH', `/admin/scripts/${b.id}`, { source: importing(`a${round}`) }),
      ]);
      expect([toB.status, toA.status].sort(), `${toB.text} / ${toA.text}`).toEqual([200, 422]);
    }
    const pairs = await edges();
    expect(pairs).toHaveLength(5);
  });
});
