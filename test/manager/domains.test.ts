/**
 * `/api/v1/admin/apps/:app/domains`: exact and wildcard host claims, their normalisation, invalid
 * hosts, collisions across apps and within one, and release by id or by pattern.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManagerTestServer, type ManagerTestServer } from '../support/manager-server.js';
import { count, expectError, MISSING_UUID, rows, runScenario, runScenarios, scenario } from './scenario.js';

let t: ManagerTestServer;
beforeAll(async () => {
  t = await createManagerTestServer();
});
afterAll(async () => {
  await t?.close();
});
const server = () => t;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('claim', () => {
  runScenarios(server, [
    ...(
      [
        ['an exact host', 'api.home.lan', 'api.home.lan', 'exact'],
        ['a wildcard', '*.home.lan', '*.home.lan', 'wildcard'],
        ['a single-label host', 'nas', 'nas', 'exact'],
        ['an IPv4 address', '192.168.1.20', '192.168.1.20', 'exact'],
        ['a host in upper case', 'API.Home.LAN', 'api.home.lan', 'exact'],
        ['a host with a trailing dot', 'api.home.lan.', 'api.home.lan', 'exact'],
        ['a wildcard in upper case with a trailing dot', '*.Home.Lan.', '*.home.lan', 'wildcard'],
        ['a host with surrounding spaces', '  api.home.lan ', 'api.home.lan', 'exact'],
        ['a host with digits and dashes', 'pi-4b.home-lab.lan', 'pi-4b.home-lab.lan', 'exact'],
        ['a 63-character label', `${'a'.repeat(63)}.lan`, `${'a'.repeat(63)}.lan`, 'exact'],
        ['a wildcard over a single label', '*.lan', '*.lan', 'wildcard'],
      ] as const
    ).map(([label, input, pattern, kind]) =>
      scenario({
        name: `claims ${label}`,
        setup: () => t.createApp('shop'),
        method: 'POST',
        url: '/admin/apps/shop/domains',
        body: { pattern: input },
        status: 201,
        changes: ['app_domains'],
        expect: (response) =>
          expect(response.body).toEqual({
            id: expect.stringMatching(UUID),
            pattern,
            kind,
            created_at: expect.any(String),
          }),
        after: async (app, t, response) => {
          expect(
            await rows(t, 'SELECT id, app_id, pattern, kind, shape_key FROM app_domains WHERE app_id = $1', [
              app.id,
            ]),
          ).toEqual([{ id: response.body.id, app_id: app.id, pattern, kind, shape_key: pattern }]);
          expect((await t.request('GET', '/admin/apps/shop')).body.domains).toEqual([
            { id: response.body.id, pattern, kind },
          ]);
        },
        events: (app) => [{ topic: 'domains', app: app.id }],
      }),
    ),
    ...[
      ['a port', 'api.home.lan:8080'],
      ['a scheme', 'http://api.home.lan'],
      ['a path', 'api.home.lan/admin'],
      ['a "*" in the middle', 'api.*.lan'],
      ['a "*" glued to a label', 'api*.home.lan'],
      ['a trailing "*"', 'home.*'],
      ['two wildcards', '*.*.home.lan'],
      ['a bare "*"', '*'],
      ['"*." with nothing after it', '*.'],
      ['a wildcard over an IPv4 address', '*.192.168.1.20'],
      ['a wildcard over the end of an IPv4 address', '*.1.20'],
      ['an IPv4 address with an octet over 255', '192.168.1.256'],
      ['an IPv4 address with leading zeros', '192.168.001.020'],
      ['a numeric top-level label', 'pi.123'],
      ['an IPv6 literal', '[::1]'],
      ['a bare IPv6 address', 'fe80::1'],
      ['an empty label', 'api..home.lan'],
      ['a leading dot', '.home.lan'],
      ['a label starting with a dash', '-api.home.lan'],
      ['a label ending with a dash', 'api-.home.lan'],
      ['an underscore', 'my_api.home.lan'],
      ['non-ASCII', 'café.home.lan'],
      ['a 64-character label', `${'a'.repeat(64)}.lan`],
      [
        'a name over 253 characters',
        `${'a'.repeat(63)}.${'a'.repeat(63)}.${'a'.repeat(63)}.${'a'.repeat(62)}`,
      ],
      ['only spaces', '   '],
      ['a space inside', 'api home.lan'],
    ].map(([label, pattern]) =>
      scenario({
        name: `refuses ${label}: ${JSON.stringify(pattern)}`,
        setup: () => t.createApp('shop'),
        method: 'POST',
        url: '/admin/apps/shop/domains',
        body: { pattern },
        status: 400,
        code: 'PICLOUD_ERR_DOMAIN_INVALID',
        json: { error: { message: expect.stringContaining('Invalid host claim') } },
      }),
    ),
    ...(
      [
        ['no pattern', {}, '/pattern'],
        ['an empty pattern', { pattern: '' }, '/pattern'],
        ['a pattern over 255 characters', { pattern: `${'a.'.repeat(128)}lan` }, '/pattern'],
        ['an unknown property', { pattern: 'a.lan', kind: 'exact' }, '/kind'],
      ] as const
    ).map(([label, body, path]) =>
      scenario({
        name: `refuses ${label}`,
        setup: () => t.createApp('shop'),
        method: 'POST',
        url: '/admin/apps/shop/domains',
        body,
        status: 400,
        code: 'PICLOUD_ERR_HTTP_VALIDATION',
        json: { error: { details: [{ in: 'body', path }] } },
      }),
    ),
    scenario({
      name: 'refuses a host another app claims, naming that app',
      setup: async () => {
        const holder = await t.createApp('holder');
        await t.addDomain('holder', 'api.home.lan');
        await t.createApp('shop');
        return holder;
      },
      method: 'POST',
      url: '/admin/apps/shop/domains',
      body: { pattern: 'API.home.lan.' },
      status: 409,
      code: 'PICLOUD_ERR_DOMAIN_TAKEN',
      json: (holder) => ({
        error: {
          message: expect.stringContaining('"holder"'),
          details: { app: { id: holder.id, slug: 'holder' } },
        },
      }),
    }),
    scenario({
      name: 'refuses a wildcard another app claims',
      setup: async () => {
        const holder = await t.createApp('holder');
        await t.addDomain('holder', '*.home.lan');
        await t.createApp('shop');
        return holder;
      },
      method: 'POST',
      url: '/admin/apps/shop/domains',
      body: { pattern: '*.HOME.lan' },
      status: 409,
      code: 'PICLOUD_ERR_DOMAIN_TAKEN',
      json: (holder) => ({ error: { details: { app: { id: holder.id, slug: 'holder' } } } }),
    }),
    scenario({
      name: "refuses localhost, the default app's claim",
      setup: () => t.createApp('shop'),
      method: 'POST',
      url: '/admin/apps/shop/domains',
      body: { pattern: 'LocalHost' },
      status: 409,
      code: 'PICLOUD_ERR_DOMAIN_TAKEN',
      json: { error: { details: { app: { slug: 'default' } } } },
    }),
    scenario({
      name: 'refuses a claim the app already has, naming itself',
      setup: async () => {
        const shop = await t.createApp('shop');
        await t.addDomain('shop', 'api.home.lan');
        return shop;
      },
      method: 'POST',
      url: '/admin/apps/shop/domains',
      body: { pattern: 'api.home.lan' },
      status: 409,
      code: 'PICLOUD_ERR_DOMAIN_TAKEN',
      json: (shop) => ({
        error: {
          message: expect.stringContaining('this app'),
          details: { app: { id: shop.id, slug: 'shop' } },
        },
      }),
    }),
    scenario({
      name: 'an exact host under another app’s wildcard is a different claim (the more specific wins)',
      setup: async () => {
        await t.createApp('holder');
        await t.addDomain('holder', '*.home.lan');
        return t.createApp('shop');
      },
      method: 'POST',
      url: '/admin/apps/shop/domains',
      body: { pattern: 'api.home.lan' },
      status: 201,
      changes: ['app_domains'],
      json: { pattern: 'api.home.lan', kind: 'exact' },
      events: (shop) => [{ topic: 'domains', app: shop.id }],
    }),
    scenario({
      name: 'a longer wildcard under another app’s wildcard is a different claim',
      setup: async () => {
        await t.createApp('holder');
        await t.addDomain('holder', '*.home.lan');
        return t.createApp('shop');
      },
      method: 'POST',
      url: '/admin/apps/shop/domains',
      body: { pattern: '*.shop.home.lan' },
      status: 201,
      changes: ['app_domains'],
      json: { pattern: '*.shop.home.lan', kind: 'wildcard' },
      events: (shop) => [{ topic: 'domains', app: shop.id }],
    }),
    scenario({
      name: 'the exact host and the wildcard of the same name are two claims',
      setup: async () => {
        const shop = await t.createApp('shop');
        await t.addDomain('shop', 'home.lan');
        return shop;
      },
      method: 'POST',
      url: '/admin/apps/shop/domains',
      body: { pattern: '*.home.lan' },
      status: 201,
      changes: ['app_domains'],
      events: (shop) => [{ topic: 'domains', app: shop.id }],
    }),
    scenario({
      name: 'an unknown app is APP_NOT_FOUND',
      method: 'POST',
      url: '/admin/apps/nothing/domains',
      body: { pattern: 'a.lan' },
      status: 404,
      code: 'PICLOUD_ERR_APP_NOT_FOUND',
    }),
  ]);

  it('two apps racing for one host: one wins, the other gets DOMAIN_TAKEN', async () => {
    await t.reset();
    await t.createApp('one');
    await t.createApp('two');
    await t.changes.drain();
    for (let round = 0; round < 5; round++) {
      const pattern = `race${round}.home.lan`;
      const responses = await Promise.all(
        ['one', 'two'].map((app) => t.request('POST', `/admin/apps/${app}/domains`, { pattern })),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([201, 409]);
      expectError(responses.find((r) => r.status === 409)!, 'PICLOUD_ERR_DOMAIN_TAKEN');
      expect(await count(t, 'app_domains', 'pattern = $1', [pattern])).toBe(1);
    }
    expect(await t.changes.drain()).toHaveLength(5);
  });
});

describe('list', () => {
  runScenarios(server, [
    scenario({
      name: 'lists the claims of one app ordered by pattern',
      setup: async () => {
        const shop = await t.createApp('shop');
        for (const pattern of ['b.home.lan', '*.home.lan', 'a.home.lan']) await t.addDomain('shop', pattern);
        await t.createApp('other');
        await t.addDomain('other', 'other.home.lan');
        return shop;
      },
      method: 'GET',
      url: '/admin/apps/shop/domains',
      status: 200,
      expect: (response) => {
        expect(
          response.body.items.map((d: { pattern: string; kind: string }) => [d.pattern, d.kind]),
        ).toEqual([
          ['*.home.lan', 'wildcard'],
          ['a.home.lan', 'exact'],
          ['b.home.lan', 'exact'],
        ]);
        for (const item of response.body.items) {
          expect(Object.keys(item).sort()).toEqual(['created_at', 'id', 'kind', 'pattern']);
        }
      },
    }),
    scenario({
      name: 'an app without claims has an empty list',
      setup: () => t.createApp('shop'),
      method: 'GET',
      url: '/admin/apps/shop/domains',
      status: 200,
      json: { items: [] },
    }),
    scenario({
      name: 'an unknown app is APP_NOT_FOUND',
      method: 'GET',
      url: `/admin/apps/${MISSING_UUID}/domains`,
      status: 404,
      code: 'PICLOUD_ERR_APP_NOT_FOUND',
    }),
  ]);
});

describe('release', () => {
  /** The app "shop" claiming an exact host and a wildcard, and "other" claiming its own host. */
  async function claims() {
    const shop = await t.createApp('shop');
    const exact = await t.addDomain('shop', 'api.home.lan');
    const wildcard = await t.addDomain('shop', '*.home.lan');
    const other = await t.createApp('other');
    const foreign = await t.addDomain('other', 'other.home.lan');
    return { shop, exact, wildcard, other, foreign };
  }
  type Claims = Awaited<ReturnType<typeof claims>>;
  const released = (key: 'exact' | 'wildcard') => async (f: Claims, t: ManagerTestServer) => {
    expect(await count(t, 'app_domains', 'id = $1', [f[key].id])).toBe(0);
    expect(await count(t, 'app_domains')).toBe(3);
  };

  runScenarios(server, [
    ...(
      [
        ['by id', (f: Claims) => f.exact.id, 'exact'],
        ['by id in upper case', (f: Claims) => f.exact.id.toUpperCase(), 'exact'],
        ['by pattern', () => 'api.home.lan', 'exact'],
        ['by pattern in another case with a trailing dot', () => 'API.Home.Lan.', 'exact'],
        ['a wildcard by pattern', () => '*.home.lan', 'wildcard'],
        ['a wildcard by its percent-encoded pattern', () => '%2A.home.lan', 'wildcard'],
        ['a wildcard by id', (f: Claims) => f.wildcard.id, 'wildcard'],
      ] as const
    ).map(([label, ref, key]) =>
      scenario({
        name: `releases a claim ${label}`,
        setup: claims,
        method: 'DELETE',
        url: (f) => `/admin/apps/shop/domains/${ref(f)}`,
        status: 204,
        changes: ['app_domains'],
        expect: (response) => expect(response.text).toBe(''),
        after: released(key),
        events: (f) => [{ topic: 'domains', app: f.shop.id }],
      }),
    ),
    scenario({
      name: 'releases a host whose name is shaped like a UUID, by pattern',
      setup: async () => {
        const shop = await t.createApp('shop');
        await t.addDomain('shop', '0b0f2a3c-1d2e-4f50-8a9b-0c1d2e3f4a5b');
        return shop;
      },
      method: 'DELETE',
      url: '/admin/apps/shop/domains/0b0f2a3c-1d2e-4f50-8a9b-0c1d2e3f4a5b',
      status: 204,
      changes: ['app_domains'],
      events: (shop) => [{ topic: 'domains', app: shop.id }],
    }),
    scenario({
      name: 'releases a 36-character hexadecimal host by pattern',
      setup: async () => {
        const shop = await t.createApp('shop');
        await t.addDomain('shop', 'deadbeefdeadbeefdeadbeefdeadbeefdead');
        return shop;
      },
      method: 'DELETE',
      url: '/admin/apps/shop/domains/deadbeefdeadbeefdeadbeefdeadbeefdead',
      status: 204,
      changes: ['app_domains'],
      events: (shop) => [{ topic: 'domains', app: shop.id }],
    }),
    ...(
      [
        ['an unknown pattern', () => 'nope.home.lan'],
        ['an unknown id', () => MISSING_UUID],
        ['an invalid pattern', () => 'api.home.lan:80'],
        ['36 dashes', () => '-'.repeat(36)],
        ["another app's claim by pattern", () => 'other.home.lan'],
        ["another app's claim by id", (f: Claims) => f.foreign.id],
        ['a host the wildcard covers (claims are released by their own pattern)', () => 'x.home.lan'],
      ] as const
    ).map(([label, ref]) =>
      scenario({
        name: `${label} is DOMAIN_NOT_FOUND`,
        setup: claims,
        method: 'DELETE',
        url: (f) => `/admin/apps/shop/domains/${ref(f)}`,
        status: 404,
        code: 'PICLOUD_ERR_DOMAIN_NOT_FOUND',
      }),
    ),
    scenario({
      name: 'an unknown app is APP_NOT_FOUND',
      method: 'DELETE',
      url: '/admin/apps/nothing/domains/localhost',
      status: 404,
      code: 'PICLOUD_ERR_APP_NOT_FOUND',
    }),
  ]);

  const long = `${'a'.repeat(63)}.${'b'.repeat(63)}.lan`;
  const releaseLong = scenario({
    name: 'releases a claim over 100 characters by pattern',
    setup: async () => {
      const shop = await t.createApp('shop');
      await t.addDomain('shop', long);
      return shop;
    },
    method: 'DELETE',
    url: `/admin/apps/shop/domains/${long}`,
    status: 204,
    changes: ['app_domains'],
    events: (shop) => [{ topic: 'domains', app: shop.id }],
  });
  // Host names can be 253 characters: the router must accept path parameters that long.
  it(releaseLong.name, async () => {
    await runScenario(t, releaseLong);
  });

  it('releases a claim over 100 characters by id', async () => {
    await t.reset();
    await t.createApp('shop');
    const claim = await t.addDomain('shop', long);
    const response = await t.request('DELETE', `/admin/apps/shop/domains/${claim.id}`);
    expect(response.status).toBe(204);
    expect(await count(t, 'app_domains', 'id = $1', [claim.id])).toBe(0);
  });
});
