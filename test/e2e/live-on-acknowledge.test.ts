/**
 * A write is live when the API acknowledges it (issue 13, item 13): under load, a route or script
 * created, or a version saved, answered 404 or the old version for up to ~75 ms after its 201. The
 * node that acknowledges a change now applies it to its own routing before it answers; other nodes
 * follow through LISTEN/NOTIFY (test/e2e/change-propagation.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';
import { requestWithHost } from '../support/http.js';

let pc: TestAppliance;
let loadRunning = true;
let load: Promise<number>;

/** Callers keeping both workers and the event loop busy while the test deploys and calls. */
async function backgroundLoad(connections: number): Promise<number> {
  let served = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (loadRunning) {
        const response = await fetch(`${pc.baseUrl}/hello`);
        await response.arrayBuffer();
        served += 1;
      }
    }),
  );
  return served;
}

beforeAll(async () => {
  pc = await startTestAppliance({ publicRateLimit: 0 });
  load = backgroundLoad(4);
});

afterAll(async () => {
  loadRunning = false;
  await load;
  await pc?.stop();
});

const ROUNDS = 50;

describe('a change is live on the node that acknowledged it', () => {
  it(`a new script and route answer right after their 201 (${ROUNDS} rounds, under load)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const name = `fresh-${round}`;
      const script = await pc.api('POST', '/api/v1/admin/scripts', {
        app: 'default',
        name,
        source: `"round ${round}"`,
      });
      expect(script.status).toBe(201);
      // By id: the script is in the routing snapshot as soon as it exists.
      const byId = await pc.api('GET', `/api/v1/execute/${script.body.id}`);
      expect([byId.status, byId.body]).toEqual([200, `round ${round}`]);
      const route = await pc.api('POST', '/api/v1/admin/apps/default/routes', {
        script: name,
        methods: ['GET'],
        path: `/fresh/${round}`,
      });
      expect(route.status).toBe(201);
      const response = await fetch(`${pc.baseUrl}/fresh/${round}`);
      expect([response.status, await response.text()]).toEqual([200, `round ${round}`]);
    }
  });

  it(`a saved version, a rollback and a deleted route take effect right after the answer (${ROUNDS} rounds)`, async () => {
    const script = await pc.api('POST', '/api/v1/admin/scripts', {
      app: 'default',
      name: 'versions',
      source: '"version 1"',
    });
    await pc.api('POST', '/api/v1/admin/apps/default/routes', {
      script: 'versions',
      methods: ['GET'],
      path: '/versions',
    });
    for (let round = 2; round < ROUNDS + 2; round++) {
      const saved = await pc.api('PATCH', `/api/v1/admin/scripts/${script.body.id}`, {
        source: `"version ${round}"`,
      });
      expect(saved.status).toBe(200);
      const response = await fetch(`${pc.baseUrl}/versions`);
      expect(await response.text()).toBe(`version ${round}`);
    }
    const rolledBack = await pc.api('POST', `/api/v1/admin/scripts/${script.body.id}/rollback`, {
      version: 1,
    });
    expect(rolledBack.status).toBe(200);
    expect(await fetch(`${pc.baseUrl}/versions`).then((r) => r.text())).toBe('version 1');

    const routes = await pc.api('GET', '/api/v1/admin/apps/default/routes');
    const route = routes.body.items.find((r: { path: string }) => r.path === '/versions');
    expect((await pc.api('DELETE', `/api/v1/admin/apps/default/routes/${route.id}`)).status).toBe(204);
    expect((await fetch(`${pc.baseUrl}/versions`)).status).toBe(404);
  });

  it('a claimed domain answers, and a released one stops, right after the answer', async () => {
    expect((await pc.api('POST', '/api/v1/admin/apps', { slug: 'claims', name: 'Claims' })).status).toBe(201);
    await pc.api('POST', '/api/v1/admin/scripts', { app: 'claims', name: 'here', source: '"claimed"' });
    await pc.api('POST', '/api/v1/admin/apps/claims/routes', {
      script: 'here',
      methods: ['GET'],
      path: '/here',
    });
    for (let round = 0; round < 10; round++) {
      const host = `claims-${round}.lan`;
      expect((await pc.api('POST', '/api/v1/admin/apps/claims/domains', { pattern: host })).status).toBe(201);
      expect((await requestWithHost(`${pc.baseUrl}/here`, host)).text).toBe('claimed');
      expect((await pc.api('DELETE', `/api/v1/admin/apps/claims/domains/${host}`)).status).toBe(204);
      expect((await requestWithHost(`${pc.baseUrl}/here`, host)).json().error.code).toBe(
        'PICLOUD_ERR_HOST_UNKNOWN',
      );
    }
  });
});
