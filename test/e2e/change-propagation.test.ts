/**
 * Two PiCloud processes on one database (as in a cluster): a change saved through one is served by
 * the other within the promised 100 ms, because routing tables follow LISTEN/NOTIFY — no polling.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';
import { requestWithHost } from '../support/http.js';

let writer: TestAppliance;
let reader: TestAppliance;
beforeAll(async () => {
  writer = await startTestAppliance();
  reader = await startTestAppliance({}, writer.database);
});
afterAll(async () => {
  await reader?.stop();
  await writer?.stop();
});

it('routes, domains and new versions saved on one node are live on the other', async () => {
  await writer.api('POST', '/api/v1/admin/apps', { slug: 'shared', name: 'Shared' });
  await writer.api('POST', '/api/v1/admin/apps/shared/domains', { pattern: 'shared.lan' });
  const script = await writer.api('POST', '/api/v1/admin/scripts', {
    app: 'shared',
    name: 'v',
    source: '"one"',
  });
  await writer.api('POST', '/api/v1/admin/apps/shared/routes', { script: 'v', methods: ['GET'], path: '/v' });
  await sleep(100);
  expect((await requestWithHost(`${reader.baseUrl}/v`, 'shared.lan')).text).toBe('one');

  await writer.api('PATCH', `/api/v1/admin/scripts/${script.body.id}`, { source: '"two"' });
  await sleep(100);
  expect((await requestWithHost(`${reader.baseUrl}/v`, 'shared.lan')).text).toBe('two');

  await writer.api('DELETE', '/api/v1/admin/apps/shared/domains/shared.lan');
  await sleep(100);
  expect((await requestWithHost(`${reader.baseUrl}/v`, 'shared.lan')).json().error.code).toBe(
    'PICLOUD_ERR_HOST_UNKNOWN',
  );
});
