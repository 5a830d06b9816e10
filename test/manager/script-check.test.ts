/**
 * `POST /api/v1/admin/scripts:check`: the editor's live diagnostics. It reports what saving refuses —
 * compile errors, a module's shape, imports (unknown, another app's, an endpoint, cycles, depth), a
 * reserved module name, a module others import turned into an endpoint — each with its 1-based
 * position (an import problem at its `import`), and `[]` for source saving accepts. It saves nothing,
 * announces nothing and writes no audit entry, and it is scoped like the other script reads.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createManagerTestServer, type ManagerTestServer } from '../support/manager-server.js';
import { expectError, MISSING_UUID } from './scenario.js';

let t: ManagerTestServer;
beforeAll(async () => {
  t = await createManagerTestServer();
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  await t.reset();
  await t.createApp('shop');
});

const check = (body: Record<string, unknown>, headers?: Record<string, string>) =>
  t.request('POST', '/admin/scripts:check', { app: 'shop', ...body }, headers);
/** A module of "shop". */
const mod = (name: string, source = 'fn f() { 1 }', app = 'shop') =>
  t.createScript(app, name, { kind: 'module', source });

describe('source that saving accepts', () => {
  it('has no diagnostics, and lists its imports with their positions', async () => {
    await mod('util');
    const response = await check({ source: 'let x = 1;\n  import "util" as u;\nu::f() + x' });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({ diagnostics: [], imports: [{ name: 'util', line: 2, column: 3 }] });
  });

  it('is [] for an endpoint, a module and the default kind alike', async () => {
    for (const body of [
      { source: '#{ ok: true }' },
      { source: '#{ ok: true }', kind: 'endpoint' },
      { source: 'const A = 1;\nfn twice(x) { x * 2 }', kind: 'module', name: 'maths' },
    ]) {
      const response = await check(body);
      expect(response.status, response.text).toBe(200);
      expect(response.body).toEqual({ diagnostics: [], imports: [] });
    }
  });
});

describe('what saving refuses, positioned', () => {
  it('a syntax error, at its line and column', async () => {
    const response = await check({ source: 'let a = 1;\nlet b = ;\na + b' });
    expect(response.status).toBe(200);
    expect(response.body.imports).toEqual([]);
    expect(response.body.diagnostics).toEqual([
      {
        message: expect.stringMatching(/\S/),
        line: 2,
        column: 9,
        kind: expect.any(String),
        severity: 'error',
      },
    ]);
  });

  it('an unknown import, at the import', async () => {
    const response = await check({ source: '// lights\n\n    import "nope" as n;\nn::f()' });
    expect(response.body).toEqual({
      diagnostics: [
        {
          message: 'The script imports "nope" (line 3, column 5), but the app has no module named "nope"',
          line: 3,
          column: 5,
          kind: 'ImportUnknown',
          severity: 'error',
        },
      ],
      imports: [{ name: 'nope', line: 3, column: 5 }],
    });
  });

  it('every import problem at once, in source order', async () => {
    await mod('util');
    await mod('theirs', 'fn f() { 1 }', 'default');
    await t.createScript('shop', 'page', { source: '#{}' });
    const response = await check({
      name: 'home',
      source: 'import "util" as u;\nimport "page" as p;\nimport "theirs" as x;\nimport "nope" as n;\n1',
    });
    expect(response.body.diagnostics.map((d: any) => [d.kind, d.line, d.column])).toEqual([
      ['ImportEndpoint', 2, 1],
      ['ImportForeign', 3, 1],
      ['ImportUnknown', 4, 1],
    ]);
    expect(response.body.diagnostics[0].message).toBe(
      '"home" imports "page" (line 2, column 1), which is an endpoint: only modules can be imported',
    );
    expect(response.body.imports.map((i: any) => i.name)).toEqual(['util', 'page', 'theirs', 'nope']);
  });

  it("a module's shape, at the offending statement", async () => {
    const response = await check({ kind: 'module', source: 'fn f() { 1 }\nlet counter = 0;' });
    expect(response.body.diagnostics).toEqual([
      expect.objectContaining({ line: 2, column: 1, kind: 'ModuleShape', severity: 'error' }),
    ]);
  });

  it('a cycle through the script being edited, at the import that closes it', async () => {
    await mod('b');
    await mod('a', 'import "b" as b;\nfn f() { b::f() }');
    const response = await check({ kind: 'module', name: 'b', source: 'fn f() { 1 }\nimport "a" as a;' });
    expect(response.body.diagnostics).toEqual([
      {
        message: 'The imports of "b" make a cycle: b → a → b',
        line: 2,
        column: 1,
        kind: 'ImportCycle',
        severity: 'error',
      },
    ]);
  });

  it('a module importing itself (known by the name the body gives)', async () => {
    const response = await check({
      kind: 'module',
      name: 'self',
      source: 'import "self" as s;\nfn f() { 1 }',
    });
    expect(response.body.diagnostics).toEqual([
      expect.objectContaining({
        kind: 'ImportCycle',
        line: 1,
        column: 1,
        message: expect.stringContaining('self → self'),
      }),
    ]);
  });

  it('a chain deeper than 8 imports, at the import that starts it', async () => {
    // m1 → m2 → … → m9 is 8 imports deep: fine; an endpoint importing m1 makes it 9.
    await mod('m9');
    for (let i = 8; i >= 1; i--) await mod(`m${i}`, `import "m${i + 1}" as n;\nfn f() { 1 }`);
    const response = await check({ source: '1;\nimport "m1" as m;\nm::f()' });
    expect(response.body.diagnostics).toEqual([
      expect.objectContaining({ kind: 'ImportDepth', line: 2, column: 1 }),
    ]);
    expect(response.body.diagnostics[0].message).toMatch(/is 9 imports deep; at most 8/);
  });

  it('a reserved module name, and a module others import made an endpoint (no position)', async () => {
    const reserved = await check({ kind: 'module', name: 'kv', source: 'fn f() { 1 }' });
    expect(reserved.body.diagnostics).toEqual([
      expect.objectContaining({ kind: 'ModuleNameReserved', line: null, column: null }),
    ]);
    await mod('util');
    await t.createScript('shop', 'home', { source: 'import "util" as u;\nu::f()' });
    const inUse = await check({ kind: 'endpoint', name: 'util', source: '#{}' });
    expect(inUse.body.diagnostics).toEqual([
      {
        message: '"util" is imported by "home": change them before making it an endpoint',
        line: null,
        column: null,
        kind: 'ModuleInUse',
        severity: 'error',
      },
    ]);
  });
});

describe('the check and the save agree', () => {
  const cases: { name: string; setup?: () => Promise<unknown>; body: Record<string, unknown> }[] = [
    { name: 'syntax error', body: { name: 'x', source: 'let = 2;' } },
    { name: 'unknown import', body: { name: 'x', source: 'import "nope" as n;\n1' } },
    { name: 'shape', body: { name: 'x', kind: 'module', source: 'print("hi");' } },
    { name: 'reserved', body: { name: 'http', kind: 'module', source: 'fn f() { 1 }' } },
    {
      name: 'self import',
      body: { name: 'me', kind: 'module', source: 'import "me" as m;\nfn f() { 1 }' },
    },
  ];
  it.each(cases)('$name: the first diagnostic is what saving refuses with', async ({ body }) => {
    const checked = await check(body);
    expect(checked.body.diagnostics.length).toBeGreaterThan(0);
    const saved = await t.request('POST', '/admin/scripts', { app: 'shop', ...body });
    expect(saved.status).toBeGreaterThanOrEqual(400);
    expect(saved.body.error.message).toContain(checked.body.diagnostics[0].message);
  });
});

describe('changes nothing', () => {
  it('writes no row, announces nothing and is not audited', async () => {
    await mod('util');
    await t.changes.drain();
    const before = await t.snapshot();
    const audit = async () =>
      Number((await t.database.pool.query('SELECT count(*) FROM audit_log')).rows[0].count);
    const audited = await audit();
    for (const source of ['import "util" as u; 1', 'import "nope" as n;', 'let = ;']) {
      expect((await check({ source, name: 'util', kind: 'module' })).status).toBe(200);
    }
    expect(await t.snapshot()).toEqual(before);
    expect(await t.changes.drain()).toEqual([]);
    expect(await audit()).toBe(audited);
  });
});

describe('refusals', () => {
  it('an unknown app is 404', async () => {
    expectError(await check({ app: 'nowhere', source: '1' }), 'PICLOUD_ERR_APP_NOT_FOUND');
    expectError(await check({ app: MISSING_UUID, source: '1' }), 'PICLOUD_ERR_APP_NOT_FOUND');
  });

  it('a token limited to another app is 403; one limited to this app may check', async () => {
    const other = await t.createApp('other');
    const shop = (await t.request('GET', '/admin/apps/shop')).body;
    const otherToken = await t.createToken(['scripts:read'], { appId: other.id });
    const shopToken = await t.createToken(['scripts:read'], { appId: shop.id });
    const refused = await check({ source: '1' }, { authorization: `Bearer ${otherToken}` });
    expectError(refused, 'PICLOUD_ERR_AUTH_APP_FORBIDDEN');
    const allowed = await check({ source: '1' }, { authorization: `Bearer ${shopToken}` });
    expect(allowed.status, allowed.text).toBe(200);
  });

  it('needs scripts:read', async () => {
    const token = await t.createToken(['logs:read']);
    expectError(await check({ source: '1' }, { authorization: `Bearer ${token}` }), 'PICLOUD_ERR_AUTH_SCOPE');
  });

  it('bad bodies are 400: no source, an unknown kind, source over 256 KiB, unknown fields', async () => {
    for (const body of [
      { source: undefined },
      { source: '1', kind: 'library' },
      { source: 'x'.repeat(256 * 1024 + 1) },
      { source: '1', extra: true },
    ]) {
      expectError(await check(body), 'PICLOUD_ERR_HTTP_VALIDATION');
    }
  });
});
