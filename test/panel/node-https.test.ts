/**
 * The Node page's HTTPS section in Chromium: the HTTPS URLs, the appliance CA's fingerprint (the one the
 * start banner printed), the trust page with its QR code, and the owner's HTTPS-only switch, which the
 * API then reports.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiFromPage,
  launchChromium,
  openPanel,
  type PanelAppliance,
  setUpOwner,
  startPanelAppliance,
} from './panel-harness.js';

let appliance: PanelAppliance;
let browser: Browser;

beforeAll(async () => {
  appliance = await startPanelAppliance({ PICLOUD_MDNS: 'off' });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await appliance?.stop();
});

describe("the Node page's HTTPS section", () => {
  it('shows the HTTPS URLs, the CA fingerprint, the trust page with a QR code, and switches HTTPS-only', async () => {
    const { page, errors } = await openPanel(browser, appliance.baseUrl);
    await setUpOwner(page, null);
    const fingerprint = /CA SHA-256: ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})/.exec(appliance.process.output())?.[1];
    expect(fingerprint).toBeDefined();
    await page.getByRole('link', { name: 'Node', exact: true }).click();
    await page.getByRole('heading', { name: 'HTTPS', exact: true }).waitFor();
    expect(await page.locator('#ca-fingerprint').textContent()).toBe(fingerprint);
    expect(await page.getByText(/^https:\/\/localhost:\d+\/$/).count()).toBe(2);
    const trustLink = page.getByRole('link', { name: /\/trust$/ });
    const trustUrl = (await trustLink.getAttribute('href')) ?? '';
    await page.getByRole('img', { name: `QR code for ${trustUrl}` }).waitFor();
    const toggle = page.getByRole('checkbox', { name: /HTTPS only/ });
    expect(await toggle.isChecked()).toBe(false);
    await toggle.check();
    await expect
      .poll(async () => (await apiFromPage(page, 'GET', '/admin/node/https')).https_only)
      .toBe(true);
    await toggle.uncheck();
    await expect
      .poll(async () => (await apiFromPage(page, 'GET', '/admin/node/https')).https_only)
      .toBe(false);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
