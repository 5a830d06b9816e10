/**
 * The window's status page in a real browser (Debian's Chromium, as the panel's tests use): its one
 * script runs under its own Content-Security-Policy and its buttons call the preload's desktop API.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerState } from '../../main/supervisor/server-state.js';
import { STATUS_PAGE_CSP, statusPageHtml, statusPageUrl } from '../../main/window/status-page.js';
import { launchChromium } from '../panel/panel-harness.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** Opens the page with a stand-in for the preload's API that records the calls. */
async function open(state: ServerState) {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  await page.addInitScript(() => {
    const calls: string[] = [];
    (window as unknown as { calls: string[] }).calls = calls;
    (window as unknown as { picloudDesktop: unknown }).picloudDesktop = {
      controlServer: async (action: string) => calls.push(`controlServer ${action}`),
      showLog: async () => calls.push('showLog'),
      showDataFolder: async () => calls.push('showDataFolder'),
    };
  });
  await page.goto(statusPageUrl(state));
  return {
    page,
    problems,
    calls: () => page.evaluate(() => (window as unknown as { calls: string[] }).calls),
  };
}

describe('the status page', () => {
  it('says why the server is not running, and its buttons act (the script runs under the CSP)', async () => {
    const { page, problems, calls } = await open({
      kind: 'error',
      failure: 'port-in-use',
      code: 'PICLOUD_ERR_STARTUP_PORT_IN_USE',
      message: 'PICLOUD_PORT=8080: another program already listens on 0.0.0.0:8080.',
    });
    expect(await page.locator('h1').textContent()).toBe('Port in use');
    expect(await page.locator('p').textContent()).toBe(
      'PICLOUD_PORT=8080: another program already listens on 0.0.0.0:8080.',
    );
    await page.getByRole('button', { name: 'Start server' }).click();
    await page.getByRole('button', { name: 'Show server log' }).click();
    await page.getByRole('button', { name: 'Show data folder' }).click();
    expect(await calls()).toEqual(['controlServer start', 'showLog', 'showDataFolder']);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('offers Stop while starting, and escapes what it shows', async () => {
    const { page, calls } = await open({ kind: 'starting', pid: 1 });
    await page.getByRole('button', { name: 'Stop server' }).click();
    expect(await calls()).toEqual(['controlServer stop']);
    await page.close();
    const html = statusPageHtml({
      kind: 'error',
      failure: 'config',
      code: null,
      message: '<img src=x onerror=alert(1)>',
    });
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain(`content="${STATUS_PAGE_CSP}"`);
  });
});
