import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeInfo } from '../../server/appliance/runtime-file.js';
import { CHROMIUM, nssHome } from '../panel/panel-harness.js';
import { ownerTokenAt } from '../support/admin-client.js';
import { type ApplianceProcess, startApplianceProcess } from '../support/appliance-process.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { HOST_NAME } from '../support/machine.js';

const LOCAL_NAME = `${HOST_NAME.split('.')[0]}.local`;
const APP_NAME = 'garden.local';
const scratch: string[] = [];
let database: TestDatabase;
let appliance: ApplianceProcess;
let runtime: RuntimeInfo;
let trusting: Browser;
let distrusting: Browser;

/** A Chromium whose NSS database (in a HOME of its own) trusts `caFile`, or trusts nothing extra. */
async function launchWithNss(caFile: string | null): Promise<Browser> {
  const home = nssHome(caFile === null ? null : readFileSync(caFile, 'utf8'));
  scratch.push(home);
  return chromium.launch({
    executablePath: CHROMIUM,
    env: { ...process.env, HOME: home },
    // Both names resolve to this machine, as mDNS would answer on the LAN.
    args: [
      '--no-sandbox',
      '--disable-dev-shm-usage',
      `--host-resolver-rules=MAP ${LOCAL_NAME} 127.0.0.1, MAP ${APP_NAME} 127.0.0.1`,
    ],
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'picloud-https-'));
  scratch.push(dataDir);
  appliance = await startApplianceProcess({
    PICLOUD_DATA_DIR: dataDir,
    PICLOUD_DATABASE_URL: database.url,
    PICLOUD_LOG_LEVEL: 'warn',
    PICLOUD_MDNS: 'off',
  });
  runtime = JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8'));
  // An app claims garden.local and answers on it.
  const token = await ownerTokenAt(database.url);
  const api = (method: string, path: string, body: unknown) =>
    fetch(`http://127.0.0.1:${runtime.panelPort}/api/v1/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  expect((await api('POST', '/apps', { slug: 'garden', name: 'Garden' })).status).toBe(201);
  expect((await api('POST', '/apps/garden/domains', { pattern: APP_NAME })).status).toBe(201);
  expect(
    (await api('POST', '/scripts', { app: 'garden', name: 'beds', source: '#{ beds: 3 }' })).status,
  ).toBe(201);
  expect(
    (await api('POST', '/apps/garden/routes', { script: 'beds', methods: ['GET'], path: '/beds' })).status,
  ).toBe(201);
  const caFile = join(dataDir, 'ca.crt');
  trusting = await launchWithNss(caFile);
  distrusting = await launchWithNss(null);
}, 120_000);

afterAll(async () => {
  await trusting?.close();
  await distrusting?.close();
  await appliance?.stop();
  await database?.drop();
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

const panelPages = () => [
  `https://127.0.0.1:${runtime.panelHttpsPort}/`,
  `https://${LOCAL_NAME}:${runtime.panelHttpsPort}/`,
];
const endpointPages = () => [
  [`https://127.0.0.1:${runtime.httpsPort}/hello`, 'Hello, world!'],
  [`https://${LOCAL_NAME}:${runtime.httpsPort}/hello`, 'Hello, world!'],
  [`https://${APP_NAME}:${runtime.httpsPort}/beds`, '"beds":3'],
];

describe('Chromium trusting the appliance CA (NSS)', () => {
  it('loads the panel over HTTPS by address and by name, with no certificate error', async () => {
    const page = await (await trusting.newContext()).newPage();
    for (const url of panelPages()) {
      const response = await page.goto(url);
      expect(response?.status(), url).toBe(200);
      expect(await page.title(), url).toMatch(/PiCloud$/);
      const security = await response?.securityDetails();
      expect(security?.protocol, url).toMatch(/^TLS 1\.[23]$/);
    }
    await page.context().close();
  });

  it("loads an app's endpoint over HTTPS by address, by the host's .local name and by the app's claim", async () => {
    const page = await (await trusting.newContext()).newPage();
    for (const [url, expected] of endpointPages()) {
      const response = await page.goto(url);
      expect(response?.status(), url).toBe(200);
      expect(await response?.text(), url).toContain(expected);
    }
    await page.context().close();
  });
});

describe('Chromium without the CA', () => {
  it('refuses every one of those pages with a certificate error (the interstitial)', async () => {
    const page = await (await distrusting.newContext()).newPage();
    for (const url of [...panelPages(), ...endpointPages().map(([u]) => u)]) {
      await expect(page.goto(url), url).rejects.toThrow(/ERR_CERT_AUTHORITY_INVALID/);
    }
    await page.context().close();
  });
});
