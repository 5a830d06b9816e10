/**
 * Host claims of apps. Two apps can never claim the same shape (unique `shape_key`); the most specific
 * claim wins at request time (exact beats wildcard, longer wildcard beats shorter). The machine's own
 * names and addresses (routing/machine-hosts.ts) belong to the app that answers for `localhost` (the
 * `default` app): no other app may claim them, and claims made before this rule are released when
 * PiCloud starts ({@link releaseMachineHostClaims}).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { PicloudError } from '../../errors/catalogue.js';
import { parseHostClaim } from '../../routing/host-claim.js';
import { currentMachineHosts, type MachineHosts, machineHostClaimed } from '../../routing/machine-hosts.js';
import { APPLIANCE, type CallerRights } from '../auth/caller-rights.js';
import { announce, writeTransaction } from '../change-feed.js';
import { isUniqueViolation } from '../db-errors.js';
import { isUuid } from '../ids.js';

/** A claim as the API shows it. */
export interface DomainView {
  id: string;
  pattern: string;
  kind: 'exact' | 'wildcard';
  created_at: string;
}

/** The claims of one app. */
export async function listDomains(db: Kysely<Database>, appId: string): Promise<DomainView[]> {
  const rows = await db
    .selectFrom('app_domains')
    .selectAll()
    .where('app_id', '=', appId)
    .orderBy('pattern')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    pattern: row.pattern,
    kind: row.kind,
    created_at: row.created_at.toISOString(),
  }));
}

/** The app holding a claim shape, if any. */
async function holderOf(db: Kysely<Database>, shapeKey: string) {
  return db
    .selectFrom('app_domains')
    .innerJoin('apps', 'apps.id', 'app_domains.app_id')
    .select(['apps.id', 'apps.slug'])
    .where('app_domains.shape_key', '=', shapeKey)
    .executeTakeFirst();
}

/**
 * DOMAIN_TAKEN, naming the holder only to a caller allowed to see it (a token limited to one app learns
 * nothing of the others).
 */
function taken(
  pattern: string,
  appId: string,
  holder: { id: string; slug: string },
  caller: CallerRights,
): PicloudError {
  if (holder.id !== appId && !caller.seesApp(holder.id)) {
    return new PicloudError('PICLOUD_ERR_DOMAIN_TAKEN', `"${pattern}" is already claimed by another app`);
  }
  const whose = holder.id === appId ? 'this app' : `app "${holder.slug}"`;
  return new PicloudError('PICLOUD_ERR_DOMAIN_TAKEN', `"${pattern}" is already claimed by ${whose}`, {
    app: holder,
  });
}

/** The app answering for `localhost` (the `default` app on a fresh install), if any. */
async function localhostHolder(db: Kysely<Database>): Promise<string | null> {
  const row = await db
    .selectFrom('app_domains')
    .select('app_id')
    .where('shape_key', '=', 'localhost')
    .executeTakeFirst();
  return row?.app_id ?? null;
}

/** Who asks for a claim, and how to read this machine's names (tests give their own). */
export interface ClaimOptions {
  caller?: CallerRights;
  machine?: () => MachineHosts;
}

/**
 * Adds a claim to an app; refuses an invalid host, one another app (or this one) already claims, and
 * a name or address of this machine unless the app answers for `localhost` (and `localhost` itself,
 * once released, to anyone but an unrestricted admin).
 */
export async function addDomain(
  db: Kysely<Database>,
  appId: string,
  input: string,
  options: ClaimOptions = {},
): Promise<DomainView> {
  const caller = options.caller ?? APPLIANCE;
  const claim = parseHostClaim(input);
  if ('error' in claim)
    throw new PicloudError('PICLOUD_ERR_DOMAIN_INVALID', `Invalid host claim "${input}": ${claim.error}`);
  const machineHost = machineHostClaimed(claim, (options.machine ?? currentMachineHosts)());
  try {
    return await writeTransaction(db, async (trx) => {
      const holder = await holderOf(trx, claim.shapeKey);
      if (holder) throw taken(claim.pattern, appId, holder, caller);
      if (machineHost !== null) {
        const machineApp = await localhostHolder(trx);
        const mayClaim =
          machineApp === appId ||
          (claim.pattern === 'localhost' && machineApp === null && caller.unrestrictedAdmin);
        if (!mayClaim) {
          throw new PicloudError(
            'PICLOUD_ERR_DOMAIN_MACHINE_HOST',
            `"${claim.pattern}" would take ${machineHost === claim.pattern ? 'a' : `"${machineHost}", a`} name or address of this appliance: only the app that answers for localhost (the default app) answers for them`,
            { host: machineHost },
          );
        }
      }
      const row = await trx
        .insertInto('app_domains')
        .values({ app_id: appId, pattern: claim.pattern, kind: claim.kind, shape_key: claim.shapeKey })
        .returningAll()
        .executeTakeFirstOrThrow();
      await announce(trx, { topic: 'domains', app: appId });
      return { id: row.id, pattern: row.pattern, kind: row.kind, created_at: row.created_at.toISOString() };
    });
  } catch (error) {
    // A concurrent claim of the same shape won between our check and our insert.
    if (!isUniqueViolation(error, 'app_domains_shape_key_key')) throw error;
    const holder = await holderOf(db, claim.shapeKey);
    throw holder
      ? taken(claim.pattern, appId, holder, caller)
      : new PicloudError('PICLOUD_ERR_DOMAIN_TAKEN', `"${claim.pattern}" is already claimed`);
  }
}

/** A claim released because it named this machine. */
export interface ReleasedClaim {
  appId: string;
  slug: string;
  pattern: string;
  /** The machine name or address it covered. */
  host: string;
}

/**
 * Releases the claims of apps other than the one answering for `localhost` that take a name or address
 * of this machine (made before such claims were refused, or before the machine got that address), in
 * one transaction that announces the change. Returns what it released, for the log and the audit.
 */
export async function releaseMachineHostClaims(
  db: Kysely<Database>,
  machine: MachineHosts = currentMachineHosts(),
): Promise<ReleasedClaim[]> {
  return writeTransaction(db, async (trx) => {
    const machineApp = await localhostHolder(trx);
    const claims = await trx
      .selectFrom('app_domains')
      .innerJoin('apps', 'apps.id', 'app_domains.app_id')
      .select([
        'app_domains.id',
        'app_domains.app_id',
        'app_domains.pattern',
        'app_domains.kind',
        'apps.slug',
      ])
      .execute();
    const released: ReleasedClaim[] = [];
    for (const claim of claims) {
      if (claim.app_id === machineApp) continue;
      const host = machineHostClaimed(claim, machine);
      if (host === null) continue;
      await trx.deleteFrom('app_domains').where('id', '=', claim.id).execute();
      released.push({ appId: claim.app_id, slug: claim.slug, pattern: claim.pattern, host });
    }
    for (const appId of new Set(released.map((claim) => claim.appId))) {
      await announce(trx, { topic: 'domains', app: appId });
    }
    return released;
  });
}

/** Removes a claim, named by id or by pattern. */
export async function removeDomain(db: Kysely<Database>, appId: string, idOrPattern: string): Promise<void> {
  await writeTransaction(db, async (trx) => {
    const claim = parseHostClaim(idOrPattern);
    const key = 'error' in claim ? null : claim.shapeKey;
    const deleted = await trx
      .deleteFrom('app_domains')
      .where('app_id', '=', appId)
      .where((eb) =>
        // A UUID-shaped reference may also be a host name ("deadbeef-...-...").
        isUuid(idOrPattern)
          ? eb.or([eb('id', '=', idOrPattern), eb('shape_key', '=', key ?? idOrPattern)])
          : eb('shape_key', '=', key ?? idOrPattern),
      )
      .returning('id')
      .executeTakeFirst();
    if (!deleted)
      throw new PicloudError('PICLOUD_ERR_DOMAIN_NOT_FOUND', `The app has no claim "${idOrPattern}"`);
    await announce(trx, { topic: 'domains', app: appId });
  });
}
