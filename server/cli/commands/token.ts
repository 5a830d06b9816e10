/**
 * `picloud token`: scoped API tokens from the machine itself — create one (printed this once), list
 * them, revoke one. Works whether PiCloud runs or not (see cli-database.ts); every change goes to the
 * audit log under the operating-system user.
 */
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { resolveAppId } from '../../manager/apps/app-store.js';
import {
  createToken,
  getToken,
  listTokens,
  revokeToken,
  type TokenView,
} from '../../manager/auth/token-store.js';
import { isScope, SCOPE_NAMES, SCOPES, type Scope } from '../../security/scopes.js';
import { cliCreator, recordCliAction, withCliDatabase } from '../cli-database.js';
import { EXIT, wantsHelp } from '../exit-codes.js';
import { printTable, shortDate } from '../format.js';

const SCOPE_LIST = SCOPE_NAMES.map((scope) => `  ${scope.padEnd(17)} ${SCOPES[scope]}`).join('\n');

const TOKEN_USAGE = `Usage: picloud token <command>

Commands:
  create --name NAME --scope SCOPE [--scope SCOPE ...] [--app APP] [--expires WHEN] [--json]
                    Create an API token and print it, this once. --app limits it to one app (id or
                    slug); --expires takes a duration (12h, 30d, 2w) or a date (2026-12-31, ISO 8601).
  list [--all] [--json]
                    API tokens, newest first (--all: revoked ones too); never the tokens themselves
  revoke ID         Revoke an API token at once (it stays listed with --all)

Scopes:
${SCOPE_LIST}

Works whether PiCloud is running or not, on the data folder of the configuration (PICLOUD_DATA_DIR).`;

/** Dispatches `picloud token <command>`. */
export async function runToken(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (wantsHelp(argv)) {
    console.log(TOKEN_USAGE);
    return EXIT.ok;
  }
  switch (command) {
    case 'create':
      return runTokenCreate(rest);
    case 'list':
      return runTokenList(rest);
    case 'revoke':
      return runTokenRevoke(rest);
    case 'help':
    case '--help':
    case '-h':
      console.log(TOKEN_USAGE);
      return EXIT.ok;
    case undefined:
      console.error(TOKEN_USAGE);
      return EXIT.usage;
    default:
      console.error(`picloud: unknown token command "${command}"\n\n${TOKEN_USAGE}`);
      return EXIT.usage;
  }
}

function usageError(message: string): number {
  console.error(`picloud: ${message}`);
  return EXIT.usage;
}

const DURATION_UNITS_MS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/**
 * When a token given `--expires WHEN` expires, or null when WHEN is neither a duration nor a date.
 * @example parseExpiry('30d', Date.parse('2026-01-01T00:00:00Z')) // 2026-01-31T00:00:00.000Z
 */
export function parseExpiry(when: string, now: number = Date.now()): Date | null {
  const duration = /^(\d{1,6})([hdw])$/i.exec(when.trim());
  if (duration) return new Date(now + Number(duration[1]) * DURATION_UNITS_MS[duration[2].toLowerCase()]);
  if (!/^\d{4}-\d{2}-\d{2}/.test(when.trim())) return null;
  const at = Date.parse(when.trim());
  return Number.isNaN(at) ? null : new Date(at);
}

async function runTokenCreate(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      name: { type: 'string' },
      scope: { type: 'string', multiple: true },
      app: { type: 'string' },
      expires: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const name = values.name?.trim() ?? '';
  if (name === '' || name.length > 100) return usageError('--name NAME is required (1 to 100 characters)');
  const requested = (values.scope ?? []).flatMap((s) => s.split(',')).map((s) => s.trim());
  if (requested.length === 0) {
    return usageError(`at least one --scope is required (valid scopes: ${SCOPE_NAMES.join(', ')})`);
  }
  const unknown = requested.filter((s) => !isScope(s));
  if (unknown.length > 0) {
    return usageError(
      `unknown scope${unknown.length > 1 ? 's' : ''} ${unknown.map((s) => `"${s}"`).join(', ')} (valid scopes: ${SCOPE_NAMES.join(', ')})`,
    );
  }
  let expiresAt: Date | null = null;
  if (values.expires !== undefined) {
    expiresAt = parseExpiry(values.expires);
    if (!expiresAt) {
      return usageError(
        `--expires "${values.expires}" is neither a duration (12h, 30d, 2w) nor a date (2026-12-31, ISO 8601)`,
      );
    }
    if (expiresAt.getTime() <= Date.now())
      return usageError(`--expires "${values.expires}" is not in the future`);
  }
  return withCliDatabase(async (db, { config }) => {
    const appId = values.app === undefined ? null : await resolveAppId(db, values.app);
    const created = await createToken(db, {
      name,
      scopes: requested as Scope[],
      appId,
      expiresAt,
      createdBy: cliCreator(),
    });
    await recordCliAction(db, config, {
      action: 'cli.token.create',
      target: { token_id: created.id, name, scopes: created.scopes },
      appId,
    });
    if (values.json) {
      console.log(JSON.stringify(created, null, 2));
      return EXIT.ok;
    }
    const apps = await appSlugs(db, [created]);
    console.log(`Created API token "${created.name}" (id ${created.id})`);
    console.log(`  scopes:  ${created.scopes.join(', ')}`);
    console.log(
      `  app:     ${created.app_id ? `${apps.get(created.app_id)} (${created.app_id})` : 'every app'}`,
    );
    console.log(`  expires: ${created.expires_at ?? 'never'}`);
    console.log(`\n  ${created.token}\n`);
    console.log('Copy it now: it is shown only this once. Send it as "Authorization: Bearer <token>".');
    return EXIT.ok;
  });
}

async function runTokenList(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { all: { type: 'boolean' }, json: { type: 'boolean' } },
  });
  return withCliDatabase(async (db) => {
    const { items } = await listTokens(db, { includeRevoked: values.all });
    if (values.json) {
      console.log(JSON.stringify({ items }, null, 2));
      return EXIT.ok;
    }
    if (items.length === 0) {
      console.log(values.all ? 'No API tokens.' : 'No active API tokens (--all lists revoked ones too).');
      return EXIT.ok;
    }
    const apps = await appSlugs(db, items);
    const now = Date.now();
    const rows = items.map((t) => [
      t.id,
      t.name,
      `${t.prefix}…`,
      t.scopes.join(','),
      t.app_id ? (apps.get(t.app_id) ?? t.app_id) : '*',
      t.expires_at ? shortDate(t.expires_at) : 'never',
      t.last_used_at ? shortDate(t.last_used_at) : 'never',
      t.revoked_at ? 'revoked' : t.expires_at && Date.parse(t.expires_at) <= now ? 'expired' : 'active',
    ]);
    printTable([['ID', 'NAME', 'PREFIX', 'SCOPES', 'APP', 'EXPIRES', 'LAST USED', 'STATUS'], ...rows]);
    return EXIT.ok;
  });
}

async function runTokenRevoke(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, options: {}, allowPositionals: true });
  if (positionals.length !== 1)
    return usageError('token revoke takes one token ID (see `picloud token list`)');
  const [id] = positionals;
  return withCliDatabase(async (db, { config }) => {
    const before = await getToken(db, id);
    if (before.revoked_at) {
      console.log(
        `API token "${before.name}" (id ${before.id}) was already revoked at ${before.revoked_at}.`,
      );
      return EXIT.ok;
    }
    const revoked = await revokeToken(db, id);
    await recordCliAction(db, config, {
      action: 'cli.token.revoke',
      target: { token_id: revoked.id, name: revoked.name },
      appId: revoked.app_id,
    });
    console.log(`Revoked API token "${revoked.name}" (id ${revoked.id}).`);
    return EXIT.ok;
  });
}

/** Slugs of the apps the tokens are limited to, by app id. */
async function appSlugs(db: Kysely<Database>, tokens: TokenView[]): Promise<Map<string, string>> {
  const ids = [...new Set(tokens.flatMap((t) => (t.app_id ? [t.app_id] : [])))];
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('apps').select(['id', 'slug']).where('id', 'in', ids).execute();
  return new Map(rows.map((row) => [row.id, row.slug]));
}
