/**
 * Deploy from a folder, as a user runs it — the real `picloud` command against a running appliance:
 * `picloud login` saves the token; `picloud pull` writes picloud.toml and scripts/*.rhai; `picloud
 * deploy` of the unchanged folder changes nothing; a changed script becomes exactly one new version,
 * live when the command returns; a script that does not compile stops the whole deploy with
 * file:line:column and nothing changes; a new folder creates its app; `--watch` deploys on save.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { populate, tableDump } from '../backup/backup-fixtures.js';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';
import { PICLOUD_BIN, runCli } from '../support/appliance-process.js';
import { requestWithHost } from '../support/http.js';

let pc: TestAppliance;
const work = mkdtempSync(join(tmpdir(), 'picloud-deploy-'));
const folder = join(work, 'garden');
const credentials = join(work, 'credentials.json');
/** The CLI's environment: the saved login, nothing else. */
const env = () => ({ PICLOUD_CREDENTIALS: credentials, PICLOUD_URL: '', PICLOUD_TOKEN: '' });
const dump = () =>
  tableDump(pc.appliance.database.pool, { skip: ['audit_log', 'api_tokens', 'execution_logs', 'sessions'] });

beforeAll(async () => {
  pc = await startTestAppliance({ backupSchedule: null });
  await populate(pc);
}, 60_000);
afterAll(async () => {
  await pc?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('picloud login, pull and deploy', () => {
  it('login checks the token and saves it', async () => {
    const wrong = await runCli(['login', pc.panelUrl, '--token-stdin'], env(), 'pic_not-a-token\n');
    expect(wrong.code).toBe(1);
    const login = await runCli(['login', pc.panelUrl, '--token-stdin'], env(), `${pc.token}\n`);
    expect(login.code, login.stderr).toBe(0);
    expect(JSON.parse(readFileSync(credentials, 'utf8')).current).toBe(pc.panelUrl);
  });

  it('pull writes the app as picloud.toml and scripts/*.rhai', async () => {
    const pulled = await runCli(['pull', 'garden', folder], env());
    expect(pulled.code, pulled.stderr).toBe(0);
    const toml = readFileSync(join(folder, 'picloud.toml'), 'utf8');
    expect(toml).toContain('slug = "garden"');
    expect(toml).toContain('path = "/water/:zone"');
    expect(toml).toMatch(/\[scripts\.util\]\s+kind = "module"/);
    expect(readFileSync(join(folder, 'scripts', 'water.rhai'), 'utf8')).toContain('import "util" as u;');
  });

  it('deploying the unchanged folder is a no-op', async () => {
    const before = await dump();
    const deployed = await runCli(['deploy', folder], env());
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.stdout).toContain('no changes');
    expect(await dump()).toEqual(before);
  });

  it('a changed script deploys as exactly one new version, live when the command returns', async () => {
    const water = (await pc.api('GET', '/api/v1/admin/scripts?app=garden')).body.items.find(
      (s: { name: string }) => s.name === 'water',
    );
    writeFileSync(join(folder, 'scripts', 'water.rhai'), '#{ zone: ctx.params.zone, v: "deployed" }');
    const plan = await runCli(['deploy', folder, '--dry-run'], env());
    expect(plan.stdout).toContain(`~ script water (version ${water.version + 1})`);
    expect((await pc.api('GET', `/api/v1/admin/scripts/${water.id}`)).body.version).toBe(water.version);
    const deployed = await runCli(['deploy', folder], env());
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.stdout).toMatch(/deployed 1 change\(s\); live/);
    // Live at once: the command waited for the orchestrator.
    const answer = await requestWithHost(`${pc.baseUrl}/water/roses`, 'garden.lan');
    expect(answer.json()).toEqual({ zone: 'roses', v: 'deployed' });
    const versions = (await pc.api('GET', `/api/v1/admin/scripts/${water.id}/versions`)).body.items;
    expect(versions.map((v: { version: number }) => v.version)).toEqual(
      [water.version + 1, water.version, 1].slice(0, versions.length),
    );
    expect(versions).toHaveLength(water.version + 1);
  });

  it('a script that does not compile stops the whole deploy, with file:line:column, and nothing changes', async () => {
    const before = await dump();
    writeFileSync(join(folder, 'scripts', 'nightly.rhai'), '"changed too"');
    writeFileSync(join(folder, 'scripts', 'broken.rhai'), 'let x = 1;\nlet y = ;\n');
    const deployed = await runCli(['deploy', folder], env());
    expect(deployed.code).toBe(1);
    expect(deployed.stderr).toMatch(
      new RegExp(`${join(folder, 'scripts', 'broken.rhai').replace(/[.\\/]/g, '\\$&')}:2:9: `),
    );
    expect(deployed.stderr).toContain('nothing deployed');
    expect(await dump()).toEqual(before);
    rmSync(join(folder, 'scripts', 'broken.rhai'));
    writeFileSync(join(folder, 'scripts', 'nightly.rhai'), '"done"');
  });

  it('deleting a file deletes the script with its routes; a new folder creates an app', async () => {
    const other = join(work, 'weather');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(other, 'scripts'), { recursive: true });
    writeFileSync(
      join(other, 'picloud.toml'),
      'domains = ["weather.lan"]\n[app]\nslug = "weather"\nname = "Weather"\n[[routes]]\nscript = "now"\nmethods = ["GET"]\npath = "/now"\n',
    );
    writeFileSync(join(other, 'scripts', 'now.rhai'), '#{ sky: "clear" }');
    writeFileSync(join(other, 'scripts', 'old.rhai'), '1');
    const created = await runCli(['deploy', other], env());
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('+ app weather');
    expect((await requestWithHost(`${pc.baseUrl}/now`, 'weather.lan')).json()).toEqual({ sky: 'clear' });
    rmSync(join(other, 'scripts', 'old.rhai'));
    const removed = await runCli(['deploy', other], env());
    expect(removed.stdout).toContain('- script old');
  });

  it('PICLOUD_TOKEN and --url reach an appliance without a login', async () => {
    const deployed = await runCli(['deploy', folder, '--url', pc.panelUrl], {
      PICLOUD_CREDENTIALS: join(work, 'none.json'),
      PICLOUD_TOKEN: pc.token,
    });
    expect(deployed.code, deployed.stderr).toBe(0);
    const missing = await runCli(['deploy', folder, '--url', pc.panelUrl], {
      PICLOUD_CREDENTIALS: join(work, 'none.json'),
      PICLOUD_TOKEN: '',
    });
    expect(missing.stderr).toMatch(/no API token/);
  });

  it('a refusal is one "picloud: …" line and exit code 1, never a stack trace', async () => {
    const noToken = await runCli(['login', pc.panelUrl], {
      PICLOUD_CREDENTIALS: join(work, 'none.json'),
      PICLOUD_TOKEN: '',
    });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toBe(
      'picloud: give the token on standard input with --token-stdin, or in PICLOUD_TOKEN\n',
    );
    const unreachable = await runCli(
      ['pull', 'garden', join(work, 'nowhere'), '--url', 'http://127.0.0.1:1'],
      {
        PICLOUD_TOKEN: pc.token,
      },
    );
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^picloud: cannot reach http:\/\/127\.0\.0\.1:1[^\n]*\n$/);
  });

  it('--watch deploys again when a script is saved', async () => {
    const child = spawn(process.execPath, [PICLOUD_BIN, 'deploy', folder, '--watch'], {
      env: { ...process.env, PICLOUD_CONFIG: '', ...env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      await expect.poll(() => output, { timeout: 15_000 }).toContain('Watching');
      writeFileSync(join(folder, 'scripts', 'water.rhai'), '#{ zone: ctx.params.zone, v: "watched" }');
      await expect
        .poll(async () => (await requestWithHost(`${pc.baseUrl}/water/x`, 'garden.lan')).text, {
          timeout: 15_000,
        })
        .toContain('watched');
    } finally {
      child.kill('SIGINT');
    }
  });
});
