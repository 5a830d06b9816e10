/**
 * A change and its audit entry commit together. Over real sockets, clients send a valid admin-token
 * request — create an account, create an app — and reset the connection (RST) the moment it is sent,
 * 30 times each: every account and app that exists has its audit entry, written in the same
 * transaction (the entry's time is the row's creation time: PostgreSQL's now() is the transaction's
 * start), with the client's address although the socket was gone by then. Sign-ins whose client reset
 * are recorded with their address too. A DELETE or POST with `Content-Type: application/json` and an
 * empty body, on a route that takes no body, is accepted and audited.
 */
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createManagerTestServer, type ManagerTestServer, type Method } from '../support/manager-server.js';
import { createShop } from '../support/shop-fixture.js';

let t: ManagerTestServer;
let port = 0;
/** Handlers running now (a reset client does not stop its request's handler). */
let running = 0;
beforeAll(async () => {
  t = await createManagerTestServer({
    onRoute: (route) => {
      const handler = route.handler;
      route.handler = async function counted(this: unknown, ...args: Parameters<typeof handler>) {
        running += 1;
        try {
          return await handler.apply(this as never, args);
        } finally {
          running -= 1;
        }
      };
    },
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as { port: number }).port;
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  await t.reset();
  await t.database.pool.query('TRUNCATE audit_log RESTART IDENTITY');
});

/**
 * Sends one request on a fresh connection and resets it (RST, as SO_LINGER 0 does) `afterMs` after it
 * is written: at once, or while the server is still working on it.
 */
function sendAndReset(
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
  afterMs = 0,
) {
  const text = JSON.stringify(body);
  const head = [
    `${method} ${path} HTTP/1.1`,
    `host: 127.0.0.1:${port}`,
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(text)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ].join('\r\n');
  return new Promise<void>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`${head}\r\n\r\n${text}`, () => {
        setTimeout(() => {
          socket.resetAndDestroy();
          resolve();
        }, afterMs);
      });
    });
    socket.on('error', reject);
  });
}

/** Rows of a query on the test database. */
async function rows(text: string, values: unknown[] = []): Promise<any[]> {
  return (await t.database.pool.query(text, values)).rows;
}

/** Waits until the server has read what was sent and no handler has run for a moment. */
async function idle(): Promise<void> {
  await sleep(200);
  let quietSince = Date.now();
  while (Date.now() - quietSince < 300) {
    if (running > 0) quietSince = Date.now();
    await sleep(20);
  }
}

describe('a client that resets right after sending', () => {
  it('cannot leave an account or an app without its audit entry (30 tries each)', async () => {
    const auth = { authorization: `Bearer ${t.token}` };
    // 1. Sixty changes, each on a connection reset 0 to 25 ms after the request is written: some never
    //    reach a handler, most are reset while their handler works (hashing a password, a transaction).
    for (let i = 0; i < 30; i++) {
      const afterMs = (i % 6) * 5;
      await sendAndReset(
        'POST',
        '/api/v1/admin/accounts',
        { username: `reset-${i}`, password: 'correct horse battery staple' },
        auth,
        afterMs,
      );
      await sendAndReset(
        'POST',
        '/api/v1/admin/apps',
        { slug: `reset-${i}`, name: `Reset ${i}` },
        auth,
        afterMs,
      );
    }
    await idle();
    const created = async () =>
      Number(
        (
          await rows(
            `SELECT (SELECT count(*) FROM admins WHERE username LIKE 'reset-%')
                  + (SELECT count(*) FROM apps WHERE slug LIKE 'reset-%') AS n`,
          )
        )[0].n,
      );
    // Most were read before their reset reached the server, and went through.
    expect(await created()).toBeGreaterThan(10);

    // 2. Each account and each app has exactly one `ok` entry from its own transaction.
    const accounts = await rows(
      `SELECT a.username, count(l.id)::int AS entries, min(l.ip) AS ip
         FROM admins a LEFT JOIN audit_log l
           ON l.action = 'POST /api/v1/admin/accounts' AND l.outcome = 'ok' AND l.at = a.created_at
        WHERE a.username LIKE 'reset-%' GROUP BY a.username`,
    );
    const apps = await rows(
      `SELECT a.slug, count(l.id)::int AS entries, min(l.ip) AS ip
         FROM apps a LEFT JOIN audit_log l
           ON l.action = 'POST /api/v1/admin/apps' AND l.outcome = 'ok' AND l.at = a.created_at
        WHERE a.slug LIKE 'reset-%' GROUP BY a.slug`,
    );
    expect(accounts.length + apps.length).toBe(await created());
    for (const row of [...accounts, ...apps]) {
      expect(row, JSON.stringify(row)).toMatchObject({ entries: 1, ip: '127.0.0.1' });
    }
    // 3. No entry claims a change that did not happen.
    const claimed = await rows(
      "SELECT count(*)::int AS n FROM audit_log WHERE outcome = 'ok' AND action IN ('POST /api/v1/admin/accounts', 'POST /api/v1/admin/apps')",
    );
    expect(claimed[0].n).toBe(await created());
  }, 120_000);

  it('still records a sign-in with the address the socket had', async () => {
    // Reset at once: the socket is gone before anything asked for its address.
    for (let i = 0; i < 10; i++) {
      await sendAndReset('POST', '/api/v1/auth/login', { username: `nobody-${i}`, password: 'wrong guess' });
    }
    await idle();
    const entries = await rows("SELECT ip, outcome FROM audit_log WHERE action = 'auth.login'");
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) expect(entry).toEqual({ ip: '127.0.0.1', outcome: 'refused' });
  }, 30_000);
});

describe('an entry whose client address is unknown', () => {
  it('is recorded with an empty address instead of failing', async () => {
    const id = await t.manager.auth.audit.record({
      actorKind: 'cli',
      actorId: null,
      actorName: 'test',
      action: 'test.no-address',
      target: {},
      appId: null,
      outcome: 'ok',
      status: null,
      ip: undefined,
    });
    expect(await rows('SELECT action, ip FROM audit_log WHERE id = $1', [id])).toEqual([
      { action: 'test.no-address', ip: '' },
    ]);
  });
});

describe('an empty JSON body on a route that takes none', () => {
  it('is accepted and audited for a DELETE and a POST', async () => {
    const shop = await t.createApp('shop');
    const json = { 'content-type': 'application/json' };

    // 1. DELETE with Content-Type: application/json and nothing after it.
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/admin/apps/shop',
      headers: { ...json, authorization: `Bearer ${t.token}` },
      payload: '',
    });
    expect(deleted.statusCode, deleted.body).toBe(204);

    // 2. POST of a route without a body (replaying a dead letter: 404 here, but read and audited).
    await t.createApp('home');
    const replay = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/apps/home/dead-letters/00000000-0000-4000-8000-000000000000/replay',
      headers: { ...json, authorization: `Bearer ${t.token}` },
      payload: '',
    });
    expect(replay.statusCode, replay.body).toBe(404);
    expect(replay.json().error.code).toBe('PICLOUD_ERR_DEAD_LETTER_NOT_FOUND');

    // 3. A route that takes a body still refuses an empty one.
    const empty = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/admin/apps/home',
      headers: { ...json, authorization: `Bearer ${t.token}` },
      payload: '',
    });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.code).toBe('PICLOUD_ERR_HTTP_BAD_BODY');

    const entries = await rows('SELECT action, outcome, status, app_id FROM audit_log ORDER BY id');
    expect(entries).toEqual([
      { action: 'POST /api/v1/admin/apps', outcome: 'ok', status: 201, app_id: null },
      { action: 'DELETE /api/v1/admin/apps/:app', outcome: 'ok', status: 204, app_id: shop.id },
      { action: 'POST /api/v1/admin/apps', outcome: 'ok', status: 201, app_id: null },
      {
        action: 'POST /api/v1/admin/apps/:app/dead-letters/:id/replay',
        outcome: 'failed',
        status: 404,
        app_id: expect.any(String),
      },
      { action: 'PATCH /api/v1/admin/apps/:app', outcome: 'failed', status: 400, app_id: expect.any(String) },
    ]);
  });
});

describe('every change of the admin API', () => {
  /** Statements sent on each connection of the server's pool, in order. */
  const sent = new Map<object, string[]>();
  const watched = new WeakSet<object>();

  beforeAll(() => {
    t.serverPool.on('acquire', (client) => {
      if (watched.has(client)) return;
      watched.add(client);
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
        if (!sent.has(client)) sent.set(client, []);
        sent.get(client)?.push(String(text ?? ''));
        return query(...args);
      };
    });
  });

  /** The transactions that committed, as the tables each one wrote. */
  function committedWrites(): string[][] {
    const transactions: string[][] = [];
    for (const statements of sent.values()) {
      let open: string[] | null = null;
      for (const statement of statements) {
        const text = statement.trim().toLowerCase();
        if (text === 'begin') open = [];
        else if (text === 'commit' && open) {
          transactions.push(open);
          open = null;
        } else if (text === 'rollback') open = null;
        else if (open) {
          for (const match of text.matchAll(/\b(?:insert\s+into|update|delete\s+from)\s+"?([a-z_.]+)"?/g)) {
            open.push(match[1]);
          }
        }
      }
    }
    return transactions;
  }

  /** Ids of the fixtures each case addresses. */
  const f: Record<string, string> = {};
  let browser: Record<string, string> = {};
  async function fixtures(): Promise<void> {
    Object.assign(f, await createShop(t));
    expect((await t.request('PATCH', `/admin/scripts/${f.script}`, { source: '"v2"' })).status).toBe(200);
    f.spare = (await t.createScript('shop', 'spare')).id;
    f.deadLetter = '00000000-0000-4000-8000-0000000000d1';
    await rows(
      `INSERT INTO dead_letters (id, app_id, queue, payload, error, attempts, first_failed_at, last_failed_at)
       VALUES ($1, $2, 'jobs', '{"a": 1}', '{"code": "X", "message": "m"}', 1, now(), now())`,
      [f.deadLetter, f.app],
    );
    const account = await t.request('POST', '/admin/accounts', {
      username: `helper-${Date.now()}`,
      password: 'correct horse battery staple',
    });
    f.account = account.body.id;
    const token = await t.request('POST', '/admin/tokens', { name: 'spare', scopes: ['apps:read'] });
    f.token = token.body.id;
    const login = await t.anonymous('POST', '/auth/login', { username: 'owner', password: t.owner.password });
    const cookie = String([login.headers['set-cookie']].flat()[0]).split(';')[0];
    browser = { cookie, 'x-csrf-token': login.body.csrf_token };
  }

  /** A request that succeeds, for each change of the admin API. */
  interface Change {
    url: () => string;
    body?: () => Promise<unknown> | unknown;
    headers?: () => Record<string, string>;
  }
  const gzip = () => ({ 'content-type': 'application/gzip' });
  const CHANGES: [string, Change][] = [
    [
      'post /api/v1/admin/accounts',
      {
        url: () => '/admin/accounts',
        body: () => ({ username: 'another', password: 'correct horse battery staple' }),
      },
    ],
    ['delete /api/v1/admin/accounts/{id}', { url: () => `/admin/accounts/${f.account}` }],
    ['put /api/v1/admin/node/https', { url: () => '/admin/node/https', body: () => ({ https_only: false }) }],
    [
      'post /api/v1/admin/tokens',
      { url: () => '/admin/tokens', body: () => ({ name: 'deploy', scopes: ['apps:read'] }) },
    ],
    ['delete /api/v1/admin/tokens/{id}', { url: () => `/admin/tokens/${f.token}` }],
    ['post /api/v1/admin/apps', { url: () => '/admin/apps', body: () => ({ slug: 'fresh', name: 'Fresh' }) }],
    ['patch /api/v1/admin/apps/{app}', { url: () => '/admin/apps/shop', body: () => ({ name: 'Shop!' }) }],
    ['delete /api/v1/admin/apps/{app}', { url: () => '/admin/apps/shop' }],
    [
      'post /api/v1/admin/apps/{app}/domains',
      { url: () => '/admin/apps/shop/domains', body: () => ({ pattern: 'more.shop.lan' }) },
    ],
    ['delete /api/v1/admin/apps/{app}/domains/{domain}', { url: () => '/admin/apps/shop/domains/shop.lan' }],
    [
      'post /api/v1/admin/scripts',
      { url: () => '/admin/scripts', body: () => ({ app: 'shop', name: 'another', source: '"hi"' }) },
    ],
    [
      'patch /api/v1/admin/scripts/{id}',
      { url: () => `/admin/scripts/${f.script}`, body: () => ({ source: '"v3"' }) },
    ],
    ['delete /api/v1/admin/scripts/{id}', { url: () => `/admin/scripts/${f.spare}` }],
    [
      'post /api/v1/admin/scripts/{id}/rollback',
      { url: () => `/admin/scripts/${f.script}/rollback`, body: () => ({ version: 1 }) },
    ],
    [
      'post /api/v1/admin/apps/{app}/routes',
      {
        url: () => '/admin/apps/shop/routes',
        body: () => ({ script: 'hello', methods: ['GET'], path: '/more' }),
      },
    ],
    [
      'patch /api/v1/admin/apps/{app}/routes/{route}',
      { url: () => `/admin/apps/shop/routes/${f.route}`, body: () => ({ path: '/moved' }) },
    ],
    ['delete /api/v1/admin/apps/{app}/routes/{route}', { url: () => `/admin/apps/shop/routes/${f.route}` }],
    [
      'put /api/v1/admin/apps/{app}/kv/{collection}/{key}',
      { url: () => '/admin/apps/shop/kv/c/k', body: () => ({ value: { a: 1 } }) },
    ],
    ['delete /api/v1/admin/apps/{app}/kv/{collection}/{key}', { url: () => '/admin/apps/shop/kv/c/k' }],
    [
      'put /api/v1/admin/apps/{app}/secrets/{name}',
      { url: () => '/admin/apps/shop/secrets/API_KEY', body: () => ({ value: 'v2' }) },
    ],
    ['delete /api/v1/admin/apps/{app}/secrets/{name}', { url: () => '/admin/apps/shop/secrets/API_KEY' }],
    [
      'post /api/v1/admin/apps/{app}/triggers',
      {
        url: () => '/admin/apps/shop/triggers',
        body: () => ({ script: 'spare', kind: 'cron', schedule: '* * * * *' }),
      },
    ],
    [
      'patch /api/v1/admin/apps/{app}/triggers/{trigger}',
      { url: () => `/admin/apps/shop/triggers/${f.trigger}`, body: () => ({ max_attempts: 3 }) },
    ],
    [
      'delete /api/v1/admin/apps/{app}/triggers/{trigger}',
      { url: () => `/admin/apps/shop/triggers/${f.trigger}` },
    ],
    [
      'post /api/v1/admin/apps/{app}/queues/{queue}/messages',
      { url: () => '/admin/apps/shop/queues/jobs/messages', body: () => ({ payload: { a: 1 } }) },
    ],
    [
      'post /api/v1/admin/apps/{app}/dead-letters/{id}/replay',
      { url: () => `/admin/apps/shop/dead-letters/${f.deadLetter}/replay` },
    ],
    [
      'post /api/v1/admin/deploy',
      {
        url: () => '/admin/deploy',
        body: async () => {
          const spec = (await t.request('GET', '/admin/apps/shop/spec')).body;
          // (A null scope is left out: the body's validation coerces null to "", which deploy refuses.)
          const routes = spec.routes.map(
            ({ required_scope, ...route }: { required_scope?: string | null }) =>
              required_scope ? { ...route, required_scope } : route,
          );
          return { app: 'shop', spec: { ...spec, app: { ...spec.app, name: 'Deployed' }, routes } };
        },
      },
    ],
    [
      'post /api/v1/admin/apps:import',
      {
        url: () => '/admin/apps:import?as=copy',
        body: async () =>
          (
            await t.app.inject({
              method: 'GET',
              url: '/api/v1/admin/apps/shop/export',
              headers: { authorization: `Bearer ${t.token}` },
            })
          ).rawPayload,
        headers: gzip,
      },
    ],
    // Last: it changes the owner's password.
    [
      'post /api/v1/auth/password',
      {
        url: () => '/auth/password',
        body: () => ({
          current_password: 'correct horse battery staple',
          new_password: 'a brand new passphrase',
        }),
        headers: () => browser,
      },
    ],
  ];
  /** Changes the access control does not audit, or that change no table. */
  const NOT_HERE: Record<string, string> = {
    'post /api/v1/auth/setup': 'public: records its own entry before answering',
    'post /api/v1/auth/login': 'public: records its own entry before answering',
    'post /api/v1/auth/logout': 'public: records its own entry before answering',
    'post /api/v1/admin/scripts:check': 'read-only: not audited',
    'post /api/v1/admin/apps/{app}/slug:check': 'changes nothing: its entry is written when the handler ends',
  };

  it('lists every change of the OpenAPI document (a new one must be added here)', async () => {
    const doc = (await t.request('GET', '/api/v1/openapi.json')).body;
    const unsafe = Object.entries<Record<string, unknown>>(doc.paths)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`))
      .filter((operation) => !/^(get|head|options) /.test(operation))
      .sort();
    expect([...CHANGES.map(([operation]) => operation), ...Object.keys(NOT_HERE)].sort()).toEqual(unsafe);
  });

  it.each(CHANGES)('%s: the entry commits in the transaction of the change', async (operation, change) => {
    await fixtures();
    const body = await change.body?.();
    sent.clear();
    const method = operation.split(' ')[0].toUpperCase() as Method;
    const response = await t.request(method, change.url(), body, change.headers?.() ?? {});
    expect(response.status, response.text).toBeLessThan(300);
    const audited = committedWrites().filter((tables) => tables.includes('audit_log'));
    expect(audited, JSON.stringify(committedWrites())).toHaveLength(1);
    expect(audited[0].filter((table) => table !== 'audit_log').length).toBeGreaterThan(0);
    const [entry] = await rows('SELECT action, outcome, status FROM audit_log ORDER BY id DESC LIMIT 1');
    expect(entry).toEqual({
      action: `${method} ${operation.split(' ')[1].replace(/\{(\w+)\}/g, ':$1')}`,
      outcome: 'ok',
      status: response.status,
    });
  });
});
