/**
 * Host claims of apps. Two apps can never claim the same shape (unique `shape_key`); the most specific
 * claim wins at request time (exact beats wildcard, longer wildcard beats shorter).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { PicloudError } from '../../errors/catalogue.js';
import { parseHostClaim } from '../../routing/host-claim.js';
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

function taken(pattern: string, appId: string, holder: { id: string; slug: string }): PicloudError {
  const whose = holder.id === appId ? 'this app' : `app "${holder.slug}"`;
  return new PicloudError('PICLOUD_ERR_DOMAIN_TAKEN', `"${pattern}" is already claimed by ${whose}`, {
    app: holder,
  });
}

/** Adds a claim to an app; refuses an invalid host or one another app (or this one) already claims. */
export async function addDomain(db: Kysely<Database>, appId: string, input: string): Promise<DomainView> {
  const claim = parseHostClaim(input);
  if ('error' in claim)
    throw new PicloudError('PICLOUD_ERR_DOMAIN_INVALID', `Invalid host claim "${input}": ${claim.error}`);
  try {
    return await writeTransaction(db, async (trx) => {
      const holder = await holderOf(trx, claim.shapeKey);
      if (holder) throw taken(claim.pattern, appId, holder);
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
      ? taken(claim.pattern, appId, holder)
      : new PicloudError('PICLOUD_ERR_DOMAIN_TAKEN', `"${claim.pattern}" is already claimed`);
  }
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
