/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// (page.evaluate callbacks run in the browser.)
/**
 * What the panel's browser tests share: a real appliance (`picloud start` over the built panel, on a
 * fresh database of the shared test PostgreSQL) and Debian's Chromium driven by playwright-core.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { type ApplianceProcess, startApplianceProcess } from '../support/appliance-process.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/** Debian's Chromium (`apt-get install chromium`); PICLOUD_CHROMIUM points elsewhere. */
export const CHROMIUM = process.env.PICLOUD_CHROMIUM ?? '/usr/bin/chromium';

export interface PanelAppliance {
  /** The panel's listener (the panel, its API). */
  baseUrl: string;
  /** The endpoints' listener (the apps' routes). */
  endpointsUrl: string;
  process: ApplianceProcess;
  /** The one-time set-up code the appliance printed (null once an owner exists). */
  setupCode(): string | null;
  stop(): Promise<void>;
}

/** Starts a real appliance serving the built panel (`env`: more settings, e.g. PICLOUD_HOST). */
export async function startPanelAppliance(env: Record<string, string> = {}): Promise<PanelAppliance> {
  const database: TestDatabase = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'picloud-panel-'));
  const process = await startApplianceProcess({
    PICLOUD_DATA_DIR: dataDir,
    PICLOUD_DATABASE_URL: database.url,
    PICLOUD_LOG_LEVEL: 'warn',
    ...env,
  });
  return {
    baseUrl: `http://127.0.0.1:${process.panelPort}`,
    endpointsUrl: `http://127.0.0.1:${process.port}`,
    process,
    setupCode: () => /set-up code: ([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})/.exec(process.output())?.[1] ?? null,
    async stop() {
      await process.stop();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A HOME folder whose NSS database (`~/.pki/nssdb`, where Chromium on Linux looks) trusts `caPem` as a
 * CA for websites — what the trust page tells Linux users to do with `certutil` — or trusts nothing
 * extra (null). The caller removes the folder.
 */
export function nssHome(caPem: string | null): string {
  const home = mkdtempSync(join(tmpdir(), 'picloud-nss-'));
  const nssdb = join(home, '.pki', 'nssdb');
  mkdirSync(nssdb, { recursive: true });
  execFileSync('certutil', ['-d', `sql:${nssdb}`, '-N', '--empty-password']);
  if (caPem !== null) {
    writeFileSync(join(home, 'ca.crt'), caPem);
    execFileSync('certutil', [
      '-d',
      `sql:${nssdb}`,
      '-A',
      '-t',
      'C,,',
      '-n',
      'PiCloud',
      '-i',
      join(home, 'ca.crt'),
    ]);
  }
  return home;
}

/**
 * Launches headless Chromium (`args`: more switches; `env`: its environment, e.g. a HOME whose NSS
 * database trusts a CA); fails with a clear message when it is not installed.
 */
export async function launchChromium(args: string[] = [], env?: Record<string, string>): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or set PICLOUD_CHROMIUM`,
    );
  }
  // --no-sandbox: Chromium's sandbox cannot start as root, which CI machines run as.
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-dev-shm-usage', ...args],
    ...(env ? { env: { ...(process.env as Record<string, string>), ...env } } : {}),
  });
}

/** A fresh browser context (its own cookies) whose page fails the test on any uncaught page error. */
export async function openPanel(
  browser: Browser,
  baseUrl: string,
  options: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    baseURL: baseUrl,
    colorScheme: options.colorScheme ?? 'light',
    viewport: options.viewport ?? { width: 1280, height: 860 },
  });
  // Playwright's 30 s per action is too short when the whole suite loads both cores; a test's own
  // timeout (90 s for the long journeys) stays the bound.
  context.setDefaultTimeout(60_000);
  // The copy buttons use the Clipboard API (127.0.0.1 is a secure context).
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) errors.push(message.text());
  });
  // Destructive actions ask with window.confirm: the tests accept.
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto('/');
  return { context, page, errors };
}

export const OWNER = { username: 'owner', password: 'correct horse battery' };

/** Completes the set-up screen with the owner's account. */
export async function setUpOwner(page: Page, code: string | null): Promise<void> {
  await page.getByRole('heading', { name: 'Set up this appliance' }).waitFor();
  await page.getByLabel('User name').fill(OWNER.username);
  await page.getByLabel('Password').fill(OWNER.password);
  const codeField = page.getByLabel('Set-up code');
  if (await codeField.isVisible()) await codeField.fill(code ?? '');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Apps', exact: true }).waitFor();
}

/** Signs in on the sign-in screen. */
export async function signIn(page: Page): Promise<void> {
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('User name').fill(OWNER.username);
  await page.getByLabel('Password').fill(OWNER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Apps', exact: true }).waitFor();
}

/** Replaces the editor's whole text, as a user selecting all and typing would. */
export async function replaceEditorText(page: Page, text: string): Promise<void> {
  const content = page.locator('.cm-content');
  await content.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  // insertText: typing would trigger auto-indent and bracket closing and change the text.
  await page.keyboard.insertText(text);
}

/**
 * Every visible form control on the page has an accessible name (a label, aria-label or
 * aria-labelledby): the screens must be usable with a screen reader.
 */
export async function expectLabelledControls(page: Page): Promise<void> {
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('input, select, textarea, button')]
      .filter((element) => element.offsetParent !== null && !element.closest('.cm-editor'))
      .filter((element) => {
        if (element instanceof HTMLButtonElement)
          return !(element.textContent?.trim() || element.getAttribute('aria-label'));
        const control = element as HTMLInputElement;
        return !(
          control.labels?.length ||
          control.getAttribute('aria-label') ||
          control.getAttribute('aria-labelledby')
        );
      })
      .map((element) => element.outerHTML.slice(0, 120)),
  );
  expect(unlabelled).toEqual([]);
}

/** The page fits the viewport's width (no sideways scrolling on a phone). */
export async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

/**
 * Calls the API with the page's session (its cookie, and the CSRF token from the panel's own status
 * call), for setting up data faster than through the screens.
 */
export async function apiFromPage(page: Page, method: string, path: string, body?: unknown): Promise<any> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const status = await (await fetch('/api/v1/auth/status')).json();
      const response = await fetch(`/api/v1${path}`, {
        method,
        headers: { 'content-type': 'application/json', 'x-csrf-token': status.csrf_token },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return response.status === 204 ? null : response.json();
    },
    { method, path, body },
  );
}
