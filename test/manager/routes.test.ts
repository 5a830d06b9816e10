/**
 * `/api/v1/admin/apps/:app/routes`: methods, path patterns (parameters, trailing wildcard, reserved
 * prefixes), hosts within the app's claims, endpoint scripts only, conflicts between routes of one
 * app, and read / change / delete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change } from '../../server/contracts/changes.js';
import { createManagerTestServer, type ManagerTestServer } from '../support/manager-server.js';
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

/**
 * "shop" claiming api.home.lan, *.devices.home.lan and 192.168.1.20, with endpoints "hello" and "bye"
 * and the module "util"; "other" claiming other.home.lan with its own endpoint "hello".
 */
async function shop() {
  const app = await t.createApp('shop');
  await t.addDomain('shop', 'api.home.lan');
  await t.addDomain('shop', '*.devices.home.lan');
  await t.addDomain('shop', '192.168.1.20');
  const hello = await t.createScript('shop', 'hello');
  const bye = await t.createScript('shop', 'bye');
  const util = await t.createScript('shop', 'util', { kind: 'module', source: 'fn f() { 1 }' });
  const other = await t.createApp('other');
  await t.addDomain('other', 'other.home.lan');
  const foreign = await t.createScript('other', 'hello');
  return { app, hello, bye, util, other, foreign };
}
type Shop = Awaited<ReturnType<typeof shop>>;

/** shop() plus the route GET /users/:id (and optionally more). */
function shopWithRoute(extra: Record<string, unknown>[] = []) {
  return async () => {
    const f = await shop();
    const route = await t.createRoute('shop', { script: 'hello', methods: ['GET'], path: '/users/:id' });
    for (const more of extra) await t.createRoute('shop', more);
    return { ...f, route };
  };
}
type ShopWithRoute = Shop & { route: { id: string } };

const routesEvent = (f: { app: { id: string } }): Change[] => [{ topic: 'routes', app: f.app.id }];

describe('create', () => {
  runScenarios(server, [
    scenario({
      name: 'creates GET /hello running a script named by name',
      setup: shop,
      method: 'POST',
      url: '/admin/apps/shop/routes',
      body: { script: 'hello', methods: ['GET'], path: '/hello' },
      status: 201,
      changes: ['routes'],
      expect: (response, f) =>
        expect(response.body).toEqual({
          id: expect.stringMatching(UUID),
          app_id: f.app.id,
          script_id: f.hello.id,
          script_name: 'hello',
          methods: ['GET'],
          path: '/hello',
          host: null,
          required_scope: null,
          created_at: expect.any(String),
          updated_at: expect.any(String),
        }),
      after: async (f, t, response) => {
        expect(
          await rows(
            t,
            'SELECT app_id, script_id, methods, path, path_shape, host FROM routes WHERE id = $1',
            [response.body.id],
          ),
        ).toEqual([
          {
            app_id: f.app.id,
            script_id: f.hello.id,
            methods: ['GET'],
            path: '/hello',
            path_shape: '/hello',
            host: null,
          },
        ]);
      },
      events: routesEvent,
    }),
    scenario({
      name: 'names the script by id',
      setup: shop,
      method: 'POST',
      url: '/admin/apps/shop/routes',
      body: (f) => ({ script: f.bye.id, methods: ['DELETE'], path: '/bye' }),
      status: 201,
      changes: ['routes'],
      json: (f) => ({ script_id: f.bye.id, script_name: 'bye' }),
      events: routesEvent,
    }),
    ...(
      [
        [
          'normalises methods: upper case, unique, sorted',
          ['post', 'get', 'GET', ' put '],
          ['GET', 'POST', 'PUT'],
        ],
        [
          'accepts every supported method',
          ['OPTIONS', 'DELETE', 'PATCH', 'PUT', 'POST', 'HEAD', 'GET'],
          ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'],
        ],
      ] as const
    ).map(([label, methods, expected]) =>
      scenario({
        name: label,
        setup: shop,
        method: 'POST',
        url: '/admin/apps/shop/routes',
        body: { script: 'hello', methods, path: '/x' },
        status: 201,
        changes: ['routes'],
        json: { methods: expected },
        after: async (_f, t) =>
          expect(await rows(t, 'SELECT methods FROM routes')).toEqual([{ methods: expected }]),
        events: routesEvent,
      }),
    ),
    ...(
      [
        ['/', '/'],
        ['/users/:id', '/users/:'],
        ['/users/:user_id/posts/:postId', '/users/:/posts/:'],
        ['/files/*', '/files/*'],
        ['/*', '/*'],
        ['/users/:id/files/*', '/users/:/files/*'],
        ['/a.b~c/_d-e/f@g', '/a.b~c/_d-e/f@g'],
        ['/API/x', '/API/x'],
        ['/apis', '/apis'],
        ['/healthz/x', '/healthz/x'],
        [`/${'a'.repeat(500)}`, `/${'a'.repeat(500)}`],
      ] as const
    ).map(([path, shape]) =>
      scenario({
        name: `accepts the path ${path.length > 40 ? `${path.slice(0, 20)}… (${path.length} characters)` : path}`,
        setup: shop,
        method: 'POST',
        url: '/admin/apps/shop/routes',
        body: { script: 'hello', methods: ['GET'], path },
        status: 201,
        changes: ['routes'],
        json: { path },
        after: async (_f, t) =>
          expect(await rows(t, 'SELECT path_shape FROM routes')).toEqual([{ path_shape: shape }]),
        events: routesEvent,
      }),
    ),
    ...(
      [
        ['an exact claim', 'api.home.lan', 'api.home.lan'],
        ['an exact claim, normalised', 'API.Home.Lan.', 'api.home.lan'],
        ['a host under a wildcard claim', 'lamp.devices.home.lan', 'lamp.devices.home.lan'],
        ['a host two labels under a wildcard claim', 'a.b.devices.home.lan', 'a.b.devices.home.lan'],
        ['a claimed IPv4 address', '192.168.1.20', '192.168.1.20'],
        ['no host (null)', null, null],
        ['no host (empty)', '', null],
      ] as const
    ).map(([label, host, stored]) =>
      scenario({
        name: `accepts a host: ${label}`,
        setup: shop,
        method: 'POST',
        url: '/admin/apps/shop/routes',
        body: { script: 'hello', methods: ['GET'], path: '/x', host },
        status: 201,
        changes: ['routes'],
        json: { host: stored },
        after: async (_f, t) => expect(await rows(t, 'SELECT host FROM routes')).toEqual([{ host: stored }]),
        events: routesEvent,
      }),
    ),
    ...[
      ['no leading slash', 'hello'],
      ['a trailing slash', '/hello/'],
      ['"//"', '/a//b'],
      ['a parameter without a name', '/users/:'],
      ['a parameter starting with a digit', '/users/:1st'],
      ['a parameter with a dash', '/users/:user-id'],
      ['a parameter glued to text', '/users/x:id'],
      ['a repeated parameter', '/users/:id/friends/:id'],
      ['"*" not last', '/files/*/meta'],
      ['"*" inside a segment', '/files/a*'],
      ['two wildcards', '/*/*'],
      ['the reserved /api', '/api'],
      ['the reserved /api/...', '/api/v1/things'],
      ['the reserved /healthz', '/healthz'],
      ['the reserved /version', '/version'],
      ['the reserved /wire/...', '/wire/x'],
      ['a space', '/hello world'],
      ['a query string', '/hello?x=1'],
      ['a fragment', '/hello#top'],
      ['a percent sign', '/a%20b'],
      ['a backslash', '/a\\b'],
      ['only spaces', '   '],
    ].map(([label, path]) =>
      scenario({
        name: `refuses a path with ${label}: ${JSON.stringify(path)}`,
        setup: shop,
        method: 'POST',
        url: '/admin/apps/shop/routes',
        body: { script: 'hello', methods: ['GET'], path },
        status: 400,
        code: 'PICLOUD_ERR_ROUTE_INVALID',
        json: { error: { message: expect.stringContaining('Invalid path') } },
      }),
    ),
    ...[
      ['an unknown method', ['FETCH']],
      ['CONNECT', ['CONNECT']],
      ['TRACE next to GET', ['GET', 'TRACE']],
      ['a blank method', ['  ']],
    ].map(([label, methods]) =>
      scenario({
        name: `refuses ${label}`,
        setup: shop,
        method: 'POST',
        url: '/admin/apps/shop/routes',
        body: { script: 'hello', methods, path: '/x' },
        status: 400,
        code: 'PICLOUD_ERR_ROUTE_INVALID',
        json: { error: { message: expect.stringContaining('Invalid methods') } },
      }),
    ),
    ...[
      ['a host the app does not claim', 'nas.home.lan'],
      ['a host another app claims', 'other.home.lan'],
      ['the bare name under a wildcard claim', 'devices.home.lan'],
      ['a wildcard host', '*.devices.home.lan'],
      ['a host with a port', 'api.home.lan:8080'],
      ['a host with a path', 'api.home.lan/x'],
      ['an invalid host', 'not a host'],
      ['an IPv6 literal', '[::1]'],
    ].map(([label, host]) =>
      scenario({
        name: `refuses ${label}: ${host}`,
        setup: shop,
        method: 'POST',
        url: '/admin/apps/shop/routes',
        body: { script: 'hello', methods: ['GET'], path: '/x', host },
        status: 400,
        code: 'PICLOUD_ERR_ROUTE_INVALID',
        json: { error: { message: expect.stringMatching(/host|claim/) } },
      }),
    ),
    scenario({
      name: 'refuses a module script',
      setup: shop,
      method: 'POST',
      url: '/admin/apps/shop/routes',
      body: { script: 'util', methods: ['GET'], path: '/util' },
      status: 400,
      code: 'PICLOUD_ERR_ROUTE_INVALID',
      json: { error: { message: expect.stringContaining('module') } },
    }),
    ...(
      [
        ['an unknown script name', () => 'nope'],
        ['an unknown script id', () => MISSING_UUID],
        ["another app's script by id", (f: Shop) => f.foreign.id],
      ] as const
    ).map(([label, script]) =>
      scenario({
        name: `${label} is SCRIPT_NOT_FOUND`,
        setup: shop,
        method: 'POST',
        url: '/admin/apps/shop/routes',
        body: (f) => ({ script: script(f), methods: ['GET'], path: '/x' }),
        status: 404,
        code: 'PICLOUD_ERR_SCRIPT_NOT_FOUND',
      }),
    ),
    ...(
      [
        ['no script', { methods: ['GET'], path: '/x' }, '/script'],
        ['no methods', { script: 'hello', path: '/x' }, '/methods'],
        ['an empty method list', { script: 'hello', methods: [], path: '/x' }, '/methods'],
        [
          'more than seven methods',
          { script: 'hello', methods: Array(8).fill('GET'), path: '/x' },
          '/methods',
        ],
        ['an empty method', { script: 'hello', methods: [''], path: '/x' }, '/methods/0'],
        ['no path', { script: 'hello', methods: ['GET'] }, '/path'],
        ['an empty path', { script: 'hello', methods: ['GET'], path: '' }, '/path'],
        [
          'a path over 512 characters',
          { script: 'hello', methods: ['GET'], path: `/${'a'.repeat(512)}` },
          '/path',
        ],
        ['an unknown property', { script: 'hello', methods: ['GET'], path: '/x', priority: 1 }, '/priority'],
      ] as const
    ).map(([label, body, path]) =>
      scenario({
        name: `refuses ${label}`,
        setup: shop,
        method: 'POST',
        url: '/admin/apps/shop/routes',
        body,
        status: 400,
        code: 'PICLOUD_ERR_HTTP_VALIDATION',
        json: { error: { details: expect.arrayContaining([expect.objectContaining({ in: 'body', path })]) } },
      }),
    ),
    scenario({
      name: 'an unknown app is APP_NOT_FOUND',
      method: 'POST',
      url: '/admin/apps/nothing/routes',
      body: { script: 'hello', methods: ['GET'], path: '/x' },
      status: 404,
      code: 'PICLOUD_ERR_APP_NOT_FOUND',
    }),
  ]);
});

describe('conflicts', () => {
  runScenarios(server, [
    ...(
      [
        ['the same shape with another parameter name', { methods: ['GET'], path: '/users/:uid' }],
        ['the same path', { methods: ['GET'], path: '/users/:id' }],
        ['overlapping methods', { methods: ['POST', 'GET'], path: '/users/:user' }],
        ['a method in another case', { methods: ['get'], path: '/users/:x' }],
      ] as const
    ).map(([label, route]) =>
      scenario({
        name: `${label} is ROUTE_CONFLICT, naming the other route`,
        setup: shopWithRoute(),
        method: 'POST',
        url: '/admin/apps/shop/routes',
        body: { script: 'bye', ...route },
        status: 409,
        code: 'PICLOUD_ERR_ROUTE_CONFLICT',
        json: (f: ShopWithRoute) => ({
          error: {
            message: expect.stringContaining('/users/:id'),
            details: { route: { id: f.route.id, methods: ['GET'], path: '/users/:id', host: null } },
          },
        }),
      }),
    ),
    scenario({
      name: 'the same shape on the same host is ROUTE_CONFLICT',
      setup: shopWithRoute([{ script: 'hello', methods: ['GET'], path: '/items/:id', host: 'api.home.lan' }]),
      method: 'POST',
      url: '/admin/apps/shop/routes',
      body: { script: 'bye', methods: ['GET', 'DELETE'], path: '/items/:item', host: 'API.home.lan' },
      status: 409,
      code: 'PICLOUD_ERR_ROUTE_CONFLICT',
      json: { error: { details: { route: { path: '/items/:id', host: 'api.home.lan' } } } },
    }),
    ...(
      [
        ['the same shape with other methods', { methods: ['POST', 'DELETE'], path: '/users/:uid' }],
        ['the same shape on a host', { methods: ['GET'], path: '/users/:uid', host: 'api.home.lan' }],
        ['a static segment where the other has a parameter', { methods: ['GET'], path: '/users/me' }],
        ['a wildcard where the other has a parameter', { methods: ['GET'], path: '/users/*' }],
        ['a longer path', { methods: ['GET'], path: '/users/:id/posts' }],
      ] as const
    ).map(([label, route]) =>
      scenario({
        name: `${label} is no conflict`,
        setup: shopWithRoute(),
        method: 'POST',
        url: '/admin/apps/shop/routes',
        body: { script: 'bye', ...route },
        status: 201,
        changes: ['routes'],
        after: async (_f, t) => expect(await count(t, 'routes')).toBe(2),
        events: routesEvent,
      }),
    ),
    scenario({
      name: 'the same route in another app is no conflict',
      setup: shopWithRoute(),
      method: 'POST',
      url: '/admin/apps/other/routes',
      body: { script: 'hello', methods: ['GET'], path: '/users/:id' },
      status: 201,
      changes: ['routes'],
      events: (f) => [{ topic: 'routes', app: f.other.id }],
    }),
  ]);
});

describe('read', () => {
  runScenarios(server, [
    scenario({
      name: "lists an app's routes by path",
      setup: shopWithRoute([
        { script: 'bye', methods: ['DELETE'], path: '/bye' },
        { script: 'hello', methods: ['GET'], path: '/' },
      ]),
      method: 'GET',
      url: '/admin/apps/shop/routes',
      status: 200,
      expect: (response) => {
        expect(
          response.body.items.map((r: { path: string; script_name: string }) => [r.path, r.script_name]),
        ).toEqual([
          ['/', 'hello'],
          ['/bye', 'bye'],
          ['/users/:id', 'hello'],
        ]);
      },
    }),
    scenario({
      name: 'an app without routes has an empty list',
      setup: shopWithRoute(),
      method: 'GET',
      url: '/admin/apps/other/routes',
      status: 200,
      json: { items: [] },
    }),
    scenario({
      name: 'gets one route',
      setup: shopWithRoute(),
      method: 'GET',
      url: (f) => `/admin/apps/shop/routes/${f.route.id}`,
      status: 200,
      json: (f) => ({ id: f.route.id, path: '/users/:id', methods: ['GET'], script_name: 'hello' }),
    }),
    ...(
      [
        ['an unknown id', () => MISSING_UUID, 'shop'],
        ['a reference that is not an id', () => 'users', 'shop'],
        ["another app's route", (f: ShopWithRoute) => f.route.id, 'other'],
      ] as const
    ).map(([label, ref, app]) =>
      scenario({
        name: `${label} is ROUTE_NOT_FOUND`,
        setup: shopWithRoute(),
        method: 'GET',
        url: (f) => `/admin/apps/${app}/routes/${ref(f)}`,
        status: 404,
        code: 'PICLOUD_ERR_ROUTE_NOT_FOUND',
      }),
    ),
  ]);
});

describe('change', () => {
  const patch = (body: Record<string, unknown> | ((f: ShopWithRoute) => Record<string, unknown>)) => ({
    setup: shopWithRoute([{ script: 'bye', methods: ['GET'], path: '/bye' }]),
    method: 'PATCH' as const,
    url: (f: ShopWithRoute) => `/admin/apps/shop/routes/${f.route.id}`,
    body,
  });

  runScenarios(server, [
    scenario({
      name: 'changes the path; unspecified fields keep their values',
      ...patch({ path: '/people/:id' }),
      status: 200,
      changes: ['routes'],
      json: (f) => ({
        id: f.route.id,
        path: '/people/:id',
        methods: ['GET'],
        script_name: 'hello',
        host: null,
      }),
      after: async (f, t) => {
        expect(await rows(t, 'SELECT path, path_shape FROM routes WHERE id = $1', [f.route.id])).toEqual([
          { path: '/people/:id', path_shape: '/people/:' },
        ]);
      },
      events: routesEvent,
    }),
    scenario({
      name: 'changes the methods',
      ...patch({ methods: ['put', 'patch'] }),
      status: 200,
      changes: ['routes'],
      json: { methods: ['PATCH', 'PUT'] },
      events: routesEvent,
    }),
    scenario({
      name: 'changes the script',
      ...patch((f) => ({ script: f.bye.id })),
      status: 200,
      changes: ['routes'],
      json: (f) => ({ script_id: f.bye.id, script_name: 'bye' }),
      events: routesEvent,
    }),
    scenario({
      name: 'sets a host',
      ...patch({ host: 'x.devices.home.lan' }),
      status: 200,
      changes: ['routes'],
      json: { host: 'x.devices.home.lan' },
      events: routesEvent,
    }),
    scenario({
      name: 'clears the host with null',
      setup: async () => {
        const f = await shop();
        const route = await t.createRoute('shop', {
          script: 'hello',
          methods: ['GET'],
          path: '/x',
          host: 'api.home.lan',
        });
        return { ...f, route };
      },
      method: 'PATCH',
      url: (f) => `/admin/apps/shop/routes/${f.route.id}`,
      body: { host: null },
      status: 200,
      changes: ['routes'],
      json: { host: null, path: '/x' },
      events: routesEvent,
    }),
    scenario({
      name: 'keeping its own shape is no conflict with itself',
      ...patch({ path: '/users/:uid', methods: ['GET', 'HEAD'] }),
      status: 200,
      changes: ['routes'],
      json: { path: '/users/:uid', methods: ['GET', 'HEAD'] },
      events: routesEvent,
    }),
    scenario({
      name: 'taking the shape of another route is ROUTE_CONFLICT',
      ...patch({ path: '/bye' }),
      status: 409,
      code: 'PICLOUD_ERR_ROUTE_CONFLICT',
      json: { error: { details: { route: { path: '/bye' } } } },
    }),
    scenario({
      name: 'an invalid path is ROUTE_INVALID',
      ...patch({ path: '/api/users' }),
      status: 400,
      code: 'PICLOUD_ERR_ROUTE_INVALID',
    }),
    scenario({
      name: 'a host the app does not claim is ROUTE_INVALID',
      ...patch({ host: 'other.home.lan' }),
      status: 400,
      code: 'PICLOUD_ERR_ROUTE_INVALID',
    }),
    scenario({
      name: 'a module script is ROUTE_INVALID',
      ...patch({ script: 'util' }),
      status: 400,
      code: 'PICLOUD_ERR_ROUTE_INVALID',
    }),
    scenario({
      name: 'an unknown method is ROUTE_INVALID',
      ...patch({ methods: ['BREW'] }),
      status: 400,
      code: 'PICLOUD_ERR_ROUTE_INVALID',
    }),
    scenario({
      name: 'an unknown script is SCRIPT_NOT_FOUND',
      ...patch({ script: 'nope' }),
      status: 404,
      code: 'PICLOUD_ERR_SCRIPT_NOT_FOUND',
    }),
    scenario({
      name: 'an unknown property is a validation error',
      ...patch({ app: 'other' }),
      status: 400,
      code: 'PICLOUD_ERR_HTTP_VALIDATION',
      json: { error: { details: [{ in: 'body', path: '/app' }] } },
    }),
    scenario({
      name: 'an unknown route is ROUTE_NOT_FOUND',
      setup: shop,
      method: 'PATCH',
      url: `/admin/apps/shop/routes/${MISSING_UUID}`,
      body: { path: '/x' },
      status: 404,
      code: 'PICLOUD_ERR_ROUTE_NOT_FOUND',
    }),
    scenario({
      name: "another app's route is ROUTE_NOT_FOUND",
      setup: shopWithRoute(),
      method: 'PATCH',
      url: (f) => `/admin/apps/other/routes/${f.route.id}`,
      body: { path: '/x' },
      status: 404,
      code: 'PICLOUD_ERR_ROUTE_NOT_FOUND',
    }),
  ]);
});

describe('required_scope', () => {
  const namesRequiredScope = (response: { body: { error: { details: unknown } } }) =>
    expect(response.body.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ in: 'body', path: '/required_scope' })]),
    );
  const scopeOf = (t: ManagerTestServer, id: string) =>
    rows(t, 'SELECT required_scope FROM routes WHERE id = $1', [id]);

  runScenarios(server, [
    scenario({
      name: 'create: a route that requires a token with a scope',
      setup: shop,
      method: 'POST',
      url: '/admin/apps/shop/routes',
      body: { script: 'hello', methods: ['POST'], path: '/orders', required_scope: 'endpoints:invoke' },
      status: 201,
      changes: ['routes'],
      json: { path: '/orders', required_scope: 'endpoints:invoke' },
      after: async (_f, t, response) =>
        expect(await scopeOf(t, response.body.id)).toEqual([{ required_scope: 'endpoints:invoke' }]),
      events: routesEvent,
    }),
    scenario({
      name: 'create: null is an anonymous route',
      setup: shop,
      method: 'POST',
      url: '/admin/apps/shop/routes',
      body: { script: 'hello', methods: ['GET'], path: '/open', required_scope: null },
      status: 201,
      changes: ['routes'],
      json: { required_scope: null },
      events: routesEvent,
    }),
    scenario({
      name: 'change: sets a scope, keeping the rest',
      setup: shopWithRoute(),
      method: 'PATCH',
      url: (f) => `/admin/apps/shop/routes/${f.route.id}`,
      body: { required_scope: 'logs:read' },
      status: 200,
      changes: ['routes'],
      json: { path: '/users/:id', methods: ['GET'], required_scope: 'logs:read' },
      events: routesEvent,
    }),
    scenario({
      name: 'change: null makes the route anonymous again',
      setup: async () => {
        const f = await shop();
        const route = await t.createRoute('shop', {
          script: 'hello',
          methods: ['GET'],
          path: '/x',
          required_scope: 'admin',
        });
        return { ...f, route };
      },
      method: 'PATCH',
      url: (f) => `/admin/apps/shop/routes/${f.route.id}`,
      body: { required_scope: null },
      status: 200,
      changes: ['routes'],
      json: { required_scope: null },
      after: async (f, t) => expect(await scopeOf(t, f.route.id)).toEqual([{ required_scope: null }]),
      events: routesEvent,
    }),
    scenario({
      name: 'change: leaving required_scope out keeps it',
      setup: async () => {
        const f = await shop();
        const route = await t.createRoute('shop', {
          script: 'hello',
          methods: ['GET'],
          path: '/x',
          required_scope: 'endpoints:invoke',
        });
        return { ...f, route };
      },
      method: 'PATCH',
      url: (f) => `/admin/apps/shop/routes/${f.route.id}`,
      body: { path: '/y' },
      status: 200,
      changes: ['routes'],
      json: { path: '/y', required_scope: 'endpoints:invoke' },
      events: routesEvent,
    }),
    ...(
      [
        ['an unknown scope', 'endpoints:call'],
        ['a scope in another case', 'ADMIN'],
        ['an empty scope', ''],
        ['a number', 3],
        ['a list of scopes', ['admin', 'logs:read']],
      ] as const
    ).flatMap(([label, requiredScope]) => [
      scenario({
        name: `create: refuses ${label}`,
        setup: shop,
        method: 'POST',
        url: '/admin/apps/shop/routes',
        body: { script: 'hello', methods: ['GET'], path: '/x', required_scope: requiredScope },
        status: 400,
        code: 'PICLOUD_ERR_HTTP_VALIDATION',
        expect: namesRequiredScope,
      }),
      scenario({
        name: `change: refuses ${label}`,
        setup: shopWithRoute(),
        method: 'PATCH',
        url: (f) => `/admin/apps/shop/routes/${f.route.id}`,
        body: { path: '/changed', required_scope: requiredScope },
        status: 400,
        code: 'PICLOUD_ERR_HTTP_VALIDATION',
        expect: namesRequiredScope,
      }),
    ]),
  ]);
});

describe('delete', () => {
  runScenarios(server, [
    scenario({
      name: 'deletes a route; its script stays',
      setup: shopWithRoute(),
      method: 'DELETE',
      url: (f) => `/admin/apps/shop/routes/${f.route.id}`,
      status: 204,
      changes: ['routes'],
      expect: (response) => expect(response.text).toBe(''),
      after: async (f, t) => {
        expect(await count(t, 'routes')).toBe(0);
        expect(await count(t, 'scripts', 'id = $1', [f.hello.id])).toBe(1);
      },
      events: routesEvent,
    }),
    scenario({
      name: 'an unknown route is ROUTE_NOT_FOUND',
      setup: shop,
      method: 'DELETE',
      url: `/admin/apps/shop/routes/${MISSING_UUID}`,
      status: 404,
      code: 'PICLOUD_ERR_ROUTE_NOT_FOUND',
    }),
    scenario({
      name: "another app's route is ROUTE_NOT_FOUND",
      setup: shopWithRoute(),
      method: 'DELETE',
      url: (f) => `/admin/apps/other/routes/${f.route.id}`,
      status: 404,
      code: 'PICLOUD_ERR_ROUTE_NOT_FOUND',
    }),
    scenario({
      name: 'a reference over 64 characters is a validation error',
      setup: shop,
      method: 'DELETE',
      url: `/admin/apps/shop/routes/${'a'.repeat(65)}`,
      status: 400,
      code: 'PICLOUD_ERR_HTTP_VALIDATION',
    }),
  ]);
});

describe('races', () => {
  it('two conflicting routes created at once: one wins, the other gets ROUTE_CONFLICT', async () => {
    await t.reset();
    await shop();
    for (let round = 0; round < 5; round++) {
      const path = `/race${round}/:id`;
      const responses = await Promise.all(
        ['hello', 'bye'].map((script) =>
          t.request('POST', '/admin/apps/shop/routes', { script, methods: ['GET'], path }),
        ),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(responses.find((r) => r.status === 409)!.body.error.code).toBe('PICLOUD_ERR_ROUTE_CONFLICT');
      expect(await count(t, 'routes', 'path = $1', [path])).toBe(1);
    }
  });

  it('a route created while its script becomes a module: never a route running a module', async () => {
    await t.reset();
    await shop();
    for (let round = 0; round < 5; round++) {
      const script = await t.createScript('shop', `racer${round}`, { source: 'fn f() { 1 }' });
      const [route, patch] = await Promise.all([
        t.request('POST', '/admin/apps/shop/routes', {
          script: script.name,
          methods: ['GET'],
          path: `/racer${round}`,
        }),
        t.request('PATCH', `/admin/scripts/${script.id}`, { kind: 'module' }),
      ]);
      // Exactly one of the two writes wins.
      expect([route.status, patch.status].sort(), `${route.text} / ${patch.text}`).toEqual(
        route.status === 201 ? [201, 409] : [200, 400],
      );
      expect(
        await count(t, 'routes', "script_id IN (SELECT id FROM scripts WHERE kind = 'module')"),
        'routes running a module',
      ).toBe(0);
    }
  });
});
