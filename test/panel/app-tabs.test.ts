/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// (page.evaluate callbacks run in the browser.)
/**
 * The app's data tabs in a real browser: domain claims (and a refused one), KV entries (with a JSON
 * mistake shown at its position), a queue trigger whose failing message becomes a dead letter, the
 * slug check and secrets in settings, and an API token made (shown once, working) and revoked.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killLeftoverApplianceProcesses } from '../support/appliance-process.js';
import {
  apiFromPage,
  expectLabelledControls,
  launchChromium,
  openPanel,
  type PanelAppliance,
  setUpOwner,
  startPanelAppliance,
} from './panel-harness.js';

describe("an app's data tabs (Chromium)", () => {
  let appliance: PanelAppliance;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    [appliance, browser] = await Promise.all([startPanelAppliance(), launchChromium()]);
    ({ page, errors } = await openPanel(browser, appliance.baseUrl));
    await setUpOwner(page, appliance.setupCode());
    const app = await apiFromPage(page, 'POST', '/admin/apps', { slug: 'garden', name: 'Garden' });
    await apiFromPage(page, 'POST', '/admin/scripts', {
      app: app.id,
      name: 'water',
      source: 'throw "the valve is stuck";',
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await appliance?.stop();
    await killLeftoverApplianceProcesses();
  });

  /** Opens one tab of the garden app. */
  async function openTab(tab: string): Promise<void> {
    await page.goto(`${appliance.baseUrl}/#/apps/garden/${tab}`);
    await page.getByRole('heading', { name: 'Garden' }).waitFor();
  }

  it('claims a domain, and shows why another one is refused', async () => {
    await openTab('domains');
    await page.getByLabel('Host or wildcard').fill('garden.lan');
    await page.getByRole('button', { name: 'Claim' }).click();
    await page.getByText('garden now answers garden.lan.').waitFor();
    await page.getByLabel('Host or wildcard').fill('localhost');
    await page.getByRole('button', { name: 'Claim' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain(
      'already claimed by app "default"',
    );
    await expectLabelledControls(page);
  });

  it('adds a KV entry, refusing JSON with a mistake at its line and column', async () => {
    await openTab('kv');
    await page.getByRole('button', { name: 'Add entry' }).click();
    await page.getByLabel('Collection').fill('beds');
    await page.getByLabel('Key').fill('tomatoes');
    const value = page.getByLabel('Value (JSON)');
    await value.fill('{\n  "litres": 4,\n  "days": [1 3]\n}');
    await page.getByRole('button', { name: 'Add entry' }).last().click();
    await expect(page.getByRole('dialog').textContent()).resolves.toMatch(/Line 3, column \d+/);
    await value.fill('{ "litres": 4, "days": [1, 3] }');
    await page.getByRole('button', { name: 'Add entry' }).last().click();
    await page.getByRole('cell', { name: 'tomatoes', exact: true }).first().waitFor();
    const stored = await apiFromPage(page, 'GET', '/admin/apps/garden/kv/beds/tomatoes');
    expect(stored.value).toEqual({ litres: 4, days: [1, 3] });
    await expectLabelledControls(page);
  });

  it('adds a queue trigger; a message its script fails on lands in the dead letters', async () => {
    await openTab('triggers');
    await page.getByRole('button', { name: 'Add trigger' }).first().click();
    await page.getByLabel('For each queue message').check();
    const form = page.getByRole('dialog');
    await form.getByLabel('Queue', { exact: true }).fill('watering');
    await form.getByLabel('Attempts per message').fill('1');
    await page.getByRole('button', { name: 'Add trigger' }).last().click();
    const triggers = page.getByRole('list', { name: 'Triggers' });
    await triggers.getByText('watering').first().waitFor();

    await page.getByRole('button', { name: 'Send a test message to watering' }).click();
    await page.getByRole('dialog').getByLabel('Payload (JSON)').fill('{ "bed": "tomatoes" }');
    await page.getByRole('dialog').getByRole('button', { name: 'Send', exact: true }).click();
    await page.getByText(/Sent to watering as message/).waitFor();
    await page.keyboard.press('Escape');

    // The list shows what was there when it loaded: reopen the tab until the failure has landed.
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.getByRole('heading', { name: 'Dead letters' }).waitFor();
          return page.getByRole('button', { name: /^Replay the dead letter of watering/ }).count();
        },
        { timeout: 20_000, interval: 1000 },
      )
      .toBe(1);
    await page.getByRole('button', { name: /^Replay the dead letter of watering/ }).click();
    await page.getByText(/Sent again to watering as message/).waitFor();
    await expectLabelledControls(page);
  });

  it('checks a new slug as it is typed and keeps a secret without showing it again', async () => {
    await openTab('settings');
    const rename = page.getByRole('form', { name: 'Rename the app' });
    await rename.getByRole('textbox').first().fill('default');
    await page.getByText('“default” is used by the app').waitFor();
    await rename.getByRole('textbox').first().fill('orchard');
    await page.getByText('“orchard” is free.').waitFor();

    const secrets = page.getByRole('form', { name: 'Add a secret' });
    await secrets.getByLabel('Name').fill('VALVE_TOKEN');
    await secrets.getByLabel('Value', { exact: true }).fill('s3cret-value');
    await page.getByRole('button', { name: 'Save secret' }).click();
    await page.getByText('VALVE_TOKEN').first().waitFor();
    await expect(page.locator('main').textContent()).resolves.not.toContain('s3cret-value');
    await expectLabelledControls(page);
  });

  it('makes an API token limited to one app, shows it once, and revokes it', async () => {
    await page.goto(`${appliance.baseUrl}/#/account`);
    await page.getByRole('button', { name: 'New token' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name', { exact: true }).fill('sprinkler');
    await dialog.getByLabel(/^apps:read/).check();
    await dialog.getByLabel('App', { exact: true }).selectOption({ label: 'garden' });
    await dialog.getByRole('button', { name: 'Create token' }).click();
    const token = await dialog.getByLabel('Token “sprinkler”').inputValue();
    expect(token).toMatch(/^pic_/);
    await expectLabelledControls(page);
    await dialog.getByRole('button', { name: 'I have copied it' }).click();

    // The token works for its app only.
    const call = (app: string) =>
      fetch(`${appliance.baseUrl}/api/v1/admin/apps/${app}`, {
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await call('garden')).status).toBe(200);
    expect((await call('default')).status).toBe(403);

    await page.getByRole('button', { name: 'Revoke token sprinkler' }).click();
    await expect.poll(async () => (await call('garden')).status).toBe(401);
  });

  it('raised no page errors', () => {
    expect(errors).toEqual([]);
  });
});
