/**
 * `secrets.key` is checked at every use, not only at start-up: on a running appliance, a key file
 * made readable by others (chmod 644) stops both saving a secret (500 PICLOUD_ERR_SECRET_KEY_UNUSABLE)
 * and reading one from a script (SECRET_UNREADABLE, without the data folder's path), and both work
 * again once the mode is back to 0600. A key file removed while running is not silently replaced.
 */
import { chmodSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_KEY_FILE } from '../../server/manager/secrets/secret-key.js';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';
import { requestWithHost } from '../support/http.js';

let pc: TestAppliance;
const HOST = 'vault.lan';
const VALUE = 'hunter2-correct-horse';

/** What the `/key` endpoint answers: whether the script read the right value, or why it failed. */
async function readFromScript(): Promise<{ ok?: boolean; reason?: string; message?: string; text: string }> {
  const response = await requestWithHost(`${pc.baseUrl}/key`, HOST);
  expect(response.status, response.text).toBe(200);
  return { ...response.json(), text: response.text };
}

const putSecret = (value = VALUE) => pc.api('PUT', '/api/v1/admin/apps/vault/secrets/API_KEY', { value });

beforeAll(async () => {
  if (process.platform === 'win32') return;
  pc = await startTestAppliance();
  expect((await pc.api('POST', '/api/v1/admin/apps', { slug: 'vault', name: 'Vault' })).status).toBe(201);
  expect((await pc.api('POST', '/api/v1/admin/apps/vault/domains', { pattern: HOST })).status).toBe(201);
  const source = `
    let result = #{};
    try { result = #{ ok: secret::get("API_KEY") == "${VALUE}" }; }
    catch (e) { result = #{ reason: e.reason, message: e.message }; }
    result`;
  expect((await pc.api('POST', '/api/v1/admin/scripts', { app: 'vault', name: 'key', source })).status).toBe(
    201,
  );
  const route = await pc.api('POST', '/api/v1/admin/apps/vault/routes', {
    script: 'key',
    methods: ['GET'],
    path: '/key',
  });
  expect(route.status, JSON.stringify(route.body)).toBe(201);
  await sleep(100);
});
afterAll(async () => {
  await pc?.stop();
});

describe.skipIf(process.platform === 'win32')('secrets.key on a running appliance', () => {
  it('refuses to save or read secrets once the key becomes readable by others, and recovers at 0600', async () => {
    const keyPath = join(pc.dataDir, SECRET_KEY_FILE);

    // 1. A secret saved and read with the key at 0600.
    expect((await putSecret()).status).toBe(201);
    expect(await readFromScript()).toMatchObject({ ok: true });

    // 2. Someone makes the key world-readable while PiCloud runs.
    chmodSync(keyPath, 0o644);
    const refused = await putSecret('rotated-value-1');
    expect(refused.status, JSON.stringify(refused.body)).toBe(500);
    expect(refused.body.error.code).toBe('PICLOUD_ERR_SECRET_KEY_UNUSABLE');
    expect(refused.body.error.message).toMatch(/mode 0644.*chmod 600/);
    const read = await readFromScript();
    expect(read).toMatchObject({ reason: 'SECRET_UNREADABLE' });
    // The anonymous caller learns neither the value nor where the data folder is.
    expect(read.text).not.toContain(VALUE);
    expect(read.text).not.toContain(pc.dataDir);
    // The refused rotation changed nothing.
    const listed = await pc.api('GET', '/api/v1/admin/apps/vault/secrets');
    expect(listed.body.items).toEqual([expect.objectContaining({ name: 'API_KEY', version: 1 })]);

    // 3. Back to 0600: both work again, with no restart.
    chmodSync(keyPath, 0o600);
    expect(await readFromScript()).toMatchObject({ ok: true });
    expect((await putSecret()).status).toBe(200);
  });

  it('does not make a new key when the key file disappears while running', async () => {
    const keyPath = join(pc.dataDir, SECRET_KEY_FILE);
    expect((await putSecret()).status).toBeLessThan(300);
    renameSync(keyPath, `${keyPath}.moved`);
    try {
      const refused = await putSecret('another-value-2');
      expect(refused.status, JSON.stringify(refused.body)).toBe(500);
      expect(refused.body.error.code).toBe('PICLOUD_ERR_SECRET_KEY_UNUSABLE');
      expect(refused.body.error.message).toMatch(/removed/);
      expect(await readFromScript()).toMatchObject({ reason: 'SECRET_UNREADABLE' });
    } finally {
      renameSync(`${keyPath}.moved`, keyPath);
    }
    expect(await readFromScript()).toMatchObject({ ok: true });
  });
});
