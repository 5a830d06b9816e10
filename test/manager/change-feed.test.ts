/**
 * Change notifications: every control-plane write announces `{topic, app, script?}` on the
 * `picloud_changes` channel once it commits, so other processes (the orchestrator) can follow; a
 * rejected write announces nothing. Observed here with a LISTEN connection of the test's own.
 * (Every scenario of the other admin-API suites checks its notifications as well.)
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGE_CHANNEL, type Change } from '../../server/contracts/changes.js';
import { followCommits } from '../../server/manager/change-feed.js';
import { createManagerTestServer, type ManagerTestServer, type Method } from '../support/manager-server.js';

let t: ManagerTestServer;
let listener: pg.Client;
const payloads: string[] = [];
beforeAll(async () => {
  t = await createManagerTestServer();
  listener = new pg.Client({ connectionString: t.database.url });
  await listener.connect();
  listener.on('notification', (message) => {
    if (message.channel === CHANGE_CHANNEL && message.payload) payloads.push(message.payload);
  });
  await listener.query(`LISTEN ${CHANGE_CHANNEL}`);
});
afterAll(async () => {
  await listener?.end();
  await t?.close();
});

/** The raw payloads announced by `action`, waiting for delivery with a marker of our own. */
async function announced(action: () => Promise<unknown>): Promise<string[]> {
  await t.changes.drain();
  payloads.length = 0;
  await action();
  const marker = JSON.stringify({ marker: `m-${Date.now()}-${Math.random()}` });
  await t.database.pool.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, marker]);
  const deadline = Date.now() + 5_000;
  while (!payloads.includes(marker)) {
    if (Date.now() > deadline) throw new Error('marker not delivered');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  // Markers (ours and the support server's own) are not changes.
  return payloads
    .splice(0, payloads.indexOf(marker) + 1)
    .filter((payload) => !('marker' in JSON.parse(payload)));
}

/** Sends a request that must succeed with `status`. */
async function ok(method: Method, path: string, body: unknown, status: number) {
  const response = await t.request(method, path, body);
  expect(response.status, `${method} ${path} → ${response.text}`).toBe(status);
  return response.body;
}

describe('a lifecycle, write by write', () => {
  it('announces each write with exactly {topic, app[, script]}', async () => {
    await t.reset();
    let app: { id: string } = { id: '' };
    let script: { id: string } = { id: '' };
    let route: { id: string } = { id: '' };
    const steps: [string, () => Promise<unknown>, () => object[]][] = [
      [
        'create app',
        async () => {
          app = await ok('POST', '/admin/apps', { slug: 'shop', name: 'Shop' }, 201);
        },
        () => [{ topic: 'apps', app: app.id }],
      ],
      [
        'rename app',
        () => ok('PATCH', '/admin/apps/shop', { slug: 'store' }, 200),
        () => [{ topic: 'apps', app: app.id }],
      ],
      [
        'claim a domain',
        () => ok('POST', '/admin/apps/store/domains', { pattern: 'store.home.lan' }, 201),
        () => [{ topic: 'domains', app: app.id }],
      ],
      [
        'create a script',
        async () => {
          script = await ok('POST', '/admin/scripts', { app: 'store', name: 'hello', source: '1' }, 201);
        },
        () => [{ topic: 'scripts', app: app.id, script: script.id }],
      ],
      [
        'save a new version',
        () => ok('PATCH', `/admin/scripts/${script.id}`, { source: '2' }, 200),
        () => [{ topic: 'scripts', app: app.id, script: script.id }],
      ],
      [
        'describe the script',
        () => ok('PATCH', `/admin/scripts/${script.id}`, { description: 'd' }, 200),
        () => [{ topic: 'scripts', app: app.id, script: script.id }],
      ],
      [
        'roll back',
        () => ok('POST', `/admin/scripts/${script.id}/rollback`, { version: 1 }, 200),
        () => [{ topic: 'scripts', app: app.id, script: script.id }],
      ],
      [
        'add a route',
        async () => {
          route = await ok(
            'POST',
            '/admin/apps/store/routes',
            { script: 'hello', methods: ['GET'], path: '/hello', host: 'store.home.lan' },
            201,
          );
        },
        () => [{ topic: 'routes', app: app.id }],
      ],
      [
        'change the route',
        () => ok('PATCH', `/admin/apps/store/routes/${route.id}`, { path: '/hi' }, 200),
        () => [{ topic: 'routes', app: app.id }],
      ],
      [
        'delete the route',
        () => ok('DELETE', `/admin/apps/store/routes/${route.id}`, undefined, 204),
        () => [{ topic: 'routes', app: app.id }],
      ],
      [
        'delete the script (its routes go with it)',
        () => ok('DELETE', `/admin/scripts/${script.id}`, undefined, 204),
        () => [
          { topic: 'scripts', app: app.id, script: script.id },
          { topic: 'routes', app: app.id },
        ],
      ],
      [
        'release the domain',
        () => ok('DELETE', '/admin/apps/store/domains/store.home.lan', undefined, 204),
        () => [{ topic: 'domains', app: app.id }],
      ],
      [
        'delete the app',
        () => ok('DELETE', '/admin/apps/store', undefined, 204),
        () => [{ topic: 'apps', app: app.id }],
      ],
    ];
    for (const [label, action, expected] of steps) {
      const raw = await announced(action);
      expect(
        raw.map((payload) => JSON.parse(payload)),
        label,
      ).toEqual(expected());
      for (const payload of raw) {
        const keys = Object.keys(JSON.parse(payload)).sort();
        expect(
          [
            ['app', 'topic'],
            ['app', 'script', 'topic'],
          ],
          label,
        ).toContainEqual(keys);
      }
    }
  });
});

describe('reads and rejected writes announce nothing', () => {
  const MISSING = '00000000-0000-4000-8000-000000000000';
  const cases: [string, Method, string, unknown][] = [
    ['list apps', 'GET', '/admin/apps', undefined],
    ['get an app', 'GET', '/admin/apps/shop', undefined],
    ['check a slug', 'POST', '/admin/apps/shop/slug:check', { slug: 'x' }],
    ['list scripts', 'GET', '/admin/scripts', undefined],
    ['list logs', 'GET', '/admin/logs', undefined],
    ['a taken slug', 'POST', '/admin/apps', { slug: 'shop', name: 'x' }],
    ['an invalid slug', 'POST', '/admin/apps', { slug: '-', name: 'x' }],
    ['a rename to a taken slug', 'PATCH', '/admin/apps/shop', { slug: 'default' }],
    ['an invalid host claim', 'POST', '/admin/apps/shop/domains', { pattern: 'a:1' }],
    ['a taken host claim', 'POST', '/admin/apps/shop/domains', { pattern: 'localhost' }],
    ['releasing an unknown claim', 'DELETE', '/admin/apps/shop/domains/nope.lan', undefined],
    [
      'a script that does not compile',
      'POST',
      '/admin/scripts',
      { app: 'shop', name: 'bad', source: 'let = ;' },
    ],
    ['a taken script name', 'POST', '/admin/scripts', { app: 'shop', name: 'hello', source: '1' }],
    ['a broken save', 'PATCH', '/admin/scripts/{script}', { source: 'fn (' }],
    ['a rollback to nothing', 'POST', '/admin/scripts/{script}/rollback', { version: 99 }],
    ['a kind change under a route', 'PATCH', '/admin/scripts/{script}', { kind: 'module' }],
    ['an invalid route', 'POST', '/admin/apps/shop/routes', { script: 'hello', methods: ['GET'], path: 'x' }],
    [
      'a conflicting route',
      'POST',
      '/admin/apps/shop/routes',
      { script: 'hello', methods: ['GET'], path: '/hello' },
    ],
    ['deleting an unknown script', 'DELETE', `/admin/scripts/${MISSING}`, undefined],
    ['deleting an unknown app', 'DELETE', '/admin/apps/nothing', undefined],
    ['a write through a retired slug (308)', 'PATCH', '/admin/apps/old-shop', { name: 'x' }],
  ];

  let script: { id: string };
  beforeAll(async () => {
    await t.reset();
    await ok('POST', '/admin/apps', { slug: 'old-shop', name: 'Shop' }, 201);
    await ok('PATCH', '/admin/apps/old-shop', { slug: 'shop' }, 200);
    script = await ok('POST', '/admin/scripts', { app: 'shop', name: 'hello', source: '1' }, 201);
    await ok('POST', '/admin/apps/shop/routes', { script: 'hello', methods: ['GET'], path: '/hello' }, 201);
  });

  it.each(cases)('%s', async (_label, method, path, body) => {
    const before = await t.snapshot();
    let status = 0;
    const raw = await announced(async () => {
      status = (await t.request(method, path.replace('{script}', script.id), body)).status;
    });
    expect(status === 200 || status === 308 || status >= 400, `status ${status}`).toBe(true);
    if (method !== 'GET' && !path.endsWith('slug:check')) expect(status).not.toBe(200);
    expect(raw).toEqual([]);
    expect(await t.snapshot()).toEqual(before);
  });
});

describe('delivery', () => {
  it('reaches every listening connection', async () => {
    await t.reset();
    const second = new pg.Client({ connectionString: t.database.url });
    await second.connect();
    const seen: string[] = [];
    second.on('notification', (message) => seen.push(message.payload ?? ''));
    await second.query(`LISTEN ${CHANGE_CHANNEL}`);
    try {
      const [created] = await announced(() => ok('POST', '/admin/apps', { slug: 'shop', name: 'Shop' }, 201));
      const deadline = Date.now() + 5_000;
      while (!seen.includes(created) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(seen).toContain(created);
    } finally {
      await second.end();
    }
  });
});

describe('the writing node applies its own changes before the write returns (issue 13, item 13)', () => {
  it('a follower of the database handle gets each committed change, and the API answers after it', async () => {
    await t.reset();
    const applied: { changes: Change[]; at: number }[] = [];
    const unfollow = followCommits(t.db, {
      async applyCommitted(changes) {
        // A slow follower: the response must still wait for it.
        await new Promise((resolve) => setTimeout(resolve, 50));
        applied.push({ changes: [...changes], at: performance.now() });
      },
    });
    try {
      const app = await ok('POST', '/admin/apps', { slug: 'followed', name: 'Followed' }, 201);
      const answeredAt = performance.now();
      expect(applied).toEqual([{ changes: [{ topic: 'apps', app: app.id }], at: expect.any(Number) }]);
      expect(applied[0].at).toBeLessThanOrEqual(answeredAt);

      // A write refused inside its transaction (rolled back) applies nothing.
      applied.length = 0;
      await t.request('POST', '/admin/apps', { slug: 'followed', name: 'Again' }); // 409: slug taken
      expect(applied).toEqual([]);

      // Several changes of one transaction arrive together.
      const script = await ok('POST', '/admin/scripts', { app: 'followed', name: 's', source: '1' }, 201);
      await ok('POST', '/admin/apps/followed/routes', { script: 's', methods: ['GET'], path: '/s' }, 201);
      applied.length = 0;
      expect((await t.request('DELETE', `/admin/scripts/${script.id}`)).status).toBe(204);
      expect(applied.map((a) => a.changes)).toEqual([
        [
          { topic: 'scripts', app: app.id, script: script.id },
          { topic: 'routes', app: app.id },
        ],
      ]);
    } finally {
      unfollow();
    }
    applied.length = 0;
    await ok('PATCH', '/admin/apps/followed', { name: 'Unfollowed' }, 200);
    expect(applied).toEqual([]);
  });
});
