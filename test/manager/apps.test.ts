/**
 * `/api/v1/admin/apps`: create, list (keyset pagination), get by id or slug, update, slug renames that
 * keep redirecting (308 for every method and nested path), `slug:check`, taking over a retired slug
 * with `force`, and delete with its cascade.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../server/manager/pagination.js';
import { createManagerTestServer, HELLO_SOURCE, type ManagerTestServer } from '../support/manager-server.js';
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
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The body of a validation error names the offending field. */
const invalidField =
  (path: string, where = 'body') =>
  (response: { body: { error: { details: unknown } } }) => {
    expect(response.body.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ in: where, path })]),
    );
  };

/** An app renamed from `old` to `current` (the history keeps `old`). */
async function renamed(old = 'old', current = 'current') {
  const app = await t.createApp(old);
  const response = await t.request('PATCH', `/admin/apps/${old}`, { slug: current });
  expect(response.status, response.text).toBe(200);
  return { app: response.body, id: app.id as string };
}

describe('create', () => {
  runScenarios(server, [
    scenario({
      name: 'creates an app with the smallest body',
      method: 'POST',
      url: '/admin/apps',
      body: { slug: 'shop', name: 'Shop' },
      status: 201,
      changes: ['apps'],
      expect: (response) => {
        expect(response.body).toEqual({
          id: expect.stringMatching(UUID),
          slug: 'shop',
          name: 'Shop',
          description: '',
          domains: [],
          cors_origins: [],
          http_allow_hosts: [],
          created_at: expect.stringMatching(ISO),
          updated_at: expect.stringMatching(ISO),
        });
      },
      after: async (_f, t, response) => {
        expect(
          await rows(t, 'SELECT slug, name, description FROM apps WHERE id = $1', [response.body.id]),
        ).toEqual([{ slug: 'shop', name: 'Shop', description: '' }]);
      },
      events: (_f, response) => [{ topic: 'apps', app: response.body.id }],
    }),
    scenario({
      name: 'keeps the description',
      method: 'POST',
      url: '/admin/apps',
      body: { slug: 'garden', name: 'Garden sensors', description: 'Soil moisture and the sprinkler' },
      status: 201,
      changes: ['apps'],
      json: { slug: 'garden', name: 'Garden sensors', description: 'Soil moisture and the sprinkler' },
      events: (_f, response) => [{ topic: 'apps', app: response.body.id }],
    }),
    scenario({
      name: 'lower-cases the slug',
      method: 'POST',
      url: '/admin/apps',
      body: { slug: 'My-Shop', name: 'x' },
      status: 201,
      changes: ['apps'],
      json: { slug: 'my-shop' },
      after: async (_f, t) => expect(await count(t, 'apps', "slug = 'my-shop'")).toBe(1),
      events: (_f, response) => [{ topic: 'apps', app: response.body.id }],
    }),
    ...[
      ['one character', 'a'],
      ['digits only', '42'],
      ['63 characters', `a${'b'.repeat(61)}c`],
    ].map(([label, slug]) =>
      scenario({
        name: `accepts a slug of ${label}`,
        method: 'POST',
        url: '/admin/apps',
        body: { slug, name: 'x' },
        status: 201,
        changes: ['apps'],
        json: { slug },
        events: (_f, response) => [{ topic: 'apps', app: response.body.id }],
      }),
    ),
    ...[
      ['empty', ''],
      ['starting with a dash', '-shop'],
      ['ending with a dash', 'shop-'],
      ['with an underscore', 'my_shop'],
      ['with a space', 'my shop'],
      ['with a dot', 'shop.lan'],
      ['with a slash', 'a/b'],
      ['non-ASCII', 'café'],
      ['64 characters', 'a'.repeat(64)],
      ['shaped like an app id', '0b0f2a3c-1d2e-4f50-8a9b-0c1d2e3f4a5b'],
    ].map(([label, slug]) =>
      scenario({
        name: `refuses a slug ${label}`,
        method: 'POST',
        url: '/admin/apps',
        body: { slug, name: 'x' },
        status: 400,
        code: 'PICLOUD_ERR_HTTP_VALIDATION',
        expect: invalidField('/slug'),
      }),
    ),
    ...(
      [
        ['no slug', { name: 'x' }, '/slug'],
        ['no name', { slug: 'x' }, '/name'],
        ['an empty name', { slug: 'x', name: '' }, '/name'],
        ['a name over 200 characters', { slug: 'x', name: 'n'.repeat(201) }, '/name'],
        [
          'a description over 2000 characters',
          { slug: 'x', name: 'x', description: 'd'.repeat(2001) },
          '/description',
        ],
        ['an unknown property', { slug: 'x', name: 'x', owner: 'me' }, '/owner'],
        ['an object as slug', { slug: { a: 1 }, name: 'x' }, '/slug'],
        ['a string as force', { slug: 'x', name: 'x', force: 'maybe' }, '/force'],
      ] as const
    ).map(([label, body, path]) =>
      scenario({
        name: `refuses ${label}`,
        method: 'POST',
        url: '/admin/apps',
        body,
        status: 400,
        code: 'PICLOUD_ERR_HTTP_VALIDATION',
        expect: invalidField(path),
      }),
    ),
    scenario({
      name: 'refuses a body that is not JSON',
      method: 'POST',
      url: '/admin/apps',
      body: '{"slug": "x", ',
      headers: { 'content-type': 'application/json' },
      status: 400,
      code: 'PICLOUD_ERR_HTTP_BAD_BODY',
    }),
    scenario({
      name: 'refuses an empty JSON body',
      method: 'POST',
      url: '/admin/apps',
      body: '',
      headers: { 'content-type': 'application/json' },
      status: 400,
      code: 'PICLOUD_ERR_HTTP_BAD_BODY',
    }),
    scenario({
      name: 'refuses a form body',
      method: 'POST',
      url: '/admin/apps',
      body: 'slug=x&name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      status: 415,
      code: 'PICLOUD_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE',
    }),
    scenario({
      name: 'refuses a slug another app uses, naming it',
      setup: () => t.createApp('shop'),
      method: 'POST',
      url: '/admin/apps',
      body: { slug: 'shop', name: 'Other shop' },
      status: 409,
      code: 'PICLOUD_ERR_APP_SLUG_TAKEN',
      json: (shop) => ({ error: { details: { reason: 'taken', app: { id: shop.id, slug: 'shop' } } } }),
    }),
    scenario({
      name: 'refuses a taken slug in another case',
      method: 'POST',
      url: '/admin/apps',
      body: { slug: 'DEFAULT', name: 'x' },
      status: 409,
      code: 'PICLOUD_ERR_APP_SLUG_TAKEN',
      json: { error: { details: { reason: 'taken', app: { slug: 'default' } } } },
    }),
    scenario({
      name: 'refuses a retired slug without force, naming the app it redirects to',
      setup: () => renamed('old', 'current'),
      method: 'POST',
      url: '/admin/apps',
      body: { slug: 'old', name: 'x' },
      status: 409,
      code: 'PICLOUD_ERR_APP_SLUG_RETIRED',
      json: ({ id }) => ({ error: { details: { reason: 'retired', app: { id, slug: 'current' } } } }),
    }),
    scenario({
      name: 'refuses a retired slug with force: false',
      setup: () => renamed('old', 'current'),
      method: 'POST',
      url: '/admin/apps',
      body: { slug: 'old', name: 'x', force: false },
      status: 409,
      code: 'PICLOUD_ERR_APP_SLUG_RETIRED',
    }),
    scenario({
      name: 'takes over a retired slug with force: the old app stops redirecting',
      setup: () => renamed('old', 'current'),
      method: 'POST',
      url: '/admin/apps',
      body: { slug: 'old', name: 'New owner', force: true },
      status: 201,
      changes: ['apps', 'app_slug_history'],
      json: { slug: 'old', name: 'New owner' },
      after: async ({ id }, t, response) => {
        expect(await count(t, 'app_slug_history')).toBe(0);
        const got = await t.request('GET', '/admin/apps/old');
        expect(got.status).toBe(200);
        expect(got.body.id).toBe(response.body.id);
        expect((await t.request('GET', '/admin/apps/current')).body.id).toBe(id);
      },
      events: (_f, response) => [{ topic: 'apps', app: response.body.id }],
    }),
    scenario({
      name: 'force does not take a slug an app uses now',
      setup: () => t.createApp('shop'),
      method: 'POST',
      url: '/admin/apps',
      body: { slug: 'shop', name: 'x', force: true },
      status: 409,
      code: 'PICLOUD_ERR_APP_SLUG_TAKEN',
    }),
  ]);
});

describe('list', () => {
  const slugs = ['delta', 'alpha', 'echo', 'charlie', 'bravo'];
  const sorted = [...slugs, 'default'].sort();

  runScenarios(server, [
    scenario({
      name: 'a fresh install lists the default app with its localhost claim',
      method: 'GET',
      url: '/admin/apps',
      status: 200,
      expect: (response) => {
        expect(response.body).toEqual({
          items: [
            expect.objectContaining({
              slug: 'default',
              name: 'Default',
              domains: [{ id: expect.stringMatching(UUID), pattern: 'localhost', kind: 'exact' }],
            }),
          ],
          next_cursor: null,
        });
      },
    }),
    scenario({
      name: 'lists apps ordered by slug, each with its domains',
      setup: async () => {
        for (const slug of slugs) await t.createApp(slug);
        await t.addDomain('bravo', 'b.home.lan');
        await t.addDomain('bravo', '*.b.home.lan');
      },
      method: 'GET',
      url: '/admin/apps',
      status: 200,
      expect: (response) => {
        expect(response.body.items.map((a: { slug: string }) => a.slug)).toEqual(sorted);
        expect(response.body.next_cursor).toBeNull();
        const bravo = response.body.items.find((a: { slug: string }) => a.slug === 'bravo');
        expect(bravo.domains).toEqual([
          { id: expect.stringMatching(UUID), pattern: '*.b.home.lan', kind: 'wildcard' },
          { id: expect.stringMatching(UUID), pattern: 'b.home.lan', kind: 'exact' },
        ]);
      },
    }),
    scenario({
      name: 'pages through every app exactly once with limit and cursor',
      setup: async () => {
        for (const slug of slugs) await t.createApp(slug);
      },
      method: 'GET',
      url: '/admin/apps?limit=2',
      status: 200,
      expect: async (first) => {
        expect(first.body.items).toHaveLength(2);
        expect(first.body.next_cursor).toEqual(expect.any(String));
        const seen: string[] = first.body.items.map((a: { slug: string }) => a.slug);
        let cursor: string | null = first.body.next_cursor;
        let pages = 1;
        while (cursor) {
          const page = await t.request('GET', `/admin/apps?limit=2&cursor=${encodeURIComponent(cursor)}`);
          expect(page.status).toBe(200);
          seen.push(...page.body.items.map((a: { slug: string }) => a.slug));
          cursor = page.body.next_cursor;
          pages += 1;
        }
        expect(seen).toEqual(sorted);
        expect(pages).toBe(3);
      },
    }),
    scenario({
      name: 'a page that ends exactly at the last app has no next cursor',
      setup: () => t.createApp('zulu'),
      method: 'GET',
      url: '/admin/apps?limit=2',
      status: 200,
      json: { items: [{ slug: 'default' }, { slug: 'zulu' }], next_cursor: null },
    }),
    ...[
      ['0', '/limit'],
      ['201', '/limit'],
      ['two', '/limit'],
      ['1.5', '/limit'],
    ].map(([limit, path]) =>
      scenario({
        name: `refuses limit=${limit}`,
        method: 'GET',
        url: `/admin/apps?limit=${limit}`,
        status: 400,
        code: 'PICLOUD_ERR_HTTP_VALIDATION',
        expect: invalidField(path, 'querystring'),
      }),
    ),
    scenario({
      name: 'refuses a cursor over 512 characters',
      method: 'GET',
      url: `/admin/apps?cursor=${'a'.repeat(513)}`,
      status: 400,
      code: 'PICLOUD_ERR_HTTP_VALIDATION',
      expect: invalidField('/cursor', 'querystring'),
    }),
    ...[
      ['not base64 JSON', 'garbage'],
      ['an object', Buffer.from('{"slug":"a"}').toString('base64url')],
      ['with two parts', encodeCursor(['a', 'b'])],
      ['with no parts', encodeCursor([])],
      ['holding null', Buffer.from('[null]').toString('base64url')],
    ].map(([label, cursor]) =>
      scenario({
        name: `refuses a cursor ${label}`,
        method: 'GET',
        url: `/admin/apps?cursor=${cursor}`,
        status: 400,
        code: 'PICLOUD_ERR_HTTP_BAD_CURSOR',
      }),
    ),
  ]);

  it('a page keeps its place while apps are added before the cursor', async () => {
    await t.reset();
    for (const slug of slugs) await t.createApp(slug);
    const first = await t.request('GET', '/admin/apps?limit=3');
    expect(first.body.items.map((a: { slug: string }) => a.slug)).toEqual(['alpha', 'bravo', 'charlie']);
    await t.createApp('aaa');
    const next = await t.request('GET', `/admin/apps?limit=3&cursor=${first.body.next_cursor}`);
    expect(next.body.items.map((a: { slug: string }) => a.slug)).toEqual(['default', 'delta', 'echo']);
    expect(next.body.next_cursor).toBeNull();
  });
});

describe('get', () => {
  runScenarios(server, [
    scenario({
      name: 'by id',
      setup: async () => {
        const app = await t.createApp('shop', { description: 'd' });
        await t.addDomain('shop', 'shop.home.lan');
        return app;
      },
      method: 'GET',
      url: (app) => `/admin/apps/${app.id}`,
      status: 200,
      json: (app) => ({
        id: app.id,
        slug: 'shop',
        description: 'd',
        domains: [{ pattern: 'shop.home.lan', kind: 'exact' }],
      }),
    }),
    scenario({
      name: 'by id in upper case',
      setup: () => t.createApp('shop'),
      method: 'GET',
      url: (app) => `/admin/apps/${app.id.toUpperCase()}`,
      status: 200,
      json: (app) => ({ id: app.id }),
    }),
    scenario({
      name: 'by slug',
      setup: () => t.createApp('shop'),
      method: 'GET',
      url: '/admin/apps/shop',
      status: 200,
      json: (app) => ({ id: app.id, slug: 'shop' }),
    }),
    scenario({
      name: 'by slug in another case',
      setup: () => t.createApp('shop'),
      method: 'GET',
      url: '/admin/apps/SHOP',
      status: 200,
      json: (app) => ({ id: app.id }),
    }),
    scenario({
      name: 'an unknown slug is APP_NOT_FOUND',
      method: 'GET',
      url: '/admin/apps/nothing-here',
      status: 404,
      code: 'PICLOUD_ERR_APP_NOT_FOUND',
    }),
    scenario({
      name: 'an unknown id is APP_NOT_FOUND',
      method: 'GET',
      url: `/admin/apps/${MISSING_UUID}`,
      status: 404,
      code: 'PICLOUD_ERR_APP_NOT_FOUND',
    }),
    scenario({
      name: 'a reference over 64 characters is a validation error',
      method: 'GET',
      url: `/admin/apps/${'a'.repeat(65)}`,
      status: 400,
      code: 'PICLOUD_ERR_HTTP_VALIDATION',
      expect: invalidField('/app', 'params'),
    }),
    scenario({
      name: 'a retired slug answers 308 to the current slug',
      setup: () => renamed('old', 'current'),
      method: 'GET',
      url: '/admin/apps/old',
      status: 308,
      expect: async (response, { id }) => {
        expect(response.headers.location).toBe('/api/v1/admin/apps/current');
        const followed = await t.request('GET', String(response.headers.location));
        expect(followed.status).toBe(200);
        expect(followed.body.id).toBe(id);
      },
    }),
    scenario({
      name: 'a retired slug in another case redirects too, keeping the query string',
      setup: () => renamed('old', 'current'),
      method: 'GET',
      url: '/admin/apps/OLD?x=1',
      status: 308,
      expect: (response) => expect(response.headers.location).toBe('/api/v1/admin/apps/current?x=1'),
    }),
    scenario({
      name: 'a slug renamed twice redirects straight to the newest',
      setup: async () => {
        const { id } = await renamed('first', 'second');
        expect((await t.request('PATCH', '/admin/apps/second', { slug: 'third' })).status).toBe(200);
        return { id };
      },
      method: 'GET',
      url: '/admin/apps/first',
      status: 308,
      expect: (response) => expect(response.headers.location).toBe('/api/v1/admin/apps/third'),
    }),
    scenario({
      name: 'a retired slug spelled like a path segment redirects slug:check too',
      setup: () => renamed('slug', 'renamed'),
      method: 'POST',
      url: '/admin/apps/slug/slug:check',
      body: { slug: 'x' },
      status: 308,
      expect: (response) => expect(response.headers.location).toBe('/api/v1/admin/apps/renamed/slug:check'),
    }),
    ...['apps', 'admin', 'api', 'v1', 'domains'].map((slug) =>
      scenario({
        name: `a retired slug spelled like a path segment ("${slug}") redirects the right segment`,
        setup: () => renamed(slug, 'renamed'),
        method: 'GET',
        url: `/admin/apps/${slug}/domains`,
        status: 308,
        expect: (response) => expect(response.headers.location).toBe('/api/v1/admin/apps/renamed/domains'),
      }),
    ),
  ]);
});

describe('update', () => {
  runScenarios(server, [
    scenario({
      name: 'changes the name and description, nothing else',
      setup: () => t.createApp('shop'),
      method: 'PATCH',
      url: '/admin/apps/shop',
      body: { name: 'The shop', description: 'Open late' },
      status: 200,
      changes: ['apps'],
      json: { slug: 'shop', name: 'The shop', description: 'Open late' },
      expect: (response, app) => {
        expect(response.body.id).toBe(app.id);
        expect(response.body.created_at).toBe(app.created_at);
        expect(Date.parse(response.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(app.updated_at));
      },
      after: async (app, t) => {
        expect(await rows(t, 'SELECT name, description FROM apps WHERE id = $1', [app.id])).toEqual([
          { name: 'The shop', description: 'Open late' },
        ]);
        expect(await count(t, 'app_slug_history')).toBe(0);
      },
      events: (app) => [{ topic: 'apps', app: app.id }],
    }),
    scenario({
      name: 'renames: the old slug goes to the history',
      setup: () => t.createApp('old'),
      method: 'PATCH',
      url: '/admin/apps/old',
      body: { slug: 'New' },
      status: 200,
      changes: ['apps', 'app_slug_history'],
      json: { slug: 'new' },
      after: async (app, t) => {
        expect(await rows(t, 'SELECT slug, app_id FROM app_slug_history')).toEqual([
          { slug: 'old', app_id: app.id },
        ]);
      },
      events: (app) => [{ topic: 'apps', app: app.id }],
    }),
    scenario({
      name: 'renames by id',
      setup: () => t.createApp('old'),
      method: 'PATCH',
      url: (app) => `/admin/apps/${app.id}`,
      body: { slug: 'new' },
      status: 200,
      changes: ['apps', 'app_slug_history'],
      json: { slug: 'new' },
      events: (app) => [{ topic: 'apps', app: app.id }],
    }),
    scenario({
      name: 'the same slug in another case is not a rename',
      setup: () => t.createApp('shop'),
      method: 'PATCH',
      url: '/admin/apps/shop',
      body: { slug: 'SHOP', name: 'Shop 2' },
      status: 200,
      changes: ['apps'],
      json: { slug: 'shop', name: 'Shop 2' },
      after: async (_app, t) => expect(await count(t, 'app_slug_history')).toBe(0),
      events: (app) => [{ topic: 'apps', app: app.id }],
    }),
    scenario({
      name: 'reclaims its own old slug without force',
      setup: () => renamed('old', 'current'),
      method: 'PATCH',
      url: '/admin/apps/current',
      body: { slug: 'old' },
      status: 200,
      changes: ['apps', 'app_slug_history'],
      json: { slug: 'old' },
      after: async ({ id }, t) => {
        expect(await rows(t, 'SELECT slug, app_id FROM app_slug_history')).toEqual([
          { slug: 'current', app_id: id },
        ]);
        expect((await t.request('GET', '/admin/apps/current')).headers.location).toBe(
          '/api/v1/admin/apps/old',
        );
      },
      events: ({ id }) => [{ topic: 'apps', app: id }],
    }),
    scenario({
      name: 'refuses a slug another app uses',
      setup: async () => ({ shop: await t.createApp('shop'), other: await t.createApp('other') }),
      method: 'PATCH',
      url: '/admin/apps/other',
      body: { slug: 'shop', name: 'renamed too' },
      status: 409,
      code: 'PICLOUD_ERR_APP_SLUG_TAKEN',
      json: ({ shop }) => ({ error: { details: { reason: 'taken', app: { id: shop.id, slug: 'shop' } } } }),
    }),
    scenario({
      name: "refuses another app's retired slug without force",
      setup: async () => ({ ...(await renamed('old', 'current')), other: await t.createApp('other') }),
      method: 'PATCH',
      url: '/admin/apps/other',
      body: { slug: 'old' },
      status: 409,
      code: 'PICLOUD_ERR_APP_SLUG_RETIRED',
      json: ({ id }) => ({ error: { details: { reason: 'retired', app: { id, slug: 'current' } } } }),
    }),
    scenario({
      name: "takes over another app's retired slug with force",
      setup: async () => ({ ...(await renamed('old', 'current')), other: await t.createApp('other') }),
      method: 'PATCH',
      url: '/admin/apps/other',
      body: { slug: 'old', force: true },
      status: 200,
      changes: ['apps', 'app_slug_history'],
      json: { slug: 'old' },
      after: async ({ other }, t) => {
        // The taken-over redirect is gone; "other" keeps its own old slug as a redirect.
        expect(await rows(t, 'SELECT slug, app_id FROM app_slug_history')).toEqual([
          { slug: 'other', app_id: other.id },
        ]);
        expect((await t.request('GET', '/admin/apps/old')).body.id).toBe(other.id);
      },
      events: ({ other }) => [{ topic: 'apps', app: other.id }],
    }),
    ...(
      [
        ['an invalid slug', { slug: 'no_way' }, '/slug'],
        ['an empty name', { name: '' }, '/name'],
        ['an unknown property', { id: MISSING_UUID }, '/id'],
        ['a string as force', { slug: 'x', force: 'yes' }, '/force'],
      ] as const
    ).map(([label, body, path]) =>
      scenario({
        name: `refuses ${label}`,
        setup: () => t.createApp('shop'),
        method: 'PATCH',
        url: '/admin/apps/shop',
        body,
        status: 400,
        code: 'PICLOUD_ERR_HTTP_VALIDATION',
        expect: invalidField(path),
      }),
    ),
    scenario({
      name: 'refuses a slug shaped like an app id',
      setup: () => t.createApp('shop'),
      method: 'PATCH',
      url: '/admin/apps/shop',
      body: { slug: '0b0f2a3c-1d2e-4f50-8a9b-0c1d2e3f4a5b' },
      status: 400,
      code: 'PICLOUD_ERR_HTTP_VALIDATION',
      expect: invalidField('/slug'),
    }),
    scenario({
      name: 'an unknown app is APP_NOT_FOUND',
      method: 'PATCH',
      url: '/admin/apps/nothing',
      body: { name: 'x' },
      status: 404,
      code: 'PICLOUD_ERR_APP_NOT_FOUND',
    }),
    scenario({
      name: 'through a retired slug: 308 to the current slug, nothing changed',
      setup: () => renamed('old', 'current'),
      method: 'PATCH',
      url: '/admin/apps/old',
      body: { name: 'changed?' },
      status: 308,
      expect: async (response, { id }) => {
        expect(response.headers.location).toBe('/api/v1/admin/apps/current');
        expect(await rows(t, 'SELECT name FROM apps WHERE id = $1', [id])).toEqual([{ name: 'old' }]);
      },
    }),
  ]);
});

describe('cors_origins', () => {
  runScenarios(server, [
    scenario({
      name: 'create: normalises origins (lower case, default port dropped, duplicates once)',
      method: 'POST',
      url: '/admin/apps',
      body: {
        slug: 'pwa',
        name: 'PWA',
        cors_origins: [
          'HTTP://Phone.LAN:3000',
          'http://phone.lan:3000',
          'https://app.example.com:443',
          'http://192.168.1.20:80',
          'http://[::1]:5173',
          '*',
        ],
      },
      status: 201,
      changes: ['apps'],
      json: {
        cors_origins: [
          'http://phone.lan:3000',
          'https://app.example.com',
          'http://192.168.1.20',
          'http://[::1]:5173',
          '*',
        ],
      },
      after: async (_f, t, response) =>
        expect(await rows(t, 'SELECT cors_origins FROM apps WHERE id = $1', [response.body.id])).toEqual([
          { cors_origins: response.body.cors_origins },
        ]),
      events: (_f, response) => [{ topic: 'apps', app: response.body.id }],
    }),
    scenario({
      name: 'update: replaces the list and announces it',
      setup: () => t.createApp('shop'),
      method: 'PATCH',
      url: '/admin/apps/shop',
      body: { cors_origins: ['https://shop.example'] },
      status: 200,
      changes: ['apps'],
      json: { slug: 'shop', cors_origins: ['https://shop.example'] },
      events: (app) => [{ topic: 'apps', app: app.id }],
    }),
    scenario({
      name: 'update: an empty list turns PiCloud CORS off',
      setup: async () => {
        const app = await t.createApp('shop');
        expect((await t.request('PATCH', '/admin/apps/shop', { cors_origins: ['*'] })).status).toBe(200);
        return app;
      },
      method: 'PATCH',
      url: '/admin/apps/shop',
      body: { cors_origins: [] },
      status: 200,
      changes: ['apps'],
      json: { cors_origins: [] },
      events: (app) => [{ topic: 'apps', app: app.id }],
    }),
    scenario({
      name: 'update: leaving cors_origins out keeps them',
      setup: async () => {
        const app = await t.createApp('shop');
        expect((await t.request('PATCH', '/admin/apps/shop', { cors_origins: ['*'] })).status).toBe(200);
        return app;
      },
      method: 'PATCH',
      url: '/admin/apps/shop',
      body: { name: 'Renamed' },
      status: 200,
      changes: ['apps'],
      json: { name: 'Renamed', cors_origins: ['*'] },
      events: (app) => [{ topic: 'apps', app: app.id }],
    }),
    ...(
      [
        ['a path', 'http://phone.lan:3000/app'],
        ['a trailing slash', 'http://phone.lan/'],
        ['no scheme', 'phone.lan:3000'],
        ['another scheme', 'ftp://phone.lan'],
        ['a file URL', 'file:///home/pi/index.html'],
        ['the null origin', 'null'],
        ['a wildcard host', 'https://*.example.com'],
        ['a query', 'http://phone.lan?x=1'],
        ['user info', 'http://pi@phone.lan'],
        ['port 0', 'http://phone.lan:0'],
        ['a port over 65535', 'http://phone.lan:65536'],
        ['a label ending with a dash', 'http://phone-.lan'],
        ['a bad IPv6 address', 'http://[::g]'],
        ['spaces inside', 'http://phone lan'],
      ] as const
    ).flatMap(([label, origin]) => [
      scenario({
        name: `create: refuses an origin with ${label}, naming its index`,
        method: 'POST',
        url: '/admin/apps',
        body: { slug: 'pwa', name: 'PWA', cors_origins: ['http://ok.lan', origin] },
        status: 400,
        code: 'PICLOUD_ERR_HTTP_VALIDATION',
        expect: invalidField('/cors_origins/1'),
      }),
      scenario({
        name: `update: refuses an origin with ${label}`,
        setup: () => t.createApp('shop'),
        method: 'PATCH',
        url: '/admin/apps/shop',
        body: { name: 'changed?', cors_origins: [origin] },
        status: 400,
        code: 'PICLOUD_ERR_HTTP_VALIDATION',
        expect: invalidField('/cors_origins/0'),
      }),
    ]),
    scenario({
      name: 'refuses more than 50 origins',
      setup: () => t.createApp('shop'),
      method: 'PATCH',
      url: '/admin/apps/shop',
      body: { cors_origins: Array.from({ length: 51 }, (_, i) => `http://host${i}.lan`) },
      status: 400,
      code: 'PICLOUD_ERR_HTTP_VALIDATION',
      expect: invalidField('/cors_origins'),
    }),
    scenario({
      name: 'refuses an origin that is not a string',
      setup: () => t.createApp('shop'),
      method: 'PATCH',
      url: '/admin/apps/shop',
      body: { cors_origins: [{ url: 'http://phone.lan' }] },
      status: 400,
      code: 'PICLOUD_ERR_HTTP_VALIDATION',
      expect: invalidField('/cors_origins/0'),
    }),
  ]);
});

describe('slug:check', () => {
  runScenarios(server, [
    scenario({
      name: 'a free slug is available',
      setup: () => t.createApp('shop'),
      method: 'POST',
      url: '/admin/apps/shop/slug:check',
      body: { slug: 'Market' },
      status: 200,
      expect: (response) => expect(response.body).toEqual({ slug: 'market', available: true }),
    }),
    scenario({
      name: 'the app’s own slug is available',
      setup: () => t.createApp('shop'),
      method: 'POST',
      url: '/admin/apps/shop/slug:check',
      body: { slug: 'shop' },
      status: 200,
      expect: (response) => expect(response.body).toEqual({ slug: 'shop', available: true }),
    }),
    scenario({
      name: 'a slug another app uses is taken',
      setup: async () => ({ shop: await t.createApp('shop'), other: await t.createApp('other') }),
      method: 'POST',
      url: '/admin/apps/shop/slug:check',
      body: { slug: 'other' },
      status: 200,
      expect: (response, { other }) =>
        expect(response.body).toEqual({
          slug: 'other',
          available: false,
          conflict: { reason: 'taken', app: { id: other.id, slug: 'other' } },
        }),
    }),
    scenario({
      name: 'a slug another app retired is retired, naming that app',
      setup: async () => ({ ...(await renamed('old', 'current')), shop: await t.createApp('shop') }),
      method: 'POST',
      url: '/admin/apps/shop/slug:check',
      body: { slug: 'old' },
      status: 200,
      expect: (response, { id }) =>
        expect(response.body).toEqual({
          slug: 'old',
          available: false,
          conflict: { reason: 'retired', app: { id, slug: 'current' } },
        }),
    }),
    scenario({
      name: 'the app’s own retired slug is available',
      setup: () => renamed('old', 'current'),
      method: 'POST',
      url: '/admin/apps/current/slug:check',
      body: { slug: 'old' },
      status: 200,
      expect: (response) => expect(response.body).toEqual({ slug: 'old', available: true }),
    }),
    scenario({
      name: 'an invalid slug is a validation error',
      setup: () => t.createApp('shop'),
      method: 'POST',
      url: '/admin/apps/shop/slug:check',
      body: { slug: 'bad slug' },
      status: 400,
      code: 'PICLOUD_ERR_HTTP_VALIDATION',
      expect: invalidField('/slug'),
    }),
    scenario({
      name: 'a slug shaped like an app id is a validation error',
      setup: () => t.createApp('shop'),
      method: 'POST',
      url: '/admin/apps/shop/slug:check',
      body: { slug: '0B0F2A3C-1D2E-4F50-8A9B-0C1D2E3F4A5B' },
      status: 400,
      code: 'PICLOUD_ERR_HTTP_VALIDATION',
      expect: invalidField('/slug'),
    }),
    scenario({
      name: 'no slug is a validation error',
      setup: () => t.createApp('shop'),
      method: 'POST',
      url: '/admin/apps/shop/slug:check',
      body: {},
      status: 400,
      code: 'PICLOUD_ERR_HTTP_VALIDATION',
      expect: invalidField('/slug'),
    }),
    scenario({
      name: 'an unknown app is APP_NOT_FOUND',
      method: 'POST',
      url: '/admin/apps/nothing/slug:check',
      body: { slug: 'x' },
      status: 404,
      code: 'PICLOUD_ERR_APP_NOT_FOUND',
    }),
    scenario({
      name: 'through a retired slug: 308',
      setup: () => renamed('old', 'current'),
      method: 'POST',
      url: '/admin/apps/old/slug:check',
      body: { slug: 'x' },
      status: 308,
      expect: (response) => expect(response.headers.location).toBe('/api/v1/admin/apps/current/slug:check'),
    }),
  ]);
});

describe('delete', () => {
  /** An app owning one of everything, next to an app that must survive. */
  async function populated() {
    const doomed = await t.createApp('doomed');
    await t.addDomain('doomed', 'doomed.home.lan');
    await t.addDomain('doomed', '*.doomed.home.lan');
    const script = await t.createScript('doomed', 'hello');
    await t.request('PATCH', `/admin/scripts/${script.id}`, { source: '#{ v: 2 }' });
    await t.createRoute('doomed', { script: 'hello', methods: ['GET'], path: '/hello' });
    await t.request('PATCH', '/admin/apps/doomed', { slug: 'doomed2' });
    await t.request('PATCH', '/admin/apps/doomed2', { slug: 'doomed' });
    await t.request('PATCH', '/admin/apps/doomed', { slug: 'gone' });
    const keeper = await t.createApp('keeper');
    await t.addDomain('keeper', 'keeper.home.lan');
    const kept = await t.createScript('keeper', 'hello', { source: HELLO_SOURCE });
    await t.createRoute('keeper', { script: 'hello', methods: ['GET'], path: '/hello' });
    for (const [app, scriptId] of [
      [doomed.id, script.id],
      [keeper.id, kept.id],
    ]) {
      t.manager.logWriter.record({
        app_id: app,
        script_id: scriptId,
        script_version: 1,
        request_id: `req-${app}`,
        trigger: 'http',
        status: 'ok',
        http_status: 200,
        duration_ms: 1.5,
        operations: 10,
        error: null,
        output: '',
        started_at: new Date(),
      });
    }
    await t.manager.logWriter.flush();
    return { doomed, keeper, script };
  }

  runScenarios(server, [
    scenario({
      name: 'deletes an app with its domains, scripts, versions, routes, logs and slug history',
      setup: populated,
      method: 'DELETE',
      url: '/admin/apps/gone',
      status: 204,
      changes: [
        'apps',
        'app_domains',
        'app_slug_history',
        'scripts',
        'script_versions',
        'routes',
        'execution_logs',
      ],
      expect: (response) => expect(response.text).toBe(''),
      after: async ({ doomed, keeper }, t) => {
        for (const [table, column] of [
          ['apps', 'id'],
          ['app_domains', 'app_id'],
          ['app_slug_history', 'app_id'],
          ['scripts', 'app_id'],
          ['routes', 'app_id'],
          ['execution_logs', 'app_id'],
        ] as const) {
          expect(await count(t, table, `${column} = $1`, [doomed.id]), table).toBe(0);
          expect(await count(t, table, `${column} = $1`, [keeper.id]), table).toBe(
            table === 'app_slug_history' ? 0 : 1,
          );
        }
        expect(await count(t, 'script_versions')).toBe(1);
        expectError(await t.request('GET', '/admin/apps/gone'), 'PICLOUD_ERR_APP_NOT_FOUND');
        // Its retired slugs are free again.
        expect(
          (await t.request('POST', '/admin/apps/keeper/slug:check', { slug: 'doomed2' })).body.available,
        ).toBe(true);
      },
      events: ({ doomed }) => [{ topic: 'apps', app: doomed.id }],
    }),
    scenario({
      name: 'deletes by id',
      setup: () => t.createApp('shop'),
      method: 'DELETE',
      url: (app) => `/admin/apps/${app.id}`,
      status: 204,
      changes: ['apps'],
      events: (app) => [{ topic: 'apps', app: app.id }],
    }),
    scenario({
      name: 'an unknown app is APP_NOT_FOUND',
      method: 'DELETE',
      url: '/admin/apps/nothing',
      status: 404,
      code: 'PICLOUD_ERR_APP_NOT_FOUND',
    }),
    scenario({
      name: 'through a retired slug: 308, nothing deleted',
      setup: () => renamed('old', 'current'),
      method: 'DELETE',
      url: '/admin/apps/old',
      status: 308,
      expect: (response) => expect(response.headers.location).toBe('/api/v1/admin/apps/current'),
    }),
  ]);
});

describe('retired slugs redirect nested paths', () => {
  const cases = [
    ['GET', '/domains', undefined],
    ['POST', '/domains', { pattern: 'x.home.lan' }],
    ['DELETE', '/domains/old.home.lan', undefined],
    ['GET', '/routes', undefined],
    ['POST', '/routes', { script: 'hello', methods: ['GET'], path: '/x' }],
    ['GET', `/routes/${MISSING_UUID}`, undefined],
    ['PATCH', `/routes/${MISSING_UUID}`, { path: '/y' }],
    ['DELETE', `/routes/${MISSING_UUID}`, undefined],
  ] as const;
  runScenarios(
    server,
    cases.map(([method, rest, body]) =>
      scenario({
        name: `${method} /admin/apps/old${rest} → 308 /admin/apps/current${rest}`,
        setup: async () => {
          const result = await renamed('old', 'current');
          await t.addDomain('current', 'old.home.lan');
          await t.createScript('current', 'hello');
          return result;
        },
        method,
        url: `/admin/apps/old${rest}?via=test`,
        body,
        status: 308,
        expect: (response) =>
          expect(response.headers.location).toBe(`/api/v1/admin/apps/current${rest}?via=test`),
      }),
    ),
  );

  it('a client following the redirect gets the same answer as the current slug', async () => {
    await runScenario(
      t,
      scenario({
        name: 'follow',
        setup: async () => {
          await renamed('old', 'current');
          await t.addDomain('current', 'a.home.lan');
        },
        method: 'GET',
        url: '/admin/apps/old/domains',
        status: 308,
        expect: async (response) => {
          const followed = await t.request('GET', String(response.headers.location));
          expect(followed.status).toBe(200);
          expect(followed.body).toEqual((await t.request('GET', '/admin/apps/current/domains')).body);
          expect(followed.body.items.map((d: { pattern: string }) => d.pattern)).toEqual(['a.home.lan']);
        },
      }),
    );
  });
});

describe('races', () => {
  it('two requests creating one slug: one wins, the other gets APP_SLUG_TAKEN', async () => {
    await t.reset();
    for (let round = 0; round < 5; round++) {
      const slug = `race${round}`;
      const responses = await Promise.all(
        [1, 2].map((n) => t.request('POST', '/admin/apps', { slug, name: `contender ${n}` })),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([201, 409]);
      const loser = responses.find((r) => r.status === 409)!;
      expectError(loser, 'PICLOUD_ERR_APP_SLUG_TAKEN');
      expect(loser.body.error.details).toEqual({
        reason: 'taken',
        app: { id: responses.find((r) => r.status === 201)!.body.id, slug },
      });
      expect(await count(t, 'apps', 'slug = $1', [slug])).toBe(1);
    }
  });

  it('two apps renamed to one slug at once: one wins, the other gets APP_SLUG_TAKEN', async () => {
    await t.reset();
    await t.createApp('one');
    await t.createApp('two');
    const responses = await Promise.all(
      ['one', 'two'].map((app) => t.request('PATCH', `/admin/apps/${app}`, { slug: 'prize' })),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([200, 409]);
    expectError(responses.find((r) => r.status === 409)!, 'PICLOUD_ERR_APP_SLUG_TAKEN');
    expect(await count(t, 'app_slug_history')).toBe(1);
  });
});
