/**
 * Malformed requests against every admin write: bodies that are not JSON objects, the wrong content
 * type, oversized bodies, missing bodies, unknown methods. Each must be refused with its stable code
 * and change nothing (the scenario runner compares every manager table before and after).
 */
import { afterAll, beforeAll, describe } from 'vitest';
import type { ErrorCode } from '../../server/errors/catalogue.js';
import { createManagerTestServer, type ManagerTestServer, type Method } from '../support/manager-server.js';
import { runScenarios, type Scenario, scenario } from './scenario.js';

let t: ManagerTestServer;
beforeAll(async () => {
  t = await createManagerTestServer();
});
afterAll(async () => {
  await t?.close();
});

/** An app with a script and a route, so every write has something to address. */
async function everything() {
  await t.createApp('shop');
  const script = await t.createScript('shop', 'hello');
  const route = await t.createRoute('shop', { script: 'hello', methods: ['GET'], path: '/hello' });
  return { script: script.id as string, route: route.id as string };
}
type Fixture = Awaited<ReturnType<typeof everything>>;

const WRITES: [Method, string][] = [
  ['POST', '/admin/apps'],
  ['PATCH', '/admin/apps/shop'],
  ['POST', '/admin/apps/shop/slug:check'],
  ['POST', '/admin/apps/shop/domains'],
  ['POST', '/admin/scripts'],
  ['PATCH', '/admin/scripts/{script}'],
  ['POST', '/admin/scripts/{script}/rollback'],
  ['POST', '/admin/apps/shop/routes'],
  ['PATCH', '/admin/apps/shop/routes/{route}'],
];

const BODIES: [string, string | undefined, string | undefined, number, ErrorCode][] = [
  ['malformed JSON', '{"name": ', 'application/json', 400, 'PICLOUD_ERR_HTTP_BAD_BODY'],
  ['an empty JSON body', '', 'application/json', 400, 'PICLOUD_ERR_HTTP_BAD_BODY'],
  ['a JSON array', '[{"name": "x"}]', 'application/json', 400, 'PICLOUD_ERR_HTTP_VALIDATION'],
  ['a JSON string', '"shop"', 'application/json', 400, 'PICLOUD_ERR_HTTP_VALIDATION'],
  ['a JSON number', '42', 'application/json', 400, 'PICLOUD_ERR_HTTP_VALIDATION'],
  ['JSON null', 'null', 'application/json', 400, 'PICLOUD_ERR_HTTP_VALIDATION'],
  ['no body at all', undefined, undefined, 400, 'PICLOUD_ERR_HTTP_VALIDATION'],
  [
    'a form body',
    'name=x',
    'application/x-www-form-urlencoded',
    415,
    'PICLOUD_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE',
  ],
  // Fastify parses text/plain as a string, which the body schema (an object) then refuses.
  ['a text body', 'name', 'text/plain', 400, 'PICLOUD_ERR_HTTP_VALIDATION'],
  [
    'a body over 1 MiB',
    JSON.stringify({ description: 'x'.repeat(1024 * 1024) }),
    'application/json',
    413,
    'PICLOUD_ERR_HTTP_BODY_TOO_LARGE',
  ],
];

const url = (path: string) => (f: Fixture) => path.replace('{script}', f.script).replace('{route}', f.route);

describe('every write refuses a body that is not a JSON object', () => {
  const scenarios: Scenario[] = WRITES.flatMap(([method, path]) =>
    BODIES.map(([label, body, contentType, status, code]) =>
      scenario({
        name: `${method} ${path}: ${label} → ${status} ${code}`,
        setup: everything,
        method,
        url: url(path),
        body,
        headers: contentType ? { 'content-type': contentType } : {},
        status,
        code,
      }),
    ),
  );
  runScenarios(() => t, scenarios);
});

describe('methods and paths the admin API does not have', () => {
  runScenarios(
    () => t,
    (
      [
        ['PUT', '/admin/apps/shop'],
        ['POST', '/admin/apps/shop'],
        ['DELETE', '/admin/apps'],
        ['PUT', '/admin/scripts/{script}'],
        ['POST', '/admin/logs'],
        ['DELETE', '/admin/logs'],
        ['GET', '/admin/apps/shop/slug:check'],
        ['GET', '/admin/apps/shop/domains/localhost'],
        ['GET', '/admin/apps/shop/scripts'],
        ['GET', '/admin/app'],
        ['GET', '/admin'],
      ] as const
    ).map(([method, path]) =>
      scenario({
        name: `${method} ${path} → 404 API_NOT_FOUND`,
        setup: everything,
        method,
        url: url(path),
        body: method === 'GET' || method === 'DELETE' ? undefined : {},
        status: 404,
        code: 'PICLOUD_ERR_API_NOT_FOUND',
      }),
    ),
  );
});
