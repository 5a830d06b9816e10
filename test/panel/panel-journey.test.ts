/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// (page.evaluate callbacks run in the browser.)
/**
 * The control panel in a real browser against a real appliance: the journey of a new user, from
 * set-up to a rolled-back script, through the editor's live diagnostics, the Run panel and the live
 * log tail.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killLeftoverApplianceProcesses } from '../support/appliance-process.js';
import {
  expectLabelledControls,
  expectNoHorizontalOverflow,
  launchChromium,
  openPanel,
  type PanelAppliance,
  replaceEditorText,
  setUpOwner,
  signIn,
  startPanelAppliance,
} from './panel-harness.js';

const FIXED = `// Greets whoever the path names.
let name = ctx.params.name;
let greeting = \`Hello, \${name}!\`;
print(greeting);
#{ greeting: greeting }
`;
/** Line 3 ends in an operator with nothing after it: the engine reports line 3. */
const BROKEN = FIXED.replace('!`;', '!` + ;');
const THROWS_ON_LINE_3 = `let name = ctx.params.name;
print("about to fail");
let n = parse_int(name);
#{ n: n }
`;

/** The 0-based index among the editor's lines of the line holding the first error marker. */
async function errorMarkerLine(page: Page): Promise<number> {
  const marker = page.locator('.cm-content .cm-lintRange-error').first();
  await marker.waitFor();
  return marker.evaluate((element) => {
    const line = element.closest('.cm-line');
    return [...document.querySelectorAll('.cm-content > .cm-line')].indexOf(line as Element);
  });
}

describe('control panel journey (Chromium)', () => {
  let appliance: PanelAppliance;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    [appliance, browser] = await Promise.all([startPanelAppliance(), launchChromium()]);
    ({ page, errors } = await openPanel(browser, appliance.baseUrl));
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await appliance?.stop();
    await killLeftoverApplianceProcesses();
  });

  it('sets up the owner, signs out and back in', async () => {
    await setUpOwner(page, appliance.setupCode());
    await expectLabelledControls(page);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page);
    // The fresh install's default app is listed.
    await page.getByRole('list', { name: 'Apps' }).getByRole('link', { name: 'Default' }).waitFor();
  });

  it('creates an app and a script, shows a syntax error at its line, then saves the fix', async () => {
    await page.getByRole('button', { name: 'New app' }).click();
    await page.getByLabel('Slug', { exact: true }).fill('e2e-shop');
    await page.getByLabel('Name', { exact: true }).fill('E2E shop');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.getByRole('heading', { name: 'E2E shop' }).waitFor();
    expect(page.url()).toContain('#/apps/e2e-shop');

    await page.getByRole('link', { name: 'Scripts' }).click();
    await page.getByRole('button', { name: 'New script' }).click();
    await page.getByLabel('Name', { exact: true }).fill('greet');
    await page.getByRole('button', { name: 'Open in the editor' }).click();
    await page.locator('.cm-content').waitFor();
    await expectLabelledControls(page);

    await replaceEditorText(page, BROKEN);
    // The marker sits on the 3rd line and the list of problems names line 3.
    expect(await errorMarkerLine(page)).toBe(2);
    await expect(page.getByRole('list', { name: 'Problems' }).textContent()).resolves.toMatch(/Line 3/);
    await expect(page.locator('.cm-gutter-lint .cm-lint-marker-error').count()).resolves.toBe(1);

    await replaceEditorText(page, FIXED);
    await page.getByText('No problems').waitFor();
    await expect(page.locator('.cm-lintRange-error').count()).resolves.toBe(0);
    await page.getByLabel('Version message').fill('Greets by name');
    // The first save creates the script: its first version is the user's text, not the template.
    await page.keyboard.press('ControlOrMeta+s');
    await page.getByText('Created as version 1.').waitFor();
    await page.waitForURL(/#\/apps\/e2e-shop\/scripts\/[0-9a-f-]{36}$/);
    await expect(page.locator('.badge-unsaved').count()).resolves.toBe(0);
  });

  it('adds a route; endpoint URLs on the LAN can be copied and shown as a QR code', async () => {
    await page.getByRole('link', { name: 'e2e-shop' }).click();
    await page.getByRole('link', { name: 'Routes' }).click();
    await page.getByRole('button', { name: 'Add route' }).click();
    await page.getByLabel('Path').fill('/greet/:name');
    await page.getByRole('button', { name: 'Add route' }).last().click();
    await page.getByText('GET /greet/:name').waitFor();
    await expectLabelledControls(page);
    // The app claims no domain yet: the route says how to make it reachable.
    await page.getByText('This app claims no exact domain').waitFor();

    // The default app answers the machine's addresses: its endpoint has LAN URLs with copy and QR.
    await page.goto(`${appliance.baseUrl}/#/apps/default`);
    const urls = page.getByRole('list', { name: 'URLs of /hello' });
    const first = urls.getByRole('link').first();
    const url = (await first.textContent()) ?? '';
    expect(url).toMatch(/^http:\/\/[^/]+\/hello$/);
    await urls.getByRole('button', { name: `Copy: ${url}` }).click();
    await urls.getByText('Copied').first().waitFor();
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(url);
    await urls.getByRole('button', { name: `QR code for ${url}` }).click();
    await page.getByRole('img', { name: `QR code for ${url}` }).waitFor();
    await page.getByRole('button', { name: 'Close' }).click();
    await page.goto(`${appliance.baseUrl}/#/apps/e2e-shop/routes`);
    await page.getByText('GET /greet/:name').waitFor();
  });

  it('runs the script from the Run panel and sees the run arrive in the live tail', async () => {
    // A second tab of the same session follows the app's logs while the first runs the script.
    const tail = await page.context().newPage();
    await tail.goto(`${appliance.baseUrl}/#/apps/e2e-shop/logs`);
    await tail.getByText('Live: new runs appear as they finish.').waitFor();
    await expect(tail.locator('tr.log-row').count()).resolves.toBe(0);

    await page.getByRole('link', { name: 'Scripts' }).click();
    await page.getByRole('link', { name: 'greet' }).click();
    await page.locator('.cm-content').waitFor();
    await expect(page.getByLabel('Path').inputValue()).resolves.toBe('/greet/:name');
    await page.getByLabel('Path').fill('/greet/Ada');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const result = page.getByLabel('Run result');
    await result.waitFor();
    await expect(result.locator('.badge').first().textContent()).resolves.toBe('ok · 200');
    await expect(result.locator('.run-body').textContent()).resolves.toContain('"greeting": "Hello, Ada!"');
    await expect(result.locator('.run-output').textContent()).resolves.toMatch(/^Hello, Ada!\n?$/);
    await expect(result.locator('.run-duration').textContent()).resolves.toMatch(/\d+(\.\d+)? (ms|s)/);
    await expect(result.locator('.run-operations').textContent()).resolves.toMatch(
      /^[1-9][\d,.]* operations$/,
    );

    const row = tail.locator('tr.log-row').first();
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('Hello, Ada!');
    await expect(row.locator('.badge').textContent()).resolves.toBe('ok · 200');
    await tail.close();
  });

  it("opens a failed run's log entry and jumps to the error's line in the editor", async () => {
    await replaceEditorText(page, THROWS_ON_LINE_3);
    await page.getByText('No problems').waitFor();
    await page.getByRole('button', { name: 'Save and run' }).click();
    const result = page.getByLabel('Run result');
    // The previous result stays until the new one arrives.
    await expect.poll(() => result.locator('.badge').first().textContent()).toMatch(/^error/);
    await page.getByRole('button', { name: /Go to line 3/ }).waitFor();

    await page.getByRole('link', { name: 'Logs', exact: true }).first().click();
    await page.locator('tr.log-error a').first().click();
    await page.getByRole('heading', { name: 'Run' }).waitFor();
    await page.getByText('about to fail').waitFor();
    await page.getByRole('link', { name: /^Open greet at line 3, column \d+$/ }).click();
    await page.locator('.cm-content').waitFor();
    // The cursor sits on line 3: CodeMirror marks the active line.
    await expect(
      page
        .locator('.cm-activeLine')
        .evaluate((line) => [...document.querySelectorAll('.cm-content > .cm-line')].indexOf(line)),
    ).resolves.toBe(2);
  });

  it('shows a version diff and rolls back', async () => {
    await page.getByRole('tab', { name: 'Versions' }).click();
    const versions = page.getByRole('list', { name: 'Versions' });
    await versions.getByRole('button').first().waitFor();
    await expect(versions.getByRole('button').count()).resolves.toBe(2);
    await versions.getByRole('button', { name: /^v1/ }).click();
    await expect(page.getByLabel('Differences').textContent()).resolves.toContain('parse_int');
    await page.getByRole('button', { name: 'Roll back to v1' }).click();
    // The rollback is saved as version 3, with version 1's text, now in the editor.
    await page.locator('.badge', { hasText: 'v3' }).waitFor();
    await expect(page.locator('.cm-content').textContent()).resolves.toContain(
      'Greets whoever the path names.',
    );
    await page.getByRole('tab', { name: 'Run' }).click();
    await page.getByLabel('Path').fill('/greet/Grace');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect
      .poll(() => page.getByLabel('Run result').locator('.run-body').textContent())
      .toContain('Hello, Grace!');
  });

  it('shows the node and its request rates, at phone width and in the dark theme', async () => {
    const phone = await openPanel(browser, appliance.baseUrl, {
      colorScheme: 'dark',
      viewport: { width: 390, height: 844 },
    });
    await signIn(phone.page);
    await expectNoHorizontalOverflow(phone.page);
    const background = await phone.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe('rgb(13, 17, 23)');
    // The toggle overrides the system's choice, and the choice survives a reload.
    await phone.page.getByRole('button', { name: /Theme: system/ }).click();
    await phone.page.reload();
    await phone.page.getByRole('heading', { name: 'Apps', exact: true }).waitFor();
    await expect(phone.page.evaluate(() => getComputedStyle(document.body).backgroundColor)).resolves.toBe(
      'rgb(246, 248, 250)',
    );

    await phone.page.getByRole('link', { name: 'Node', exact: true }).click();
    await phone.page.getByRole('heading', { name: 'CPU' }).waitFor();
    await expect(phone.page.locator('main').textContent()).resolves.toMatch(/of \d+ cores/);
    // The runs of the journey are counted for the app.
    const shop = phone.page.locator('.card', { has: phone.page.getByRole('link', { name: 'e2e-shop' }) });
    await expect(shop.textContent()).resolves.toMatch(/[1-9]\d* requests? · [1-9]\d* errors?/);
    await expectNoHorizontalOverflow(phone.page);
    await expectLabelledControls(phone.page);
    expect(phone.errors).toEqual([]);
    await phone.context.close();
  });

  it('keeps links working after the app is renamed', async () => {
    await page.evaluate(async () => {
      const status = await (await fetch('/api/v1/auth/status')).json();
      const response = await fetch('/api/v1/admin/apps/e2e-shop', {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', 'x-csrf-token': status.csrf_token },
        body: JSON.stringify({ slug: 'e2e-store' }),
      });
      if (!response.ok) throw new Error(`rename failed: ${response.status}`);
    });
    // A bookmark with the old slug lands on the app, and the address bar shows the new slug.
    await page.goto(`${appliance.baseUrl}/#/apps/e2e-shop/routes`);
    await page.waitForURL(/#\/apps\/e2e-store\/routes$/);
    await page.getByText('GET /greet/:name').waitFor();
  });

  it('raised no page errors along the way', () => {
    expect(errors).toEqual([]);
  });
});
