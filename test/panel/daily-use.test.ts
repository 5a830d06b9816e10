/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// (page.evaluate callbacks run in the browser.)
/**
 * The rough edges a new user hit, in a real browser against a real appliance: unsaved edits survive
 * leaving the editor by a header link, the breadcrumb or the browser's Back button (and are offered
 * back); a new script is created by its first save; the "does not compile" banner goes once the text
 * compiles; the Node page tells the truth about a machine bound to 127.0.0.1; the log shows the request
 * a run answered and opens the editor at the error's line and column; and the small ones — plurals,
 * the Run panel's HTTP status, `#/apps`, QR codes for routes with parameters, no `cluster:admin`, a
 * second admin made in the panel.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killLeftoverApplianceProcesses } from '../support/appliance-process.js';
import { requestWithHost } from '../support/http.js';
import {
  apiFromPage,
  expectLabelledControls,
  launchChromium,
  openPanel,
  type PanelAppliance,
  replaceEditorText,
  setUpOwner,
  startPanelAppliance,
} from './panel-harness.js';

const SLUG = 'porch';

/** The editor's text. */
function editorText(page: Page): Promise<string> {
  return page.evaluate(() =>
    [...document.querySelectorAll('.cm-content > .cm-line')].map((line) => line.textContent).join('\n'),
  );
}

/** The cursor's 1-based line and column, from the DOM selection CodeMirror keeps in step. */
function cursor(page: Page): Promise<{ line: number; column: number }> {
  return page.evaluate(() => {
    const selection = getSelection();
    const node = selection?.focusNode;
    const line = (node instanceof Element ? node : node?.parentElement)?.closest('.cm-line');
    if (!selection || !node || !line) throw new Error('no cursor in the editor');
    const before = document.createRange();
    before.setStart(line, 0);
    before.setEnd(node, selection.focusOffset);
    const lines = [...document.querySelectorAll('.cm-content > .cm-line')];
    return { line: lines.indexOf(line) + 1, column: before.toString().length + 1 };
  });
}

// A browser driving several screens per test: under the full suite's load a step can take seconds.
describe('daily use of the panel (Chromium)', { timeout: 90_000 }, () => {
  let appliance: PanelAppliance;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let scriptId = '';

  beforeAll(async () => {
    [appliance, browser] = await Promise.all([startPanelAppliance(), launchChromium()]);
    ({ page, errors } = await openPanel(browser, appliance.baseUrl));
    await setUpOwner(page, appliance.setupCode());
    await apiFromPage(page, 'POST', '/admin/apps', { slug: SLUG, name: 'Porch' });
    await apiFromPage(page, 'POST', `/admin/apps/${SLUG}/domains`, { pattern: 'porch.lan' });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await appliance?.stop();
    await killLeftoverApplianceProcesses();
  });

  it("creates a new script with its first save: version 1 is the user's text", async () => {
    await page.goto(`${appliance.baseUrl}/#/apps/${SLUG}/scripts`);
    await page.getByRole('button', { name: 'New script' }).click();
    await page.getByLabel('Name', { exact: true }).fill('lamp');
    await page.getByRole('button', { name: 'Open in the editor' }).click();
    await page.locator('.cm-content').waitFor();
    await page.getByRole('heading', { name: /^lamp endpoint new/ }).waitFor();
    // Nothing exists until the save.
    expect((await apiFromPage(page, 'GET', `/admin/scripts?app=${SLUG}`)).items).toEqual([]);
    await replaceEditorText(page, 'let state = ctx.query.state ?? "off";\n#{ lamp: state }\n');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByText('Created as version 1.').waitFor();
    await page.waitForURL(/#\/apps\/porch\/scripts\/[0-9a-f-]{36}$/);
    scriptId = /scripts\/([0-9a-f-]{36})$/.exec(page.url())?.[1] ?? '';
    const versions = await apiFromPage(page, 'GET', `/admin/scripts/${scriptId}/versions`);
    expect(versions.items.map((v: { version: number }) => v.version)).toEqual([1]);
    expect((await apiFromPage(page, 'GET', `/admin/scripts/${scriptId}`)).source).toContain('lamp: state');
    // A name the app already uses is refused before anything is opened.
    await page.goto(`${appliance.baseUrl}/#/apps/${SLUG}/scripts`);
    await page.getByRole('button', { name: 'New script' }).click();
    await page.getByLabel('Name', { exact: true }).fill('lamp');
    await page.getByRole('button', { name: 'Open in the editor' }).click();
    await page.getByText('The app already has a script named "lamp"').waitFor();
    await page.getByRole('button', { name: 'Close' }).click();
  });

  it('keeps unsaved edits when the user leaves by a header link, the breadcrumb or Back, and offers them back', async () => {
    const editor = `${appliance.baseUrl}/#/apps/${SLUG}/scripts/${scriptId}`;
    const edited = 'let state = ctx.query.state ?? "on";\n#{ lamp: state, edited: true }\n';
    await page.goto(editor);
    await page.locator('.cm-content').waitFor();
    await replaceEditorText(page, edited);
    await page.locator('.badge-unsaved').waitFor();

    // 1. A header link.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Apps' }).click();
    await page.getByRole('heading', { name: 'Apps', exact: true }).waitFor();
    await page.goto(editor);
    const offer = page.getByRole('status', { name: 'Unsaved draft' });
    await offer.waitFor();
    await offer.getByRole('button', { name: 'Restore them' }).click();
    expect((await editorText(page)).trimEnd()).toBe(edited.trimEnd());
    await page.locator('.badge-unsaved').waitFor();

    // 2. The breadcrumb, then 3. the browser's Back and Forward buttons.
    await page.locator('.editor-page p.small a', { hasText: 'scripts' }).click();
    await page.getByRole('heading', { name: 'Scripts' }).waitFor();
    await page.goBack();
    await offer.waitFor();
    await page.goBack();
    await page.getByRole('heading', { name: 'Apps', exact: true }).waitFor();
    await page.goForward();
    await offer.waitFor();
    // Discarded, it is not offered again; the saved text stays.
    await offer.getByRole('button', { name: 'Discard' }).click();
    await page.goto(`${appliance.baseUrl}/#/logs`);
    await page.goto(editor);
    await page.locator('.cm-content').waitFor();
    await page.getByRole('tab', { name: 'Run' }).waitFor();
    await expect(offer.count()).resolves.toBe(0);
    expect(await editorText(page)).toContain('"off"');
  });

  it('drops the "does not compile" banner once the text compiles again', async () => {
    await replaceEditorText(page, 'let state = ;\n');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const banner = page.locator('.notice-error', { hasText: 'does not compile' });
    await banner.waitFor();
    await replaceEditorText(
      page,
      'let state = ctx.query.state ?? "off";\nprint(`lamp ${state}`);\n#{ lamp: state }\n',
    );
    await page.getByText('No problems').waitFor();
    await expect(banner.count()).resolves.toBe(0);
    await page.keyboard.press('ControlOrMeta+s');
    await page.getByText('Saved as version 2.').waitFor();
  });

  it('the Run panel shows the HTTP status of a failed run', async () => {
    await replaceEditorText(page, 'let state = ctx.query.state;\nlet n = parse_int(state);\n#{ n: n }\n');
    await page.getByRole('button', { name: 'Save and run' }).click();
    const result = page.getByLabel('Run result');
    await expect.poll(() => result.locator('.badge').first().textContent()).toBe('error · 500');
  });

  it('the log shows the request a run answered, names the script and opens it at line and column', async () => {
    await apiFromPage(page, 'POST', `/admin/apps/${SLUG}/routes`, {
      script: 'lamp',
      methods: ['GET'],
      path: '/lamp/:room',
    });
    // A real request to the app's host, with a query that must not reach the log.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const answered = await requestWithHost(
      `${appliance.endpointsUrl}/lamp/hall?state=xyz&token=s3cret`,
      'porch.lan',
    );
    expect(answered.status, answered.text).toBe(500);
    await page.goto(`${appliance.baseUrl}/#/apps/${SLUG}/logs`);
    const row = page.locator('tr.log-row', { hasText: 'GET /lamp/hall' });
    await row.waitFor();
    await expect(row.locator('.request').textContent()).resolves.toBe('GET /lamp/hall');
    await expect(row.textContent()).resolves.toMatch(/\d+ B/);
    await expect(page.locator('main').textContent()).resolves.not.toContain('s3cret');
    await row.getByRole('link').first().click();
    await page.getByRole('heading', { name: 'Run' }).waitFor();
    const facts = page.locator('dl.facts');
    await expect(facts.textContent()).resolves.toContain('GET /lamp/hall');
    await expect(facts.textContent()).resolves.toContain('Hostporch.lan');
    // The status and size answered, and the request id the caller saw.
    await expect(facts.textContent()).resolves.toContain(
      `Response500 · ${Buffer.byteLength(answered.text)} B`,
    );
    await expect(facts.textContent()).resolves.toContain(`Request id${answered.headers['x-request-id']}`);
    await expect(facts.getByRole('link', { name: 'lamp', exact: true }).count()).resolves.toBe(1);
    const open = page.getByRole('link', { name: /^Open lamp at line 2, column \d+$/ });
    const column = Number(/column (\d+)/.exec((await open.textContent()) ?? '')?.[1]);
    expect(column).toBeGreaterThan(1);
    await open.click();
    await page.locator('.cm-content').waitFor();
    await expect.poll(() => cursor(page)).toEqual({ line: 2, column });
  });

  it('says that only this machine can reach a PiCloud bound to 127.0.0.1', async () => {
    await page.goto(`${appliance.baseUrl}/#/node`);
    const note = page.getByRole('note');
    await note.waitFor();
    await expect(note.textContent()).resolves.toContain('only this machine can reach it');
    await expect(note.textContent()).resolves.toContain('PICLOUD_HOST=0.0.0.0');
    await expect(page.locator('main').textContent()).resolves.not.toContain(
      'Other devices on the network reach',
    );
  });

  it('counts "1 request", not "1 requests"', async () => {
    await apiFromPage(page, 'POST', '/admin/apps', { slug: 'attic', name: 'Attic' });
    const script = await apiFromPage(page, 'POST', '/admin/scripts', {
      app: 'attic',
      name: 'fan',
      source: '"on"',
    });
    await apiFromPage(page, 'POST', `/admin/scripts/${script.id}/run`, { method: 'GET', path: '/' });
    // The run reaches the log (which the counts read) in a batch.
    await expect
      .poll(async () => (await apiFromPage(page, 'GET', '/admin/logs?app=attic')).items.length)
      .toBe(1);
    await page.goto(`${appliance.baseUrl}/#/apps/attic`);
    await expect.poll(() => page.locator('.request-totals').textContent()).toBe('1 request · 0 errors');
  });

  it('offers a QR code for a route with parameters once they are filled in', async () => {
    await page.goto(`${appliance.baseUrl}/#/apps/${SLUG}`);
    const urls = page.getByRole('list', { name: 'URLs of /lamp/:room' });
    await urls.waitFor();
    await urls
      .getByRole('button', { name: /QR code for .*\/lamp\/:room, with its parameters filled in/ })
      .click();
    const dialog = page.getByRole('dialog', { name: 'Open on a phone' });
    await expect(dialog.getByRole('img', { name: /QR code/ }).count()).resolves.toBe(0);
    await dialog.getByLabel('room').fill('living room');
    await page
      .getByRole('img', { name: /QR code for http:\/\/porch\.lan(:\d+)?\/lamp\/living%20room$/ })
      .waitFor();
    await page.getByRole('button', { name: 'Close' }).click();
  });

  it('#/apps lists the apps', async () => {
    await page.goto(`${appliance.baseUrl}/#/apps`);
    await page.getByRole('heading', { name: 'Apps', exact: true }).waitFor();
    await expect(page.getByText('Not found').count()).resolves.toBe(0);
  });

  it('offers no cluster:admin scope, and makes a second admin account', async () => {
    await page.goto(`${appliance.baseUrl}/#/account`);
    await page.getByRole('button', { name: 'New token' }).click();
    await page.getByText('endpoints:invoke').waitFor();
    await expect(page.getByText('cluster:admin').count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'Close' }).click();

    await page.getByRole('button', { name: 'Add an admin' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add an admin account' });
    await dialog.getByLabel('User name').fill('grace');
    await dialog.getByLabel('Password', { exact: true }).fill('another good passphrase');
    await dialog.getByLabel('Password again').fill('another good passphrase');
    await expectLabelledControls(page);
    await page.getByRole('button', { name: 'Add the account' }).click();
    await page.getByRole('cell', { name: 'grace' }).waitFor();
    const accounts = await apiFromPage(page, 'GET', '/admin/accounts');
    expect(accounts.items.map((a: { username: string }) => a.username).sort()).toEqual(['grace', 'owner']);
  });

  it('raised no page errors', () => {
    expect(errors).toEqual([]);
  });
});
