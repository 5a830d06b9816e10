import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApplianceProcess,
  killLeftoverApplianceProcesses,
  runCli,
  startApplianceProcess,
} from '../support/appliance-process.js';
import { createTestDatabase } from '../support/database.js';
import { type RawResponse, requestWithHost } from '../support/http.js';

const scratch = mkdtempSync(join(tmpdir(), 'picloud-cli-auth-'));
// Run as root, PostgreSQL runs as an unprivileged user that must be able to pass through here.
chmodSync(scratch, 0o755);
const dataDir = join(scratch, 'data');
const env = { PICLOUD_DATA_DIR: dataDir, PICLOUD_PORT: '0' };

let appliance: ApplianceProcess | null = null;

afterAll(async () => {
  await appliance?.stop();
  await killLeftoverApplianceProcesses();
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs `picloud <args>` with `input` on its standard input. */
function runCliWithInput(args: string[], input: string) {
  return runCli(args, env, input);
}

/** A request to the running appliance, addressed as this machine (local set-up needs that). */
function api(
  path: string,
  options: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  if (!appliance) throw new Error('the appliance is not running');
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  return requestWithHost(
    `http://127.0.0.1:${appliance.panelPort}${path}`,
    `localhost:${appliance.panelPort}`,
    {
      method: options.method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    },
  );
}

function login(username: string, password: string): Promise<RawResponse> {
  return api('/api/v1/auth/login', { method: 'POST', body: { username, password } });
}

function sessionCookie(response: RawResponse): string {
  const header = [response.headers['set-cookie'] ?? []].flat().join('\n');
  const cookie = /picloud_session=[^;]+/.exec(header)?.[0];
  if (!cookie) throw new Error(`no session cookie in ${header}`);
  return cookie;
}

function withToken(token: string) {
  return { headers: { authorization: `Bearer ${token}` } };
}

const FIRST_PASSWORD = 'first-password-1';
const STDIN_PASSWORD = 'piped-password-2';

describe('picloud admin and token', () => {
  beforeAll(async () => {
    appliance = await startApplianceProcess(env);
  });

  it('before set-up, says that set-up has not happened and how to do it', async () => {
    // 1. A data folder that never held PiCloud: no database is created for the question.
    const empty = join(scratch, 'empty');
    mkdirSync(empty);
    const fresh = await runCli(['admin', 'reset-password'], { ...env, PICLOUD_DATA_DIR: empty });
    expect(fresh.code).toBe(1);
    expect(fresh.stderr).toMatch(/^picloud: no admin account exists yet: set-up has not happened/);
    expect(fresh.stderr).toContain('picloud start');
    expect(existsSync(join(empty, 'postgres'))).toBe(false);

    // 2. The running appliance, before anyone set it up: the message points to its panel.
    const running = await runCli(['admin', 'reset-password'], env);
    expect(running.code).toBe(1);
    expect(running.stderr).toContain('no admin account exists yet: set-up has not happened');
    expect(running.stderr).toContain(`http://localhost:${appliance?.panelPort}/`);
    expect(running.stderr).toContain('POST /api/v1/auth/setup');
    const list = await runCli(['admin', 'list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('No admin account yet');
  });

  it('while PiCloud runs, reset-password --password-stdin changes the password and ends the sessions', async () => {
    // 1. Set-up from this machine creates alice and signs her in.
    const setup = await api('/api/v1/auth/setup', {
      method: 'POST',
      body: { username: 'alice', password: FIRST_PASSWORD },
    });
    expect(setup.status).toBe(201);
    const cookie = sessionCookie(setup);
    expect((await api('/api/v1/admin/apps', { headers: { cookie } })).status).toBe(200);

    // 2. The only admin needs no --username; the password is the first line of stdin.
    const reset = await runCliWithInput(
      ['admin', 'reset-password', '--password-stdin'],
      `${STDIN_PASSWORD}\n`,
    );
    expect(reset.stderr).toBe('');
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain('Password of admin "alice" changed');

    // 3. The running server sees it at once: her session has ended, the new password signs in.
    const stale = await api('/api/v1/admin/apps', { headers: { cookie } });
    expect(stale.status).toBe(401);
    expect(stale.json().error.code).toBe('PICLOUD_ERR_AUTH_SESSION_INVALID');
    expect((await login('alice', FIRST_PASSWORD)).status).toBe(401);
    expect((await login('alice', STDIN_PASSWORD)).status).toBe(200);

    // 4. The audit log names the CLI.
    const audit = await api('/api/v1/admin/audit?action=cli.', {
      headers: { cookie: sessionCookie(await login('alice', STDIN_PASSWORD)) },
    });
    expect(audit.json().items[0]).toMatchObject({ action: 'cli.reset-password', actor: { kind: 'cli' } });
  });

  it('refuses a weak password, and names the accounts when --username is missing or wrong', async () => {
    const weak = await runCliWithInput(['admin', 'reset-password', '--password-stdin'], 'short\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(
      /^picloud: The password must have at least 10 characters; nothing changed\n$/,
    );
    expect((await login('alice', STDIN_PASSWORD)).status).toBe(200);

    // A second admin makes --username necessary.
    const signedIn = await login('alice', STDIN_PASSWORD);
    const created = await api('/api/v1/admin/accounts', {
      method: 'POST',
      body: { username: 'bob', password: 'bobs-password-1' },
      headers: { cookie: sessionCookie(signedIn), 'x-csrf-token': signedIn.json().csrf_token },
    });
    expect(created.status).toBe(201);
    const ambiguous = await runCliWithInput(
      ['admin', 'reset-password', '--password-stdin'],
      'whatever-long\n',
    );
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('say which with --username NAME (alice, bob)');
    const unknown = await runCliWithInput(
      ['admin', 'reset-password', '--password-stdin', '--username', 'carol'],
      'whatever-long\n',
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no admin named "carol" (admins: alice, bob)');

    const list = await runCli(['admin', 'list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^USERNAME +CREATED +PASSWORD CHANGED\nalice +\S+ \S+ +\S+ \S+\nbob /);
    const json = JSON.parse((await runCli(['admin', 'list', '--json'], env)).stdout);
    expect(json.items.map((a: { username: string }) => a.username)).toEqual(['alice', 'bob']);
  });

  let readToken = '';
  let readTokenId = '';

  it('token create prints a token that works against the running server, within its scopes', async () => {
    // 1. apps:read may list apps.
    const read = await runCli(['token', 'create', '--name', 'reader', '--scope', 'apps:read'], env);
    expect(read.stderr).toBe('');
    expect(read.code).toBe(0);
    readToken = /^ {2}(pic_\S+)$/m.exec(read.stdout)?.[1] ?? '';
    readTokenId = /\(id ([0-9a-f-]{36})\)/.exec(read.stdout)?.[1] ?? '';
    expect(readToken).toMatch(/^pic_[A-Za-z0-9_-]{43}$/);
    expect(read.stdout).toContain('shown only this once');
    expect((await api('/api/v1/admin/apps', withToken(readToken))).status).toBe(200);

    // 2. logs:read alone may not.
    const logs = await runCli(['token', 'create', '--name', 'logger', '--scope', 'logs:read', '--json'], env);
    expect(logs.code).toBe(0);
    const logsToken = JSON.parse(logs.stdout);
    expect(logsToken).toMatchObject({
      name: 'logger',
      scopes: ['logs:read'],
      app_id: null,
      expires_at: null,
    });
    const refused = await api('/api/v1/admin/apps', withToken(logsToken.token));
    expect(refused.status).toBe(403);
    expect(refused.json().error.code).toBe('PICLOUD_ERR_AUTH_SCOPE');

    // 3. Limited to one app (by slug), expiring in 12 hours, several scopes.
    const before = Date.now();
    const limited = await runCli(
      [
        'token',
        'create',
        '--name',
        'deploy',
        '--scope',
        'apps:read',
        '--scope',
        'scripts:write',
        '--app',
        'default',
        '--expires',
        '12h',
        '--json',
      ],
      env,
    );
    expect(limited.code).toBe(0);
    const deploy = JSON.parse(limited.stdout);
    expect(deploy.scopes).toEqual(['apps:read', 'scripts:write']);
    expect(deploy.app_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(deploy.created_by).toMatch(/^cli:/);
    const expires = Date.parse(deploy.expires_at);
    expect(expires).toBeGreaterThanOrEqual(before + 12 * 3_600_000);
    expect(expires).toBeLessThan(Date.now() + 12 * 3_600_000 + 60_000);
    expect((await api('/api/v1/admin/apps/default', withToken(deploy.token))).status).toBe(200);

    // 4. Mistakes are refused before anything is created.
    const [badScope, badApp, past] = await Promise.all([
      runCli(['token', 'create', '--name', 'x', '--scope', 'apps:read,apps:fly'], env),
      runCli(['token', 'create', '--name', 'x', '--scope', 'apps:read', '--app', 'nope'], env),
      runCli(['token', 'create', '--name', 'x', '--scope', 'apps:read', '--expires', '2001-01-01'], env),
    ]);
    expect(badScope.code).toBe(2);
    expect(badScope.stderr).toMatch(
      /^picloud: unknown scope "apps:fly" \(valid scopes: apps:read, .*admin\)\n$/,
    );
    expect(badApp.code).toBe(1);
    expect(badApp.stderr).toBe('picloud: No app "nope"\n');
    expect(past.code).toBe(2);
    expect(past.stderr).toContain('is not in the future');
  });

  it('token list shows the tokens; token revoke makes one fail at once', async () => {
    const list = await runCli(['token', 'list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID +NAME +PREFIX +SCOPES +APP +EXPIRES +LAST USED +STATUS\n/);
    expect(list.stdout).toMatch(
      new RegExp(`${readTokenId} +reader +pic_\\S+ +apps:read +\\* +never +\\S+ \\S+ +active`),
    );
    expect(list.stdout).toMatch(/deploy +pic_\S+ +apps:read,scripts:write +default /);
    expect(list.stdout).not.toContain(readToken);

    const revoke = await runCli(['token', 'revoke', readTokenId], env);
    expect(revoke.code).toBe(0);
    expect(revoke.stdout).toContain(`Revoked API token "reader" (id ${readTokenId})`);
    const refused = await api('/api/v1/admin/apps', withToken(readToken));
    expect(refused.status).toBe(401);
    expect(refused.json().error.code).toBe('PICLOUD_ERR_AUTH_TOKEN_REVOKED');

    const [active, all, missing, noId] = await Promise.all([
      runCli(['token', 'list', '--json'], env),
      runCli(['token', 'list', '--all', '--json'], env),
      runCli(['token', 'revoke', '00000000-0000-4000-8000-000000000000'], env),
      runCli(['token', 'revoke'], env),
    ]);
    const names = (output: string) => JSON.parse(output).items.map((t: { name: string }) => t.name);
    expect(names(active.stdout)).toEqual(['deploy', 'logger']);
    expect(names(all.stdout)).toEqual(['deploy', 'logger', 'reader']);
    expect(JSON.parse(all.stdout).items[2].revoked_at).not.toBeNull();
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('picloud: No API token with id 00000000-0000-4000-8000-000000000000\n');
    expect(noId.code).toBe(2);
  });

  it('while PiCloud is stopped, the CLI starts the database itself; the appliance then sees the changes', async () => {
    // 1. Stop the appliance.
    expect(await appliance?.stop()).toBe(0);
    appliance = null;

    // 2. No terminal, no --password-stdin: a strong password is generated and printed once.
    const reset = await runCli(['admin', 'reset-password', '--username', 'alice'], env);
    expect(reset.stderr).toBe('');
    expect(reset.code).toBe(0);
    const generated = /^New password \(shown only this once\): (\S+)$/m.exec(reset.stdout)?.[1] ?? '';
    expect(generated.length).toBeGreaterThanOrEqual(20);
    const created = await runCli(['token', 'create', '--name', 'offline', '--scope', 'admin', '--json'], env);
    expect(created.code).toBe(0);
    const offline = JSON.parse(created.stdout);

    // 3. The CLI left nothing behind: no lock, no PostgreSQL, no runtime file.
    expect(existsSync(join(dataDir, 'picloud.lock'))).toBe(false);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    expect(existsSync(join(dataDir, 'runtime.json'))).toBe(false);

    // 4. Started again, the appliance takes the new password, refuses the old one, and honours the token.
    appliance = await startApplianceProcess(env);
    expect((await login('alice', STDIN_PASSWORD)).status).toBe(401);
    expect((await login('alice', generated)).status).toBe(200);
    expect((await login('bob', 'bobs-password-1')).status).toBe(200);
    expect((await api('/api/v1/admin/apps', withToken(offline.token))).status).toBe(200);
  }, 60_000);
});

describe('with PICLOUD_DATABASE_URL', () => {
  it('works on the external database directly, migrating it like the appliance would', async () => {
    const database = await createTestDatabase();
    try {
      const external = { PICLOUD_DATA_DIR: join(scratch, 'unused'), PICLOUD_DATABASE_URL: database.url };
      const reset = await runCli(['admin', 'reset-password'], external);
      expect(reset.code).toBe(1);
      expect(reset.stderr).toContain('no admin account exists yet: set-up has not happened');

      const created = await runCli(
        ['token', 'create', '--name', 'ci', '--scope', 'kv:read', '--json'],
        external,
      );
      expect(created.code).toBe(0);
      const { id } = JSON.parse(created.stdout);
      const { rows } = await database.pool.query('SELECT name, scopes FROM api_tokens WHERE id = $1', [id]);
      expect(rows).toEqual([{ name: 'ci', scopes: ['kv:read'] }]);
      const audit = await database.pool.query('SELECT actor_kind, action FROM audit_log');
      expect(audit.rows).toEqual([{ actor_kind: 'cli', action: 'cli.token.create' }]);
      expect(existsSync(join(scratch, 'unused'))).toBe(false);
    } finally {
      await database.drop();
    }
  });
});

describe('usage', () => {
  it('admin and token without a command print their usage and exit 2', async () => {
    for (const command of ['admin', 'token']) {
      const { code, stderr } = await runCli([command], env);
      expect(code).toBe(2);
      expect(stderr).toContain(`Usage: picloud ${command} <command>`);
    }
    const help = await runCli(['help'], env);
    expect(help.stdout).toContain('admin reset-password [--username NAME] [--password-stdin]');
    expect(help.stdout).toContain('token create --name NAME --scope SCOPE');
  });
});
