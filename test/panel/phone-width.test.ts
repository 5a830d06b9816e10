/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// (page.evaluate callbacks run in the browser.)
/**
 * docs/control-panel.md promises 360 px and up: every screen of the panel, at 360 px wide and filled
 * with realistic data (a script whose lines are far longer than the screen, long paths, errors), fits
 * without horizontal scrolling — wide content scrolls inside its own box (the editor, tables). Every
 * dialog too, which also behaves as docs/control-panel.md says (modal, Escape, focus back).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killLeftoverApplianceProcesses } from '../support/appliance-process.js';
import {
  apiFromPage,
  launchChromium,
  openPanel,
  type PanelAppliance,
  setUpOwner,
  signIn,
  startPanelAppliance,
} from './panel-harness.js';

const WIDTH = 360;

/** How far the page is wider than the window, and the widest elements sticking out (for the message). */
async function overflow(page: Page): Promise<{ by: number; culprits: string[] }> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const culprits = [...document.querySelectorAll('body *')]
      .filter((element) => element.getBoundingClientRect().right > width + 1)
      // Content of a box that scrolls by itself does not widen the page.
      .filter((element) => !element.closest('.table-wrap, .cm-scroller, pre, .tabs, .topbar nav'))
      .slice(0, 5)
      .map((element) => `${element.tagName.toLowerCase()}.${[...element.classList].join('.')}`);
    return { by: document.documentElement.scrollWidth - width, culprits };
  });
}

describe(`every screen at ${WIDTH} px (Chromium)`, { timeout: 90_000 }, () => {
  let appliance: PanelAppliance;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const ids: { script: string; log: string } = { script: '', log: '' };
  /** The first-run set-up screen's overflow, measured before the owner exists. */
  let setupOverflow = { by: Number.NaN, culprits: [] as string[] };

  beforeAll(async () => {
    [appliance, browser] = await Promise.all([startPanelAppliance(), launchChromium()]);
    ({ page, errors } = await openPanel(browser, appliance.baseUrl, {
      viewport: { width: WIDTH, height: 740 },
    }));
    await page.getByRole('heading', { name: 'Set up this appliance' }).waitFor();
    setupOverflow = await overflow(page);
    await setUpOwner(page, appliance.setupCode());
    // A backup, so Settings lists one (its long file name included).
    await apiFromPage(page, 'POST', '/admin/backups', {});
    const app = await apiFromPage(page, 'POST', '/admin/apps', {
      slug: 'greenhouse-with-a-long-name',
      name: 'The greenhouse at the bottom of the garden',
      description: 'Sensors, valves and a very long description that must wrap on a phone screen.',
    });
    await apiFromPage(page, 'POST', `/admin/apps/${app.id}/domains`, { pattern: 'greenhouse.home.lan' });
    const longLine = `let readings = [${Array.from({ length: 60 }, (_, i) => i * 1.5).join(', ')}];`;
    const script = await apiFromPage(page, 'POST', '/admin/scripts', {
      app: app.id,
      name: 'temperature-readings-of-every-sensor',
      source: `${longLine}\nprint("a printed line that goes on and on and on and on and on and on and on and on");\nlet x = readings[999];\nx`,
    });
    ids.script = script.id;
    await apiFromPage(page, 'POST', '/admin/scripts', {
      app: app.id,
      name: 'helpers',
      kind: 'module',
      source: 'fn c(f) { (f - 32.0) / 1.8 }',
    });
    await apiFromPage(page, 'POST', `/admin/apps/${app.id}/routes`, {
      script: script.name,
      methods: ['GET', 'POST'],
      path: '/sensors/:sensor/readings/with/a/rather/long/path/:day',
    });
    await apiFromPage(page, 'PUT', `/admin/apps/${app.id}/kv/settings/${'k'.repeat(80)}`, {
      value: { note: 'x'.repeat(300) },
    });
    await apiFromPage(page, 'POST', `/admin/apps/${app.id}/triggers`, {
      script: script.name,
      kind: 'cron',
      schedule: '0 */5 * * * *',
    });
    const run = await apiFromPage(page, 'POST', `/admin/scripts/${script.id}/run`, {
      method: 'GET',
      path: `/sensors/north-east-corner/readings/with/a/rather/long/path/${'2026-01-01'.repeat(6)}`,
    });
    expect(run.status).toBe('error');
    // The run reaches the log in a batch.
    for (let tries = 0; ids.log === '' && tries < 50; tries++) {
      const logs = await apiFromPage(page, 'GET', `/admin/logs?script=${script.id}`);
      if (logs.items.length > 0) ids.log = logs.items[0].id;
      else await page.waitForTimeout(100);
    }
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await appliance?.stop();
    await killLeftoverApplianceProcesses();
  });

  const slug = 'greenhouse-with-a-long-name';
  const screens: [string, () => string, string | RegExp][] = [
    ['apps', () => '#/', 'Apps'],
    ['apps (#/apps)', () => '#/apps', 'Apps'],
    ...['overview', 'scripts', 'routes', 'domains', 'kv', 'triggers', 'logs', 'settings'].map(
      (tab): [string, () => string, string] => [
        `app: ${tab}`,
        () => `#/apps/${slug}/${tab}`,
        'The greenhouse at the bottom of the garden',
      ],
    ),
    ['editor', () => `#/apps/${slug}/scripts/${ids.script}`, /^temperature-readings-of-every-sensor/],
    [
      'editor at a line',
      () => `#/apps/${slug}/scripts/${ids.script}/line/1/300`,
      /^temperature-readings-of-every-sensor/,
    ],
    ['new script', () => `#/apps/${slug}/new-script/endpoint/fresh`, /^fresh/],
    ['logs', () => '#/logs', 'Logs'],
    ['one run', () => `#/logs/${ids.log}`, 'Run'],
    ['node', () => '#/node', 'Node'],
    ['settings (backups)', () => '#/settings', 'Settings'],
    ['account', () => '#/account', 'Account'],
    ['not found', () => '#/nowhere', 'Not found'],
  ];

  it.each(screens)('%s fits', async (_name, hash, heading) => {
    await page.goto(`${appliance.baseUrl}/${hash()}`);
    await page
      .getByRole('heading', { name: heading, exact: typeof heading === 'string' })
      .first()
      .waitFor();
    // Let late content (charts, lists, the editor's diagnostics) arrive before measuring.
    await page.waitForTimeout(300);
    const found = await overflow(page);
    expect(
      found.by,
      `${hash()} overflows by ${found.by}px: ${found.culprits.join(', ')}`,
    ).toBeLessThanOrEqual(0);
  });

  it('the editor tabs and a dialog fit too', async () => {
    await page.goto(`${appliance.baseUrl}/#/apps/${slug}/scripts/${ids.script}`);
    await page.locator('.cm-content').waitFor();
    for (const tab of ['Run', 'Versions', 'Details']) {
      await page.getByRole('tab', { name: tab }).click();
      expect((await overflow(page)).by, tab).toBeLessThanOrEqual(0);
    }
    await page.goto(`${appliance.baseUrl}/#/apps/${slug}/scripts`);
    await page.getByRole('button', { name: 'New script' }).click();
    expect((await overflow(page)).by).toBeLessThanOrEqual(0);
  });

  const dialogs: [string, () => string, string][] = [
    ['New app', () => '#/apps', 'New app'],
    ['Add route', () => `#/apps/${slug}/routes`, 'Add route'],
    ['Add entry', () => `#/apps/${slug}/kv`, 'Add entry'],
    ['Add trigger', () => `#/apps/${slug}/triggers`, 'Add trigger'],
    ['New token', () => '#/account', 'New token'],
    ['Add an admin', () => '#/account', 'Add an admin'],
    ['Restore (a backup)', () => '#/settings', 'Restore'],
  ];

  // docs/control-panel.md: dialogs are modal (the page behind is inert), Escape closes them and focus
  // returns to the button that opened them.
  it.each(dialogs)(
    'the dialog of %s fits, is modal, closes on Escape and gives focus back',
    async (_name, hash, button) => {
      await page.goto(`${appliance.baseUrl}/${hash()}`);
      const opener = page.getByRole('button', { name: button, exact: true }).first();
      await opener.click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      const found = await overflow(page);
      expect(found.by, `${hash()} ${button}: ${found.culprits.join(', ')}`).toBeLessThanOrEqual(0);
      await expect(dialog.evaluate((element) => element.matches(':modal'))).resolves.toBe(true);
      await page.keyboard.press('Escape');
      await expect.poll(() => dialog.count()).toBe(0);
      await expect.poll(() => opener.evaluate((element) => element === document.activeElement)).toBe(true);
    },
  );

  it('the first-run set-up screen fits', () => {
    expect(setupOverflow.by, setupOverflow.culprits.join(', ')).toBeLessThanOrEqual(0);
  });

  it('the sign-in screen fits', async () => {
    await page.goto(`${appliance.baseUrl}/#/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect((await overflow(page)).by).toBeLessThanOrEqual(0);
    await signIn(page);
  });

  it('raised no page errors', () => {
    expect(errors).toEqual([]);
  });
});
