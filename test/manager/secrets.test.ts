/**
 * Per-app secrets: set, rotate, list (names only) and delete through `/api/v1/admin/apps/:app/secrets`;
 * AES-256-GCM at rest under `secrets.key` in the data folder (created 0600, refused when others may
 * read it or it is malformed); a ciphertext moved to another app or name does not decrypt; the
 * `secret` script service reads the caller's app only; and a value never shows in list responses,
 * error messages, the audit log or the execution log (masked there, even when a script prints it).
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppliance } from '../../server/appliance/start-appliance.js';
import { loadConfig } from '../../server/config/load-config.js';
import type { ExecutionJob } from '../../server/contracts/executor.js';
import type { ServiceOutcome } from '../../server/contracts/script-services.js';
import { PicloudError } from '../../server/errors/catalogue.js';
import { StartupError } from '../../server/errors/startup-error.js';
import { LocalExecutorClient } from '../../server/executor/local-executor.js';
import { redactText, secretMask } from '../../server/manager/secrets/redact-secrets.js';
import { loadSecretKey, SECRET_KEY_FILE, SecretKeyring } from '../../server/manager/secrets/secret-key.js';
import { SecretStore } from '../../server/manager/secrets/secret-store.js';
import { createManagerTestServer, type ManagerTestServer } from '../support/manager-server.js';
import { testRunRecord } from '../support/shop-fixture.js';
import { expectError, rows, runScenarios, scenario } from './scenario.js';

let t: ManagerTestServer;
beforeAll(async () => {
  t = await createManagerTestServer();
});
afterAll(async () => {
  await t?.close();
});
const server = () => t;

const VALUE = 'sk-live-9f8e7d6c5b4a3f2e1d0c';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Sets a secret through the API and asserts success. */
async function put(app: string, name: string, value: string, status = 201): Promise<any> {
  const response = await t.request('PUT', `/admin/apps/${app}/secrets/${name}`, { value });
  expect(response.status, response.text).toBe(status);
  expect(response.text).not.toContain(value);
  return response.body;
}

/** One `secret.get` as the executor's bridge makes it. */
function get(appId: string, ...args: unknown[]): Promise<ServiceOutcome> {
  return t.manager.scriptServices.call(appId, { service: 'secret', op: 'get', args }, Date.now() + 10_000);
}

/** A fresh data folder of its own (mode 0700), removed after the test. */
function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'picloud-secrets-'));
  chmodSync(dir, 0o700);
  return dir;
}

describe('the admin API', () => {
  runScenarios(server, [
    scenario({
      name: 'PUT creates a secret (201, version 1) and answers without its value',
      setup: (t) => t.createApp('shop'),
      method: 'PUT',
      url: '/admin/apps/shop/secrets/STRIPE_KEY',
      body: { value: VALUE },
      status: 201,
      changes: ['app_secrets'],
      expect: (response) => {
        expect(response.body).toEqual({
          name: 'STRIPE_KEY',
          version: 1,
          created_at: expect.stringMatching(ISO),
          updated_at: expect.stringMatching(ISO),
        });
        expect(response.text).not.toContain(VALUE);
      },
    }),
    scenario({
      name: 'PUT again rotates it: version 2, a new updated_at, the same created_at',
      setup: async (t) => {
        await t.createApp('shop');
        return put('shop', 'STRIPE_KEY', 'the-old-value');
      },
      method: 'PUT',
      url: '/admin/apps/shop/secrets/STRIPE_KEY',
      body: { value: VALUE },
      status: 200,
      changes: ['app_secrets'],
      expect: (response, first) => {
        expect(response.body).toMatchObject({ name: 'STRIPE_KEY', version: 2, created_at: first.created_at });
        expect(Date.parse(response.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(first.updated_at));
      },
      after: async (_first, t) => {
        const [app] = await rows(t, "SELECT id FROM apps WHERE slug = 'shop'");
        expect(await get(app.id, 'STRIPE_KEY')).toEqual({ ok: true, value: VALUE });
      },
    }),
    scenario({
      name: 'GET lists names, versions and dates, never values',
      setup: async (t) => {
        await t.createApp('shop');
        await put('shop', 'b.token', 'value-of-b-token');
        await put('shop', 'A_KEY', VALUE);
        await put('shop', 'A_KEY', `${VALUE}-rotated`, 200);
      },
      method: 'GET',
      url: '/admin/apps/shop/secrets',
      status: 200,
      expect: (response) => {
        expect(response.body.items.map((s: any) => [s.name, s.version])).toEqual([
          ['A_KEY', 2],
          ['b.token', 1],
        ]);
        for (const item of response.body.items) {
          expect(Object.keys(item).sort()).toEqual(['created_at', 'name', 'updated_at', 'version']);
        }
        for (const value of [VALUE, 'value-of-b-token']) expect(response.text).not.toContain(value);
      },
    }),
    scenario({
      name: 'GET of an app without secrets is an empty list',
      setup: (t) => t.createApp('shop'),
      method: 'GET',
      url: '/admin/apps/shop/secrets',
      status: 200,
      json: { items: [] },
    }),
    scenario({
      name: 'DELETE removes it',
      setup: async (t) => {
        await t.createApp('shop');
        await put('shop', 'STRIPE_KEY', VALUE);
      },
      method: 'DELETE',
      url: '/admin/apps/shop/secrets/STRIPE_KEY',
      status: 204,
      changes: ['app_secrets'],
    }),
    scenario({
      name: 'DELETE of a missing secret is SECRET_NOT_FOUND',
      setup: (t) => t.createApp('shop'),
      method: 'DELETE',
      url: '/admin/apps/shop/secrets/NOPE',
      status: 404,
      code: 'PICLOUD_ERR_SECRET_NOT_FOUND',
    }),
    scenario({
      name: 'a name that is not a name is refused',
      setup: (t) => t.createApp('shop'),
      method: 'PUT',
      url: '/admin/apps/shop/secrets/1st%20key',
      body: { value: VALUE },
      status: 400,
      code: 'PICLOUD_ERR_HTTP_VALIDATION',
      expect: (response) => expect(response.text).not.toContain(VALUE),
    }),
    scenario({
      name: 'an empty value is refused',
      setup: (t) => t.createApp('shop'),
      method: 'PUT',
      url: '/admin/apps/shop/secrets/KEY',
      body: { value: '' },
      status: 400,
      code: 'PICLOUD_ERR_HTTP_VALIDATION',
    }),
    scenario({
      name: 'a value over 64 KiB in UTF-8 is refused without echoing it',
      setup: (t) => t.createApp('shop'),
      method: 'PUT',
      url: '/admin/apps/shop/secrets/KEY',
      body: { value: `${VALUE}${'é'.repeat(40_000)}` },
      status: 400,
      code: 'PICLOUD_ERR_HTTP_VALIDATION',
      expect: (response) => expect(response.text).not.toContain(VALUE),
    }),
    scenario({
      name: 'unknown body fields are refused without echoing them',
      setup: (t) => t.createApp('shop'),
      method: 'PUT',
      url: '/admin/apps/shop/secrets/KEY',
      body: { value: VALUE, note: VALUE },
      status: 400,
      code: 'PICLOUD_ERR_HTTP_VALIDATION',
      expect: (response) => expect(response.text).not.toContain(VALUE),
    }),
    scenario({
      name: 'an unknown app is APP_NOT_FOUND',
      method: 'PUT',
      url: '/admin/apps/nope/secrets/KEY',
      body: { value: VALUE },
      status: 404,
      code: 'PICLOUD_ERR_APP_NOT_FOUND',
    }),
  ]);

  it('needs apps:read to list and secrets:write to change, and keeps app-limited tokens to their app', async () => {
    await t.reset();
    const shop = await t.createApp('shop');
    const other = await t.createApp('other');
    const reader = await t.createToken(['apps:read']);
    const writer = await t.createToken(['secrets:write'], { appId: shop.id });
    const as = (token: string) => ({ authorization: `Bearer ${token}` });

    expectError(
      await t.request('PUT', '/admin/apps/shop/secrets/KEY', { value: VALUE }, as(reader)),
      'PICLOUD_ERR_AUTH_SCOPE',
    );
    expect(
      (await t.request('PUT', '/admin/apps/shop/secrets/KEY', { value: VALUE }, as(writer))).status,
    ).toBe(201);
    expectError(
      await t.request('PUT', `/admin/apps/${other.id}/secrets/KEY`, { value: VALUE }, as(writer)),
      'PICLOUD_ERR_AUTH_APP_FORBIDDEN',
    );
    expectError(
      await t.request('GET', '/admin/apps/shop/secrets', undefined, as(writer)),
      'PICLOUD_ERR_AUTH_SCOPE',
    );
    const listed = await t.request('GET', '/admin/apps/shop/secrets', undefined, as(reader));
    expect(listed.body.items.map((s: any) => s.name)).toEqual(['KEY']);
    expect((await t.request('DELETE', '/admin/apps/shop/secrets/KEY', undefined, as(writer))).status).toBe(
      204,
    );
  });

  it('records changes in the audit log by name, never by value', async () => {
    await t.reset();
    await t.createApp('shop');
    await put('shop', 'AUDITED', VALUE);
    await put('shop', 'AUDITED', `${VALUE}-2`, 200);
    expect((await t.request('DELETE', '/admin/apps/shop/secrets/AUDITED')).status).toBe(204);
    // The audit entry is written after the response.
    let entries: any[] = [];
    for (let i = 0; i < 50 && entries.length < 3; i++) {
      entries = await rows(t, "SELECT * FROM audit_log WHERE target->>'name' = 'AUDITED'");
      if (entries.length < 3) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(entries.map((e) => e.action).sort()).toEqual([
      'DELETE /api/v1/admin/apps/:app/secrets/:name',
      'PUT /api/v1/admin/apps/:app/secrets/:name',
      'PUT /api/v1/admin/apps/:app/secrets/:name',
    ]);
    expect(entries[0].target).toEqual({ app: 'shop', name: 'AUDITED' });
    const everything = await rows(t, 'SELECT audit_log::text AS row FROM audit_log');
    for (const { row } of everything) expect(row).not.toContain(VALUE);
  });
});

describe('at rest', () => {
  it('stores no plaintext: only AES-GCM ciphertext with a 12-byte IV, a 16-byte tag and the key id', async () => {
    await t.reset();
    await t.createApp('shop');
    await put('shop', 'STRIPE_KEY', VALUE);
    const [row] = await rows(t, 'SELECT * FROM app_secrets');
    expect(row.iv).toHaveLength(12);
    expect(row.auth_tag).toHaveLength(16);
    expect(row.ciphertext).toHaveLength(Buffer.byteLength(VALUE));
    expect(row.ciphertext.includes(Buffer.from(VALUE))).toBe(false);
    const dump = await rows(t, 'SELECT app_secrets::text AS text FROM app_secrets');
    expect(dump[0].text).not.toContain(VALUE);
    expect(dump[0].text).not.toContain(Buffer.from(VALUE).toString('hex'));
    // The same value set twice is sealed differently (a fresh IV each time).
    await put('shop', 'STRIPE_KEY', VALUE, 200);
    const [again] = await rows(t, 'SELECT * FROM app_secrets');
    expect(again.iv.equals(row.iv)).toBe(false);
    expect(again.ciphertext.equals(row.ciphertext)).toBe(false);
  });

  it('keeps the key in the data folder: 64 hex digits, mode 0600, created at the first secret', () => {
    const path = join(t.dataDir, SECRET_KEY_FILE);
    expect(readFileSync(path, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadSecretKey(t.dataDir, { create: false })?.key).toHaveLength(32);
  });

  it('refuses a key file others may read (0644), and saves nothing', async () => {
    if (process.platform === 'win32') return;
    const dir = scratchDir();
    try {
      writeFileSync(join(dir, SECRET_KEY_FILE), `${'ab'.repeat(32)}\n`, { mode: 0o644 });
      chmodSync(join(dir, SECRET_KEY_FILE), 0o644);
      expect(() => loadSecretKey(dir, { create: true })).toThrow(/mode 0644.*chmod 600/);
      const store = new SecretStore(t.db, new SecretKeyring(dir));
      const [app] = await rows(t, "SELECT id FROM apps WHERE slug = 'default'");
      const before = await rows(t, 'SELECT count(*)::int AS n FROM app_secrets');
      const error = await store.put(app.id, 'KEY', VALUE).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PicloudError);
      expect((error as PicloudError).code).toBe('PICLOUD_ERR_SECRET_KEY_UNUSABLE');
      expect((error as PicloudError).message).toMatch(/mode 0644/);
      expect((error as PicloudError).message).not.toContain('ab'.repeat(32));
      expect(await rows(t, 'SELECT count(*)::int AS n FROM app_secrets')).toEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops start-up on such a key, before the database is touched', async () => {
    if (process.platform === 'win32') return;
    const dir = scratchDir();
    try {
      writeFileSync(join(dir, SECRET_KEY_FILE), `${'ab'.repeat(32)}\n`, { mode: 0o600 });
      chmodSync(join(dir, SECRET_KEY_FILE), 0o640);
      const config = {
        ...loadConfig({ PICLOUD_CONFIG: '', XDG_CONFIG_HOME: dir }),
        dataDir: dir,
        // Nothing listens there: reaching the database would fail differently.
        databaseUrl: 'postgres://nobody:x@127.0.0.1:1/none',
      };
      const error = await startAppliance(config).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StartupError);
      expect((error as Error).message).toMatch(/secrets\.key has mode 0640: other users may read it/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['too short', 'abcd\n'],
    ['not hex', `${'zz'.repeat(32)}\n`],
    ['empty', ''],
  ])('refuses a malformed key file (%s)', (_case, content) => {
    const dir = scratchDir();
    try {
      writeFileSync(join(dir, SECRET_KEY_FILE), content, { mode: 0o600 });
      expect(() => loadSecretKey(dir, { create: true })).toThrow(/malformed: expected 64 hexadecimal digits/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('creates the key with mode 0600 even under a permissive umask, and reuses it', () => {
    const dir = scratchDir();
    const umask = process.umask(0);
    try {
      const created = loadSecretKey(dir, { create: true });
      if (process.platform !== 'win32') expect(statSync(join(dir, SECRET_KEY_FILE)).mode & 0o777).toBe(0o600);
      expect(loadSecretKey(dir, { create: true })).toEqual(created);
      expect(loadSecretKey(scratchDir(), { create: false })).toBeNull();
    } finally {
      process.umask(umask);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the secret script service', () => {
  it("answers the caller's app only; null when it has no such secret", async () => {
    await t.reset();
    const shop = await t.createApp('shop');
    const other = await t.createApp('other');
    await put('shop', 'API_KEY', VALUE);
    await put('other', 'API_KEY', 'value-of-the-other-app');
    expect(await get(shop.id, 'API_KEY')).toEqual({ ok: true, value: VALUE });
    expect(await get(other.id, 'API_KEY')).toEqual({ ok: true, value: 'value-of-the-other-app' });
    expect(await get(shop.id, 'MISSING')).toEqual({ ok: true, value: null });
    const third = await t.createApp('third');
    expect(await get(third.id, 'API_KEY')).toEqual({ ok: true, value: null });
    await t.request('DELETE', '/admin/apps/shop/secrets/API_KEY');
    expect(await get(shop.id, 'API_KEY')).toEqual({ ok: true, value: null });
  });

  it.each([
    ['no argument', []],
    ['a number', [42]],
    ['two names', ['A', 'B']],
    ['not a name', ['no spaces']],
  ])('refuses %s (BAD_ARGUMENTS)', async (_case, args) => {
    const [app] = await rows(t, "SELECT id FROM apps WHERE slug = 'default'");
    expect(await get(app.id, ...args)).toMatchObject({ ok: false, reason: 'BAD_ARGUMENTS' });
  });

  it('cannot decrypt a ciphertext moved to another app or renamed (SECRET_UNREADABLE, no value)', async () => {
    await t.reset();
    const shop = await t.createApp('shop');
    const thief = await t.createApp('thief');
    await put('shop', 'API_KEY', VALUE);
    // A database writer copies the row to another app, and renames it within the app.
    await rows(
      t,
      `INSERT INTO app_secrets (app_id, name, key_id, iv, auth_tag, ciphertext)
       SELECT $1, name, key_id, iv, auth_tag, ciphertext FROM app_secrets WHERE app_id = $2`,
      [thief.id, shop.id],
    );
    await rows(
      t,
      `INSERT INTO app_secrets (app_id, name, key_id, iv, auth_tag, ciphertext)
       SELECT app_id, 'OTHER_NAME', key_id, iv, auth_tag, ciphertext FROM app_secrets WHERE app_id = $1`,
      [shop.id],
    );
    for (const [appId, name] of [
      [thief.id, 'API_KEY'],
      [shop.id, 'OTHER_NAME'],
    ]) {
      const outcome = await get(appId, name);
      expect(outcome).toMatchObject({ ok: false, reason: 'SECRET_UNREADABLE' });
      expect(JSON.stringify(outcome)).not.toContain(VALUE);
    }
    // A flipped ciphertext bit is caught by the tag.
    await rows(
      t,
      "UPDATE app_secrets SET ciphertext = set_byte(ciphertext, 0, get_byte(ciphertext, 0) # 1) WHERE name = 'API_KEY' AND app_id = $1",
      [shop.id],
    );
    expect(await get(shop.id, 'API_KEY')).toMatchObject({ ok: false, reason: 'SECRET_UNREADABLE' });
  });

  it('reports a row sealed under another key as such', async () => {
    await t.reset();
    const shop = await t.createApp('shop');
    const dir = scratchDir();
    try {
      // Another install's key seals the row; this install's key cannot open it.
      await new SecretStore(t.db, new SecretKeyring(dir)).put(shop.id, 'API_KEY', VALUE);
      const outcome = await get(shop.id, 'API_KEY');
      expect(outcome).toMatchObject({ ok: false, reason: 'SECRET_UNREADABLE' });
      expect((outcome as { message: string }).message).toMatch(/another key/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the execution log', () => {
  const record = (appId: string, output: string, message?: string) => testRunRecord(appId, output, message);

  it("masks the app's secret values in output and error messages, in the table and the live tail", async () => {
    await t.reset();
    const shop = await t.createApp('shop');
    const other = await t.createApp('other');
    await put('shop', 'API_KEY', VALUE);
    await put('shop', 'QUOTED', 'has "quotes" inside');
    await put('shop', 'PIN', 'abc');
    const tail: any[] = [];
    const unsubscribe = t.manager.logWriter.subscribe((views) => tail.push(...views));
    try {
      t.manager.logWriter.record(
        record(
          shop.id,
          `key=${VALUE}\njson={"q":"has \\"quotes\\" inside"}\npin abc`,
          `failed with ${VALUE}`,
        ),
      );
      // Another app's log line is not the shop's secret to hide.
      t.manager.logWriter.record(record(other.id, `mine: ${VALUE}`));
      await t.manager.logWriter.flush();
    } finally {
      unsubscribe();
    }
    const stored = await rows(t, 'SELECT app_id, output, error FROM execution_logs ORDER BY id');
    expect(stored[0].output).toBe(
      `key=${secretMask('API_KEY')}\njson={"q":"${secretMask('QUOTED')}"}\npin abc`,
    );
    expect(stored[0].error.message).toBe(`failed with ${secretMask('API_KEY')}`);
    expect(stored[1].output).toBe(`mine: ${VALUE}`);
    expect(tail[0].output).toBe(stored[0].output);
    expect(tail[0].error.message).toBe(stored[0].error.message);
  });

  it('masks a longer secret whole even when it contains a shorter one', () => {
    const secrets = [
      { name: 'SHORT', value: 'abcd' },
      { name: 'LONG', value: 'xxabcdxx' },
    ];
    expect(redactText('xxabcdxx and abcd', secrets)).toBe('[secret LONG] and [secret SHORT]');
  });

  it('masks what a running script printed and threw (through the executor and the secret service)', async () => {
    await t.reset();
    const shop = await t.createApp('shop');
    await put('shop', 'API_KEY', VALUE);
    const executor = new LocalExecutorClient({
      workers: 1,
      memoryLimitMb: 64,
      services: t.manager.scriptServices,
    });
    try {
      const job: ExecutionJob = {
        script: {
          id: 'leaky',
          version: 1,
          name: 'leaky',
          source: 'let k = secret::get("API_KEY"); print("the key is " + k); throw "leaked " + k;',
        },
        request: {
          method: 'GET',
          path: '/leaky',
          params: {},
          query: {},
          headers: {},
          body: null,
          app: { id: shop.id, slug: 'shop' },
          request_id: 'req-leaky',
        },
        limits: {
          maxOperations: 1_000_000,
          timeoutMs: 5_000,
          maxResponseBytes: 1 << 20,
          maxOutputBytes: 64 * 1024,
          maxCallLevels: 64,
          maxStringSize: 1 << 20,
          maxArraySize: 10_000,
          maxMapSize: 10_000,
        },
      };
      const report = await executor.execute(job);
      // The script did read its secret (the proof that there was something to mask).
      expect(report.output).toContain(VALUE);
      expect(report.result.ok).toBe(false);
      const error = report.result.ok ? null : report.result.error;
      t.manager.logWriter.record({
        ...record(shop.id, report.output),
        error: error && { code: error.code, message: error.message },
      });
      await t.manager.logWriter.flush();
      const [stored] = await rows(t, 'SELECT output, error FROM execution_logs');
      expect(stored.output).toContain(`the key is ${secretMask('API_KEY')}`);
      expect(JSON.stringify(stored)).not.toContain(VALUE);
    } finally {
      await executor.close();
    }
  });
});
