/**
 * The Nodes page's join in a real browser: Debian's Chromium, driven by playwright-core, runs on the
 * primary's host of a LAN in network namespaces (mDNS never leaves the namespaces). The owner sets up
 * alpha, opens Nodes, sees beta found on the network, types a wrong set-up code (refused, shown), then
 * beta's code: beta joins and is listed up with its figures; "Add a node" shows the join command.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM } from '../panel/panel-harness.js';
import { createLan, type Lan, type LanHostAppliance, lanHostsUnavailable } from '../support/lan-hosts.js';

// The join admits the node through the membership runtime (server/cluster/cluster-runtime.ts), which
// lands separately; until it is there this test cannot join anything.
const RUNTIME = fileURLToPath(new URL('../../server/cluster/cluster-runtime.ts', import.meta.url));
const reason =
  lanHostsUnavailable() ??
  (existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM}`) ??
  (existsSync(RUNTIME) ? null : 'the membership runtime (server/cluster/cluster-runtime.ts) is not here yet');
if (reason) console.warn(`skipping: ${reason}`);

/** The browser's part, run on alpha: prints one JSON line of what it saw. */
const BROWSER = `
const { chromium } = await import('playwright-core');
const [chromiumPath, panelUrl, betaName, betaCode] = process.argv.slice(1);
const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
const seen = {};
try {
  const page = await browser.newPage({ baseURL: panelUrl, viewport: { width: 1280, height: 860 } });
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto('/');
  await page.getByRole('heading', { name: 'Set up this appliance' }).waitFor();
  await page.getByLabel('User name').fill('owner');
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Apps', exact: true }).waitFor();
  await page.getByRole('link', { name: 'Nodes' }).click();
  await page.getByRole('heading', { name: 'Nodes' }).waitFor();
  const found = page.getByRole('table', { name: 'Discovered nodes' }).getByRole('row', { name: new RegExp(betaName) });
  const started = Date.now();
  while (!(await found.isVisible())) {
    if (Date.now() - started > 15000) throw new Error('beta never appeared under "Found on the network"');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForTimeout(250);
  }
  seen.discoveredAfterMs = Date.now() - started;
  seen.discoveredRow = await found.innerText();
  await found.getByRole('button', { name: 'Join' }).click();
  await page.getByLabel('Set-up code').fill('AAAA-BBBB-CCCC');
  await page.getByRole('dialog').getByRole('button', { name: 'Join' }).click();
  seen.wrongCode = await page.getByRole('dialog').getByText(/not the node's/).innerText();
  await page.getByLabel('Set-up code').fill(betaCode);
  await page.getByRole('dialog').getByRole('button', { name: 'Join' }).click();
  seen.joined = await page.getByText(new RegExp(betaName + ' joined the cluster')).innerText();
  const member = page.getByRole('table', { name: 'Cluster nodes' }).getByRole('row', { name: new RegExp(betaName) });
  const upSince = Date.now();
  for (;;) {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForTimeout(500);
    if ((await member.isVisible()) && (await member.getByTestId('node-status').innerText()) === 'up') break;
    if (Date.now() - upSince > 30000) throw new Error('beta never listed up');
  }
  seen.memberRow = await member.innerText();
  await page.getByRole('button', { name: 'Add a node' }).click();
  await page.getByRole('button', { name: 'Make a join command' }).click();
  seen.command = await page.getByTestId('join-command').innerText();
  seen.errors = errors;
} catch (error) {
  seen.failure = String(error && error.stack || error);
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
`;

describe.skipIf(reason)('the Nodes page (Chromium on a LAN host)', () => {
  let lan: Lan;
  let beta: LanHostAppliance;

  beforeAll(async () => {
    lan = await createLan(['alpha', 'beta']);
    [, beta] = await Promise.all([
      lan.host('alpha').startAppliance({ PICLOUD_PORT: '8080', PICLOUD_CLUSTER_PORT: '8445' }),
      lan.host('beta').startAppliance({ PICLOUD_PORT: '8080', PICLOUD_CLUSTER_PORT: '8445' }),
    ]);
  }, 120_000);
  afterAll(() => lan?.close());

  it('finds beta, refuses a wrong set-up code, joins it with the right one, lists it up, shows the join command', async () => {
    const { setupCode } = JSON.parse(readFileSync(join(beta.dataDir, 'runtime.json'), 'utf8'));
    const run = await lan
      .host('alpha')
      .run(
        process.execPath,
        ['--input-type=module', '-e', BROWSER, CHROMIUM, 'http://127.0.0.1:8081', 'beta', setupCode],
        {
          timeoutMs: 120_000,
        },
      );
    const seen = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}');
    expect(seen.failure, run.stderr).toBeUndefined();
    expect(seen.discoveredRow).toMatch(/fresh/);
    expect(seen.wrongCode).toMatch(/not the node's/);
    expect(seen.joined).toBe('beta joined the cluster.');
    expect(seen.memberRow).toMatch(/member/);
    expect(seen.memberRow).toMatch(new RegExp(lan.host('beta').address.replace(/\./g, '\\.')));
    expect(seen.command).toMatch(/^picloud join https:\/\/10\.\d+\.\d+\.\d+:8445 pcj1\.[0-9a-f]{64}\./);
    expect(seen.errors).toEqual([]);
    expect(existsSync(join(beta.dataDir, 'cluster', 'membership.json'))).toBe(true);
  }, 180_000);
});
