/**
 * Route path patterns (server/routing/path-pattern.ts): validation, parameter names, the shape used for
 * conflict detection, and method lists. The router that matches requests is find-my-way, so the
 * patterns are also checked against it: every valid pattern registers, matches what it should, and
 * two patterns collide in the router exactly when their shapes are equal.
 */
import FindMyWay from 'find-my-way';
import { describe, expect, it } from 'vitest';
import { parseMethods, parsePathPattern, ROUTE_METHODS } from '../../server/routing/path-pattern.js';

/** Valid patterns: [input, stored path, shape, parameter names]. */
const VALID: [string, string, string, string[]][] = [
  ['/', '/', '/', []],
  ['/hello', '/hello', '/hello', []],
  ['  /hello  ', '/hello', '/hello', []],
  ['/users/:id', '/users/:id', '/users/:', ['id']],
  ['/users/:ID', '/users/:ID', '/users/:', ['ID']],
  ['/users/:_', '/users/:_', '/users/:', ['_']],
  ['/users/:user_id2', '/users/:user_id2', '/users/:', ['user_id2']],
  [`/x/:${'p'.repeat(64)}`, `/x/:${'p'.repeat(64)}`, '/x/:', ['p'.repeat(64)]],
  ['/users/:userId/posts/:postId', '/users/:userId/posts/:postId', '/users/:/posts/:', ['userId', 'postId']],
  ['/:a/:b/:c', '/:a/:b/:c', '/:/:/:', ['a', 'b', 'c']],
  ['/files/*', '/files/*', '/files/*', ['*']],
  ['/*', '/*', '/*', ['*']],
  ['/users/:id/files/*', '/users/:id/files/*', '/users/:/files/*', ['id', '*']],
  ['/a.b~c/_d-e/f@g', '/a.b~c/_d-e/f@g', '/a.b~c/_d-e/f@g', []],
  ["/x/!$&'()+,;=", "/x/!$&'()+,;=", "/x/!$&'()+,;=", []],
  ['/v1.2/items', '/v1.2/items', '/v1.2/items', []],
  ['/API', '/API', '/API', []],
  ['/apis', '/apis', '/apis', []],
  ['/apix/y', '/apix/y', '/apix/y', []],
  ['/healthz/deep', '/healthz/deep', '/healthz/deep', []],
  ['/versions', '/versions', '/versions', []],
  ['/wire', '/wire', '/wire', []],
  [`/${'a'.repeat(511)}`, `/${'a'.repeat(511)}`, `/${'a'.repeat(511)}`, []],
];

/** Invalid patterns: [label, input, reason]. */
const INVALID: [string, string, RegExp][] = [
  ['empty', '', /start with "\/"/],
  ['no leading slash', 'hello', /start with "\/"/],
  ['a full URL', 'http://x/hello', /start with "\/"/],
  ['over 512 characters', `/${'a'.repeat(512)}`, /at most 512/],
  ['the reserved /api', '/api', /reserved/],
  ['the reserved /api/', '/api/', /reserved/],
  ['the reserved /api/...', '/api/v1/admin/apps', /reserved/],
  ['the reserved /healthz', '/healthz', /reserved/],
  ['the reserved /version', '/version', /reserved/],
  ['the reserved /wire/...', '/wire/x', /reserved/],
  ['a trailing slash', '/hello/', /must not end with "\/"/],
  ['"//"', '/a//b', /"\/\/"/],
  ['a leading "//"', '//a', /"\/\/"/],
  ['a parameter without a name', '/users/:', /not a valid parameter/],
  ['a parameter starting with a digit', '/users/:1', /not a valid parameter/],
  ['a parameter with a dash', '/users/:user-id', /not a valid parameter/],
  ['a parameter with a dot', '/users/:id.json', /not a valid parameter/],
  ['a parameter with a regular expression', '/users/:id(^\\d+$)', /not a valid parameter/],
  ['two parameters in a segment', '/users/:a:b', /not a valid parameter/],
  ['a parameter name over 64 characters', `/x/:${'p'.repeat(65)}`, /not a valid parameter/],
  ['a repeated parameter', '/users/:id/friends/:id', /appears twice/],
  ['"*" not last', '/files/*/meta', /last segment/],
  ['two wildcards', '/*/*', /last segment/],
  ['"*" inside a segment', '/files/a*', /not allowed/],
  ['a named wildcard', '/files/*path', /not allowed/],
  ['a colon inside a segment', '/a:b', /not allowed/],
  ['a space', '/hello world', /not allowed/],
  ['a query string', '/hello?x=1', /not allowed/],
  ['a fragment', '/hello#top', /not allowed/],
  ['a percent escape', '/a%20b', /not allowed/],
  ['a backslash', '/a\\b', /not allowed/],
  ['non-ASCII', '/café', /not allowed/],
  ['a tab', '/a\tb', /not allowed/],
];

describe('parsePathPattern', () => {
  it.each(VALID)('%j is valid', (input, path, shape, params) => {
    expect(parsePathPattern(input)).toEqual({ path, shape, params });
  });

  it.each(INVALID)('refuses %s', (_label, input, reason) => {
    expect(parsePathPattern(input)).toEqual({ error: expect.stringMatching(reason) });
  });

  it('gives patterns that differ only in parameter names the same shape', () => {
    const shape = (input: string) => (parsePathPattern(input) as { shape: string }).shape;
    expect(shape('/users/:id')).toBe(shape('/users/:uid'));
    expect(shape('/a/:x/b/:y')).toBe(shape('/a/:p/b/:q'));
    expect(shape('/users/:id')).not.toBe(shape('/users/me'));
    expect(shape('/users/:id')).not.toBe(shape('/users/*'));
    expect(shape('/users/:id')).not.toBe(shape('/users/:id/x'));
  });
});

describe('agreement with the router (find-my-way)', () => {
  it.each(VALID.filter(([, path]) => path.length < 200))('registers %j', (_input, path) => {
    const router = FindMyWay();
    expect(() => router.on('GET', path, () => undefined)).not.toThrow();
  });

  it.each([
    ['/users/:id', '/users/42', { id: '42' }],
    ['/users/:userId/posts/:postId', '/users/7/posts/hello-world', { userId: '7', postId: 'hello-world' }],
    ['/files/*', '/files/a/b/c.txt', { '*': 'a/b/c.txt' }],
    ['/files/*', '/files/', { '*': '' }],
    ['/users/:id/files/*', '/users/9/files/x', { id: '9', '*': 'x' }],
    ['/a.b~c/_d-e/f@g', '/a.b~c/_d-e/f@g', {}],
    ['/', '/', {}],
  ])('%s matches %s with %o', (path, url, params) => {
    const router = FindMyWay();
    router.on('GET', path, () => undefined);
    expect({ ...router.find('GET', url)?.params }).toEqual(params);
  });

  const pairs: [string, string][] = [
    ['/users/:id', '/users/:uid'],
    ['/users/:id', '/users/me'],
    ['/users/:id', '/users/*'],
    ['/users/:id', '/users/:id/posts'],
    ['/a/:x/b/:y', '/a/:p/b/:q'],
    ['/a/:x/b', '/a/:x/c'],
    ['/files/*', '/files/*'],
    ['/files/*', '/*'],
    ['/hello', '/hello'],
    ['/hello', '/Hello'],
  ];
  it.each(pairs)('%s and %s collide in the router exactly when their shapes are equal', (a, b) => {
    const shapeA = (parsePathPattern(a) as { shape: string }).shape;
    const shapeB = (parsePathPattern(b) as { shape: string }).shape;
    const router = FindMyWay();
    router.on('GET', a, () => undefined);
    let collides = false;
    try {
      router.on('GET', b, () => undefined);
    } catch {
      collides = true;
    }
    expect(collides).toBe(shapeA === shapeB);
  });
});

describe('parseMethods', () => {
  it.each([
    [['GET'], ['GET']],
    [['get'], ['GET']],
    [[' post '], ['POST']],
    [
      ['POST', 'GET'],
      ['GET', 'POST'],
    ],
    [['GET', 'get', 'Get'], ['GET']],
    [[...ROUTE_METHODS].reverse(), [...ROUTE_METHODS].sort()],
  ])('%j → %j', (input, methods) => {
    expect(parseMethods(input)).toEqual(methods);
  });

  it.each([
    [[], /at least one/],
    [['FETCH'], /"FETCH" is not a supported method/],
    [['GET', 'TRACE'], /"TRACE"/],
    [['CONNECT'], /"CONNECT"/],
    [[''], /"" is not a supported method/],
    [['G ET'], /"G ET"/],
  ])('refuses %j', (input, reason) => {
    expect(parseMethods(input)).toEqual({ error: expect.stringMatching(reason) });
  });

  it('supports exactly the methods a route may name', () => {
    expect([...ROUTE_METHODS].sort()).toEqual(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
  });
});
