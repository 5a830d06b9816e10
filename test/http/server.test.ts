/**
 * The HTTP surface every later feature builds on, driven in-process with `inject`: the two listeners
 * (the panel's and the endpoints'), health, versions, the versioned API prefix, the one error format
 * (including schema validation and body parsing), request ids and draining.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, databaseIsHealthy } from '../../server/db/database.js';
import { latestSchemaVersion, readMigrations } from '../../server/db/migrator.js';
import { buildServer } from '../../server/http/build-server.js';
import { MIGRATIONS_DIR } from '../../server/paths.js';
import { PRODUCT_VERSION } from '../../server/version.js';
import { createTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await createTestServer({
    apiPlugins: [
      // A route with a schema, to see validation errors in the common format.
      async (app) => {
        app.post(
          '/test/echo',
          {
            config: { access: { public: true } },
            schema: {
              body: {
                type: 'object',
                required: ['name'],
                additionalProperties: false,
                properties: {
                  name: { type: 'string', minLength: 1 },
                  count: { type: 'integer', minimum: 0 },
                },
              },
            },
          },
          async (request) => request.body,
        );
        app.get('/test/boom', { config: { access: { public: true } } }, async () => {
          throw new Error('secret internal detail');
        });
      },
    ],
  });
});
afterAll(async () => {
  await server.close();
});

describe('health and versions', () => {
  it.each(['panel', 'endpoints'] as const)(
    'GET /healthz answers plain-text ok on the %s listener',
    async (listener) => {
      const response = await server[listener].inject({ url: '/healthz' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(response.body).toBe('ok');
    },
  );

  it('GET /healthz answers 503 in the error format when the database is unreachable', async () => {
    // A real pool aimed at a port where nothing listens.
    const deadPool = createPool('postgres://nobody:x@127.0.0.1:1/none', () => undefined);
    const dead = await buildServer({
      logger: pino({ level: 'silent' }),
      panelDir: null,
      schemaVersion: 1,
      databaseIsHealthy: () => databaseIsHealthy(deadPool, 1_000),
    });
    const response = await dead.endpoints.inject({ url: '/healthz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      error: { code: 'PICLOUD_ERR_DB_UNAVAILABLE', message: expect.any(String) },
    });
    await dead.close();
    await deadPool.end();
  });

  it.each(['panel', 'endpoints'] as const)(
    'GET /version on the %s listener reports every surface, schema = latest migration',
    async (listener) => {
      const response = await server[listener].inject({ url: '/version' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        product: PRODUCT_VERSION,
        sdk: '1.3',
        api: 1,
        schema: latestSchemaVersion(readMigrations(MIGRATIONS_DIR)),
        wire: 1,
      });
    },
  );
});

describe('unknown paths', () => {
  it.each([
    ['GET', '/api/admin/scripts', 'PICLOUD_ERR_API_NOT_FOUND'],
    ['GET', '/api/v2/x', 'PICLOUD_ERR_API_NOT_FOUND'],
    ['POST', '/api/v0/apps', 'PICLOUD_ERR_API_NOT_FOUND'],
    ['GET', '/api', 'PICLOUD_ERR_API_NOT_FOUND'],
    ['GET', '/api/v1/no-such-thing', 'PICLOUD_ERR_API_NOT_FOUND'],
    ['DELETE', '/api/v1/admin/everything', 'PICLOUD_ERR_API_NOT_FOUND'],
    ['GET', '/no/such/page', 'PICLOUD_ERR_HTTP_NOT_FOUND'],
  ])('%s %s → 404 JSON %s', async (method, url, code) => {
    // The endpoints' listener sends the control plane to the panel's (see below).
    const listeners = url.startsWith('/api/v1/admin') ? [server.panel] : [server.panel, server.endpoints];
    for (const listener of listeners) {
      const response = await listener.inject({ method: method as 'GET', url });
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.json()).toEqual({ error: { code, message: expect.stringContaining(url) } });
    }
  });

  it('never answers an /api path with the panel HTML', async () => {
    const response = await server.panel.inject({ url: '/api/index.html' });
    expect(response.statusCode).toBe(404);
    expect(response.body).not.toContain('<html');
  });

  it("serves the panel at / on the panel's listener only", async () => {
    const response = await server.panel.inject({ url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    for (const url of ['/', '/index.html']) {
      const elsewhere = await server.endpoints.inject({ url });
      expect(elsewhere.statusCode).toBe(404);
      expect(elsewhere.body).not.toContain('<html');
    }
  });
});

describe('the two listeners', () => {
  it.each([
    ['GET', '/api/v1/admin/apps'],
    ['POST', '/api/v1/admin/tokens'],
    ['GET', '/api/v1/auth/status'],
    ['POST', '/api/v1/auth/login'],
    ['GET', '/api/v1/admin'],
  ])("the endpoints' listener answers %s %s with PICLOUD_ERR_API_WRONG_PORT", async (method, url) => {
    const response = await server.endpoints.inject({ method: method as 'GET', url });
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toMatchObject({
      code: 'PICLOUD_ERR_API_WRONG_PORT',
      details: { listener: 'panel' },
    });
  });

  it("the panel's listener answers /api/v1/execute/{id} with PICLOUD_ERR_API_WRONG_PORT", async () => {
    const response = await server.panel.inject({
      method: 'POST',
      url: '/api/v1/execute/00000000-0000-0000-0000-000000000000',
    });
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toMatchObject({
      code: 'PICLOUD_ERR_API_WRONG_PORT',
      details: { listener: 'endpoints' },
    });
  });

  it("refuses to register a control-plane route on the endpoints' listener, and a data-plane one on the panel's", async () => {
    const base = {
      logger: pino({ level: 'silent' }),
      panelDir: null,
      schemaVersion: 1,
      databaseIsHealthy: async () => true,
      accessControl: async () => undefined,
    };
    const route = (url: string) => async (app: import('fastify').FastifyInstance) => {
      app.get(url, { config: { access: { public: true } } }, async () => ({}));
    };
    await expect(buildServer({ ...base, endpointApiPlugins: [route('/admin/apps')] })).rejects.toThrow(
      /belongs on the panel listener/,
    );
    await expect(buildServer({ ...base, endpointApiPlugins: [route('/auth/status')] })).rejects.toThrow(
      /belongs on the panel listener/,
    );
    await expect(buildServer({ ...base, apiPlugins: [route('/execute/:id')] })).rejects.toThrow(
      /belongs on the endpoints listener/,
    );
  });
});

describe('one error format', () => {
  it.each([
    ['a missing required property', { count: 1 }, '/name'],
    ['a wrong type', { name: 'x', count: 'many' }, '/count'],
    ['an unknown property', { name: 'x', extra: true }, '/extra'],
  ])('schema validation: %s', async (_label, body, path) => {
    const response = await server.panel.inject({ method: 'POST', url: '/api/v1/test/echo', payload: body });
    expect(response.statusCode).toBe(400);
    const json = response.json();
    expect(json.error.code).toBe('PICLOUD_ERR_HTTP_VALIDATION');
    expect(json.error.message).toMatch(/^Invalid body: /);
    expect(json.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ in: 'body', path })]),
    );
  });

  it('a valid body passes', async () => {
    const response = await server.panel.inject({
      method: 'POST',
      url: '/api/v1/test/echo',
      payload: { name: 'pi' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ name: 'pi' });
  });

  it.each([
    ['malformed JSON', '{"name": ', 'application/json', 400, 'PICLOUD_ERR_HTTP_BAD_BODY'],
    ['an empty JSON body', '', 'application/json', 400, 'PICLOUD_ERR_HTTP_BAD_BODY'],
    [
      'an unsupported content type',
      'name=pi',
      'application/x-www-form-urlencoded',
      415,
      'PICLOUD_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a body over the limit',
      JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10) }),
      'application/json',
      413,
      'PICLOUD_ERR_HTTP_BODY_TOO_LARGE',
    ],
  ])('%s', async (_label, payload, contentType, status, code) => {
    const response = await server.panel.inject({
      method: 'POST',
      url: '/api/v1/test/echo',
      payload,
      headers: { 'content-type': contentType },
    });
    expect(response.statusCode).toBe(status);
    expect(response.json()).toEqual({ error: { code, message: expect.any(String) } });
  });

  it('an unexpected failure is a generic 500 that leaks nothing', async () => {
    const response = await server.panel.inject({ url: '/api/v1/test/boom' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      error: { code: 'PICLOUD_ERR_INTERNAL', message: 'Internal server error' },
    });
    expect(response.body).not.toContain('secret');
  });
});

describe('request ids', () => {
  it('makes one when the caller sends none', async () => {
    const response = await server.panel.inject({ url: '/healthz' });
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps a well-formed caller id and replaces a hostile one', async () => {
    const kept = await server.panel.inject({ url: '/healthz', headers: { 'x-request-id': 'proxy-123.abc' } });
    expect(kept.headers['x-request-id']).toBe('proxy-123.abc');
    const replaced = await server.panel.inject({
      url: '/healthz',
      headers: { 'x-request-id': 'bad id\u0007<script>' },
    });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('draining', () => {
  it('answers 503 in the error format once shutdown has begun', async () => {
    const draining = await createTestServer();
    try {
      draining.beginShutdown();
      const response = await draining.endpoints.inject({ url: '/version' });
      expect(response.statusCode).toBe(503);
      expect(response.json().error.code).toBe('PICLOUD_ERR_SERVER_SHUTTING_DOWN');
    } finally {
      await draining.close();
    }
  });
});
