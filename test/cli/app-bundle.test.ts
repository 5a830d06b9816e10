/**
 * App bundles between two appliances, with the real `picloud app export` and `picloud app import`:
 * the imported app's endpoints answer as the original's (scripts with history, routes, triggers, KV
 * data, secrets with the passphrase); importing over a conflicting slug or host claim is refused with
 * nothing changed unless `--as` is given (which leaves the claimed hosts out); a dry run writes
 * nothing; a bundle that does not compile or was tampered with is refused whole.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { populate, SECRET_VALUE, tableDump } from '../backup/backup-fixtures.js';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';
import { runCli } from '../support/appliance-process.js';
import { requestWithHost } from '../support/http.js';
import { tarOf } from '../support/tar-builder.js';

const PASSPHRASE = 'bundle passphrase 42';
let source: TestAppliance;
let target: TestAppliance;
const work = mkdtempSync(join(tmpdir(), 'picloud-bundles-'));
const bundle = join(work, 'garden.picloud.tgz');
const cli = (appliance: TestAppliance) => ({
  PICLOUD_URL: appliance.panelUrl,
  PICLOUD_TOKEN: appliance.token,
  PICLOUD_CREDENTIALS: join(work, 'none'),
});
const dump = () =>
  tableDump(target.appliance.database.pool, { skip: ['audit_log', 'api_tokens', 'execution_logs'] });

beforeAll(async () => {
  source = await startTestAppliance({ backupSchedule: null });
  target = await startTestAppliance({ backupSchedule: null });
  await populate(source);
  await source.api('POST', '/api/v1/admin/scripts', {
    app: 'garden',
    name: 'reveal',
    source: 'secret::get("TOKEN")',
  });
  await source.api('POST', '/api/v1/admin/apps/garden/routes', {
    script: 'reveal',
    methods: ['GET'],
    path: '/reveal',
  });
}, 90_000);
afterAll(async () => {
  await source?.stop();
  await target?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function endpoints(appliance: TestAppliance, host = 'garden.lan') {
  const water = await requestWithHost(`${appliance.baseUrl}/water/roses`, host);
  const reveal = await requestWithHost(`${appliance.baseUrl}/reveal`, host);
  return { water: [water.status, water.text], reveal: [reveal.status, reveal.text] };
}

describe('export from one appliance, import into another', () => {
  it('exports with history, KV data and sealed secrets', async () => {
    const exported = await runCli(
      ['app', 'export', 'garden', '-o', bundle, '--history', '--kv', '--passphrase-stdin'],
      cli(source),
      `${PASSPHRASE}\n`,
    );
    expect(exported.code, exported.stderr).toBe(0);
    expect(readFileSync(bundle).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
  });

  it('a dry run shows the plan and writes nothing', async () => {
    const before = await dump();
    const plan = await runCli(['app', 'import', bundle, '--dry-run'], cli(target));
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(
      /Would create app garden: 4 script\(s\), 2 route\(s\), 2 trigger\(s\), 1 domain\(s\), 1 KV entries/,
    );
    expect(await dump()).toEqual(before);
  });

  it('imports: the endpoints answer the same, scripts keep their history', async () => {
    const imported = await runCli(
      ['app', 'import', bundle, '--passphrase-stdin'],
      cli(target),
      `${PASSPHRASE}\n`,
    );
    expect(imported.code, imported.stderr).toBe(0);
    // The first call on each: the counter the bundle carried (none yet) moves the same way on both.
    const [afterTarget, afterSource] = [await endpoints(target), await endpoints(source)];
    expect(afterTarget.reveal).toEqual([200, SECRET_VALUE]);
    expect(afterTarget).toEqual(afterSource);
    expect(afterTarget.water[0]).toBe(200);
    const spec = async (appliance: TestAppliance) =>
      (await appliance.api('GET', '/api/v1/admin/apps/garden/spec?history=true')).body;
    const [a, b] = [await spec(source), await spec(target)];
    expect(b).toEqual(a);
    expect(b.scripts.find((s: { name: string }) => s.name === 'water').versions).toHaveLength(2);
  });

  it('importing over a conflicting slug is refused with nothing changed', async () => {
    const before = await dump();
    const refused = await runCli(['app', 'import', bundle], cli(target));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/already has the slug "garden".*PICLOUD_ERR_BUNDLE_CONFLICT/);
    expect(await dump()).toEqual(before);
  });

  it('a conflicting host claim alone is refused too; --as imports a copy without the claimed hosts', async () => {
    const before = await dump();
    const asOther = await runCli(['app', 'import', bundle, '--as', 'garden-copy', '--dry-run'], cli(target));
    expect(asOther.stdout).toContain('domain garden.lan left out (claimed by app "garden")');
    expect(await dump()).toEqual(before);
    const copied = await runCli(['app', 'import', bundle, '--as', 'garden-copy'], cli(target));
    expect(copied.code, copied.stderr).toBe(0);
    expect(copied.stdout).toContain('Secrets to set again: TOKEN');
    const copy = (await target.api('GET', '/api/v1/admin/apps/garden-copy')).body;
    expect(copy.domains).toEqual([]);
    // Host claim conflict without a slug conflict: a third appliance state where only the host clashes.
    await target.api('DELETE', '/api/v1/admin/apps/garden');
    await target.api('POST', '/api/v1/admin/apps/garden-copy/domains', { pattern: 'garden.lan' });
    const claimBefore = await dump();
    const refused = await runCli(['app', 'import', bundle], cli(target));
    expect(refused.stderr).toMatch(/already has the host "garden.lan"/);
    expect(await dump()).toEqual(claimBefore);
  });
});

describe('bundles that must be refused whole', () => {
  async function upload(body: Buffer) {
    const response = await fetch(`${target.panelUrl}/api/v1/admin/apps:import?as=fresh`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/gzip' },
      body: new Uint8Array(body),
    });
    return { status: response.status, body: await response.json() };
  }
  const app = (source: string) => ({
    app: { slug: 'fresh', name: 'Fresh' },
    scripts: [
      { name: 'a', source: '1' },
      { name: 'b', source },
    ],
  });
  function bundleOf(appJson: unknown, extra: Record<string, string> = {}) {
    const text = JSON.stringify(appJson);
    const files = { 'app.json': text, ...extra };
    const manifest = {
      format: 'picloud-app-bundle',
      format_version: 1,
      id: '00000000-0000-4000-8000-000000000000',
      created_at: new Date().toISOString(),
      product: '0',
      sdk: '1',
      slug: 'fresh',
      history: false,
      kv: false,
      secrets: { names: [], sealed: false },
      files: Object.entries(files).map(([path, body]) => ({
        path,
        size: Buffer.byteLength(body),
        sha256: createHash('sha256').update(body).digest('hex'),
      })),
    };
    return gzipSync(
      tarOf([
        { path: 'manifest.json', body: JSON.stringify(manifest) },
        ...Object.entries(files).map(([path, body]) => ({ path, body })),
      ]),
    );
  }

  it('a script that does not compile: no script of the bundle is written', async () => {
    const before = await dump();
    const refused = await upload(bundleOf(app('let = ;')));
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('PICLOUD_ERR_SCRIPT_COMPILE');
    expect(refused.body.error.details.scripts[0]).toMatchObject({
      script: 'b',
      diagnostics: [expect.objectContaining({ line: 1 })],
    });
    expect(await dump()).toEqual(before);
  });

  it.each([
    [
      'a manifest that lies about its files',
      () =>
        gzipSync(
          tarOf([
            { path: 'manifest.json', body: '{"format":"picloud-app-bundle"}' },
            { path: 'app.json', body: '{}' },
          ]),
        ),
      /manifest.json is invalid/,
    ],
    ['a path traversal', () => gzipSync(tarOf([{ path: '../app.json', body: '{}' }])), /unsafe/],
    [
      'a symbolic link',
      () => gzipSync(tarOf([{ path: 'app.json', type: 'SymbolicLink', linkpath: '/etc/passwd' }])),
      /regular files/,
    ],
    ['an unexpected file', () => gzipSync(tarOf([{ path: 'run.sh', body: 'rm -rf /' }])), /unexpected/],
  ] as const)('%s', async (_name, build, message) => {
    const before = await dump();
    const refused = await upload(build());
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('PICLOUD_ERR_BUNDLE_INVALID');
    expect(refused.body.error.message).toMatch(message);
    expect(await dump()).toEqual(before);
  });
});
