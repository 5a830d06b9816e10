/**
 * `GET /api/v1/openapi.json`: a well-formed OpenAPI 3.1 document that describes exactly the admin
 * routes the server registers — each with its path parameters, a summary, responses, and JSON schemas
 * that compile under OpenAPI 3.1's dialect (JSON Schema 2020-12).
 */
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRODUCT_VERSION } from '../../server/version.js';
import { createManagerTestServer, type ManagerTestServer } from '../support/manager-server.js';

// Ajv ships the 2020-12 dialect as a CommonJS default export.
const { default: Ajv2020 } = (await import('ajv/dist/2020.js')) as unknown as {
  default: new (
    options: object,
  ) => { compile(schema: object): unknown; addFormat(name: string, format: object): void };
};
const { default: addFormats } = (await import('ajv-formats')) as unknown as {
  default: (ajv: unknown) => void;
};

interface Operation {
  summary?: string;
  tags?: string[];
  parameters?: { in: string; name: string; required?: boolean; schema?: object }[];
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: object }> }>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, object> };
}

let t: ManagerTestServer;
let doc: OpenApiDocument;
const registered: RouteOptions[] = [];
beforeAll(async () => {
  t = await createManagerTestServer({ onRoute: (route) => registered.push(route) });
  const response = await t.request('GET', '/api/v1/openapi.json');
  expect(response.status).toBe(200);
  expect(String(response.headers['content-type'])).toMatch(/^application\/json/);
  doc = response.body;
});
afterAll(async () => {
  await t?.close();
});

/** Fastify's "/a/:b/c::d" as an OpenAPI path template "/a/{b}/c:d". */
function template(url: string): string {
  return url
    .replace(/::/g, '\u0000')
    .replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}')
    .replace(/\u0000/g, ':');
}

/** "get /api/v1/admin/apps" for every admin operation the server registered (HEAD is implied by GET). */
function registeredOperations(): string[] {
  const operations = registered.flatMap((route) =>
    (Array.isArray(route.method) ? route.method : [route.method])
      .filter((method) => method !== 'HEAD')
      .map((method) => `${method.toLowerCase()} ${template(route.url)}`),
  );
  return [...new Set(operations)].sort();
}

function documentedOperations(...prefixes: string[]): string[] {
  return Object.entries(doc.paths)
    .filter(([path]) => prefixes.some((prefix) => path.startsWith(prefix)))
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`))
    .sort();
}

/** Every operation of the document, with its path. */
function operations(): [string, string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(
      ([method, operation]) => [path, method, operation] as [string, string, Operation],
    ),
  );
}

describe('the document', () => {
  it('is OpenAPI 3.1 describing this product version', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: expect.stringMatching(/\S/), version: PRODUCT_VERSION });
    expect(typeof doc.paths).toBe('object');
  });

  it('lists every admin route the server registers, and nothing more', () => {
    const expected = registeredOperations();
    expect(expected.length).toBeGreaterThanOrEqual(20);
    expect(documentedOperations('/api/v1/admin/', '/api/v1/auth/')).toEqual(expected);
  });

  it.each([
    ['get', '/api/v1/admin/apps'],
    ['post', '/api/v1/admin/apps'],
    ['get', '/api/v1/admin/apps/{app}'],
    ['patch', '/api/v1/admin/apps/{app}'],
    ['delete', '/api/v1/admin/apps/{app}'],
    ['post', '/api/v1/admin/apps/{app}/slug:check'],
    ['get', '/api/v1/admin/apps/{app}/domains'],
    ['post', '/api/v1/admin/apps/{app}/domains'],
    ['delete', '/api/v1/admin/apps/{app}/domains/{domain}'],
    ['get', '/api/v1/admin/apps/{app}/routes'],
    ['post', '/api/v1/admin/apps/{app}/routes'],
    ['get', '/api/v1/admin/apps/{app}/routes/{route}'],
    ['patch', '/api/v1/admin/apps/{app}/routes/{route}'],
    ['delete', '/api/v1/admin/apps/{app}/routes/{route}'],
    ['get', '/api/v1/admin/scripts'],
    ['post', '/api/v1/admin/scripts'],
    ['get', '/api/v1/admin/scripts/{id}'],
    ['patch', '/api/v1/admin/scripts/{id}'],
    ['delete', '/api/v1/admin/scripts/{id}'],
    ['get', '/api/v1/admin/scripts/{id}/versions'],
    ['get', '/api/v1/admin/scripts/{id}/versions/{version}'],
    ['post', '/api/v1/admin/scripts/{id}/rollback'],
    ['get', '/api/v1/admin/logs'],
    ['get', '/api/v1/admin/logs/stream'],
    ['get', '/api/v1/admin/logs/{id}'],
  ])('documents %s %s', (method, path) => {
    expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
  });

  it('leaks no router syntax into paths', () => {
    for (const path of Object.keys(doc.paths)) {
      expect(path).toMatch(/^\//);
      expect(path, path).not.toMatch(/\/:|\*/);
    }
  });

  it('does not document itself or hidden routes', () => {
    expect(doc.paths['/api/v1/openapi.json']).toBeUndefined();
  });
});

describe('every admin operation', () => {
  const admin = () => operations().filter(([path]) => path.startsWith('/api/v1/admin/'));

  it('has a summary and a tag', () => {
    for (const [path, method, operation] of admin()) {
      expect(operation.summary, `${method} ${path}`).toMatch(/\S/);
      expect(operation.tags?.length, `${method} ${path}`).toBeGreaterThan(0);
    }
  });

  it('declares each path parameter of its template as a required path parameter, and no other', () => {
    for (const [path, method, operation] of admin()) {
      const inTemplate = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]).sort();
      const declared = (operation.parameters ?? []).filter((p) => p.in === 'path');
      expect(declared.map((p) => p.name).sort(), `${method} ${path}`).toEqual(inTemplate);
      for (const parameter of declared)
        expect(parameter.required, `${method} ${path} ${parameter.name}`).toBe(true);
    }
  });

  it('has responses keyed by status code, each with a description', () => {
    for (const [path, method, operation] of admin()) {
      const statuses = Object.keys(operation.responses);
      expect(statuses.length, `${method} ${path}`).toBeGreaterThan(0);
      for (const status of statuses) {
        expect(status, `${method} ${path}`).toMatch(/^([1-5]\d\d|default)$/);
        expect(operation.responses[status].description, `${method} ${path} ${status}`).toEqual(
          expect.any(String),
        );
      }
    }
  });

  it('documents a JSON request body for every write that takes one', () => {
    for (const [method, path] of [
      ['post', '/api/v1/admin/apps'],
      ['patch', '/api/v1/admin/apps/{app}'],
      ['post', '/api/v1/admin/apps/{app}/slug:check'],
      ['post', '/api/v1/admin/apps/{app}/domains'],
      ['post', '/api/v1/admin/apps/{app}/routes'],
      ['patch', '/api/v1/admin/apps/{app}/routes/{route}'],
      ['post', '/api/v1/admin/scripts'],
      ['patch', '/api/v1/admin/scripts/{id}'],
      ['post', '/api/v1/admin/scripts/{id}/rollback'],
    ]) {
      expect(
        doc.paths[path][method].requestBody?.content['application/json']?.schema,
        `${method} ${path}`,
      ).toEqual(expect.objectContaining({ type: 'object' }));
    }
  });

  it.each([
    ['/api/v1/admin/apps', ['cursor', 'limit']],
    ['/api/v1/admin/scripts', ['app', 'cursor', 'kind', 'limit']],
    ['/api/v1/admin/scripts/{id}/versions', ['cursor', 'limit']],
    ['/api/v1/admin/logs', ['app', 'cursor', 'limit', 'script', 'since', 'status', 'until']],
    ['/api/v1/admin/logs/stream', ['app', 'script', 'status']],
  ])('GET %s documents its query parameters', (path, names) => {
    const query = (doc.paths[path].get.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    expect(query.sort()).toEqual(names);
  });

  it.each([
    ['post', '/api/v1/admin/apps', '409'],
    ['post', '/api/v1/admin/apps/{app}/domains', '409'],
    ['post', '/api/v1/admin/scripts', '422'],
    ['post', '/api/v1/admin/apps/{app}/routes', '409'],
    ['get', '/api/v1/admin/logs/{id}', '404'],
  ])('%s %s documents the error body for %s', (method, path, status) => {
    const schema = doc.paths[path][method].responses[status]?.content?.['application/json']?.schema as {
      properties?: { error?: { required?: string[] } };
    };
    expect(schema?.properties?.error?.required).toEqual(expect.arrayContaining(['code', 'message']));
  });
});

describe('schemas', () => {
  /** Every object under `node` that has a `$ref`. */
  function refs(node: unknown, found: string[] = []): string[] {
    if (Array.isArray(node)) for (const item of node) refs(item, found);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string') found.push(value);
        else refs(value, found);
      }
    }
    return found;
  }

  it('every $ref points into the document', () => {
    for (const ref of refs(doc)) {
      expect(ref, ref).toMatch(/^#\//);
      const target = ref
        .slice(2)
        .split('/')
        .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
      expect(target, ref).toBeDefined();
    }
  });

  it('every parameter, body and response schema compiles as JSON Schema 2020-12', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const resolve = (schema: object) => ({ ...schema, components: doc.components ?? {} });
    let compiled = 0;
    for (const [path, method, operation] of operations()) {
      const schemas = [
        ...(operation.parameters ?? []).map((p) => p.schema).filter((s): s is object => s !== undefined),
        ...Object.values(operation.requestBody?.content ?? {}).map((c) => c.schema),
        ...Object.values(operation.responses).flatMap((r) =>
          Object.values(r.content ?? {}).map((c) => c.schema),
        ),
      ];
      for (const schema of schemas) {
        // $refs are "#/components/schemas/...": resolve them against a copy carrying the components.
        expect(() => ajv.compile(resolve(schema)), `${method} ${path}`).not.toThrow();
        compiled += 1;
      }
    }
    expect(compiled).toBeGreaterThan(50);
  });
});
