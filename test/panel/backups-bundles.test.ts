/// <reference lib="dom" />
/**
 * Settings → Backups and an app's Export / Import in a real browser: back up now (sealed under a
 * passphrase), download it, restore it from the list and by upload (typed confirmation; the data made
 * after the backup is gone), export an app as a bundle and import it again under another slug after a
 * dry run, with the conflict shown when the slug is taken.
 */
import { readFileSync } from 'node:fs';
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

const PASSPHRASE = 'panel passphrase 1234';

describe('Settings → Backups and app bundles (Chromium)', () => {
  let appliance: PanelAppliance;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let backupFile: string;

  beforeAll(async () => {
    [appliance, browser] = await Promise.all([startPanelAppliance(), launchChromium()]);
    ({ page, errors } = await openPanel(browser, appliance.baseUrl));
    await setUpOwner(page, appliance.setupCode());
    const app = await apiFromPage(page, 'POST', '/admin/apps', { slug: 'garden', name: 'Garden' });
    await apiFromPage(page, 'POST', '/admin/scripts', {
      app: app.id,
      name: 'water',
      source: '#{ ok: true }',
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await appliance?.stop();
    await killLeftoverApplianceProcesses();
  });

  async function slugs(): Promise<string[]> {
    return (await apiFromPage(page, 'GET', '/admin/apps')).items.map((a: { slug: string }) => a.slug);
  }

  it('backs up now and downloads the backup', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Backups' }).waitFor();
    await page.getByTestId('backup-schedule').waitFor();
    await page.getByLabel('Passphrase to seal the secret files (optional)').fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Back up now' }).click();
    await page.getByText(/^Wrote picloud-.*\.backup\.tgz\.$/).waitFor();
    const row = page.getByRole('table', { name: 'Backups' }).getByRole('row').nth(1);
    await expect(row.textContent()).resolves.toContain('sealed');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.getByRole('button', { name: 'Download' }).click(),
    ]);
    backupFile = (await download.path()) as string;
    expect(readFileSync(backupFile).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    await expectLabelledControls(page);
  });

  it('restores a backup of the list after the typed confirmation', async () => {
    await apiFromPage(page, 'POST', '/admin/apps', { slug: 'later', name: 'Made after the backup' });
    expect(await slugs()).toContain('later');
    const row = page.getByRole('table', { name: 'Backups' }).getByRole('row').nth(1);
    await row.getByRole('button', { name: 'Restore' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/^Passphrase/).fill(PASSPHRASE);
    await dialog.getByLabel(/Type "replace"/).fill('replace');
    await dialog.getByRole('button', { name: 'Restore' }).click();
    await page
      .getByText(/Restored everything, secrets included\. The replaced data is in picloud-.*-pre-restore-/)
      .waitFor();
    expect(await slugs()).toEqual(['default', 'garden']);
    // The list now shows the pre-restore backup too.
    await expect
      .poll(async () => page.getByRole('table', { name: 'Backups' }).getByRole('row').count())
      .toBe(3);
  });

  it('uploads a backup and restores it', async () => {
    await apiFromPage(page, 'POST', '/admin/apps', { slug: 'again', name: 'Made after the backup' });
    const upload = page.getByRole('form', { name: 'Upload and restore' });
    await upload.getByLabel('Backup file').setInputFiles(backupFile);
    await upload.getByLabel(/Type "replace"/).fill('replace');
    await upload.getByRole('button', { name: 'Upload and restore' }).click();
    await upload.getByText('Restored.').waitFor();
    await page.getByText(/Restored everything but secrets|Restored everything \(no secret/).waitFor();
    expect(await slugs()).toEqual(['default', 'garden']);
  });

  it('exports an app and imports it under another slug after a dry run; a taken slug is shown as a conflict', async () => {
    await page.goto(`${appliance.baseUrl}/#/apps/garden/settings`);
    await page.getByRole('heading', { name: 'Export' }).waitFor();
    const exportForm = page.getByRole('form', { name: 'Export' });
    await exportForm.getByLabel('Every version of each script').check();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      exportForm.getByRole('button', { name: 'Download bundle' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('garden.picloud.tgz');
    const bundle = (await download.path()) as string;

    await page.goto(`${appliance.baseUrl}/#/`);
    const importForm = page.getByRole('form', { name: 'Import an app' });
    await importForm.getByLabel('App bundle').setInputFiles(bundle);
    await importForm.getByRole('button', { name: 'Check' }).click();
    await importForm
      .getByRole('alert')
      .getByText('Conflict: app "garden" already has the slug garden.')
      .waitFor();
    expect(await slugs()).toEqual(['default', 'garden']);

    await importForm.getByLabel('Import under another name (optional)').fill('garden-copy');
    await importForm.getByRole('button', { name: 'Check' }).click();
    await importForm.getByTestId('import-plan').getByText('App garden-copy: 1 script(s)').waitFor();
    expect(await slugs()).toEqual(['default', 'garden']);
    await importForm.getByRole('button', { name: 'Import' }).click();
    await importForm.getByText('Imported garden-copy.').waitFor();
    expect(await slugs()).toEqual(['default', 'garden', 'garden-copy']);
    await page.getByRole('link', { name: 'Garden' }).first().waitFor();
    expect(errors).toEqual([]);
  });
});
