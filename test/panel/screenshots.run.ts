/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// (page.evaluate callbacks run in the browser.)
/**
 * Takes the README's screenshots of the main screens (`npm run screenshots`): a real appliance with a
 * small demo app, driven in Chromium, light and dark, desktop and phone width.
 */
import { mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { killLeftoverApplianceProcesses } from '../support/appliance-process.js';
import {
  apiFromPage,
  launchChromium,
  openPanel,
  type PanelAppliance,
  replaceEditorText,
  setUpOwner,
  signIn,
  startPanelAppliance,
} from './panel-harness.js';

const OUT = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

const THERMOSTAT = `// Reads or sets the target temperature of a room, kept in the app's KV store.
import "units" as units;

let room = ctx.params.room;
if ctx.method == "PUT" {
    kv::set("targets", room, ctx.body.celsius);
}
let celsius = kv::get("targets", room) ?? 20.0;
print(\`\${room}: \${celsius} °C\`);
#{ room: room, celsius: celsius, fahrenheit: units::to_fahrenheit(celsius) }
`;
const UNITS = `// Unit conversions shared by the app's endpoints.
fn to_fahrenheit(celsius) {
    celsius * 9.0 / 5.0 + 32.0
}
`;

let appliance: PanelAppliance;
let browser: Browser;

async function shoot(page: Page, name: string): Promise<void> {
  // Let charts, fonts and the editor settle.
  await page.waitForTimeout(400);
  await page.screenshot({ path: `${OUT}${name}.png` });
  expect(statSync(`${OUT}${name}.png`).size).toBeGreaterThan(5000);
}

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  [appliance, browser] = await Promise.all([startPanelAppliance(), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await appliance?.stop();
  await killLeftoverApplianceProcesses();
});

it('takes the screenshots of the main screens', async () => {
  const { page } = await openPanel(browser, appliance.baseUrl);
  await shoot(page, 'setup');
  await setUpOwner(page, appliance.setupCode());

  // A small demo: an app with a module, an endpoint using KV, routes, a domain and some traffic.
  const app = await apiFromPage(page, 'POST', '/admin/apps', {
    slug: 'home',
    name: 'Home',
    description: 'Thermostat targets and sensors around the house',
  });
  await apiFromPage(page, 'POST', `/admin/apps/${app.id}/domains`, { pattern: 'home.lan' });
  await apiFromPage(page, 'POST', '/admin/scripts', {
    app: app.id,
    name: 'units',
    kind: 'module',
    source: UNITS,
  });
  const script = await apiFromPage(page, 'POST', '/admin/scripts', {
    app: app.id,
    name: 'thermostat',
    source: THERMOSTAT,
    message: 'First version',
  });
  await apiFromPage(page, 'POST', `/admin/apps/${app.id}/routes`, {
    script: script.id,
    methods: ['GET', 'PUT'],
    path: '/rooms/:room/target',
  });
  for (const [room, celsius] of [
    ['kitchen', 21.5],
    ['office', 20],
    ['bedroom', 18],
  ] as const) {
    await apiFromPage(page, 'POST', `/admin/scripts/${script.id}/run`, {
      method: 'PUT',
      path: `/rooms/${room}/target`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ celsius }),
    });
  }
  await apiFromPage(page, 'POST', `/admin/scripts/${script.id}/run`, {
    method: 'GET',
    path: '/rooms/attic/target',
  });
  await page.reload();

  await page.getByRole('heading', { name: 'Apps', exact: true }).waitFor();
  await shoot(page, 'apps');

  await page.goto(`${appliance.baseUrl}/#/apps/home`);
  await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
  await page.locator('.sparkline').first().waitFor();
  await shoot(page, 'app-overview');

  await page.goto(`${appliance.baseUrl}/#/apps/home/scripts/${script.id}`);
  await page.locator('.cm-content').waitFor();
  await page.getByLabel('Path').fill('/rooms/kitchen/target');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.getByLabel('Run result').waitFor();
  await shoot(page, 'editor');

  await page.goto(`${appliance.baseUrl}/#/apps/home/logs`);
  await page.locator('tr.log-row').first().waitFor();
  await shoot(page, 'logs');

  await page.goto(`${appliance.baseUrl}/#/node`);
  await page.getByRole('heading', { name: 'CPU' }).waitFor();
  await page.waitForTimeout(5500);
  await shoot(page, 'node');

  // Dark theme: the editor showing a syntax error under the cursor.
  const dark = await openPanel(browser, appliance.baseUrl, { colorScheme: 'dark' });
  await signIn(dark.page);
  await dark.page.goto(`${appliance.baseUrl}/#/apps/home/scripts/${script.id}`);
  await dark.page.locator('.cm-content').waitFor();
  await replaceEditorText(dark.page, THERMOSTAT.replace('let celsius =', 'let celsius'));
  await dark.page.locator('.cm-lintRange-error').first().waitFor();
  await shoot(dark.page, 'editor-dark');

  // Phone width.
  const phone = await openPanel(browser, appliance.baseUrl, { viewport: { width: 390, height: 844 } });
  await signIn(phone.page);
  await phone.page.goto(`${appliance.baseUrl}/#/apps/home`);
  await phone.page.getByRole('heading', { name: 'Endpoints' }).waitFor();
  await shoot(phone.page, 'phone');
});
