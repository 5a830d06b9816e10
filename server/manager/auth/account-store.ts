/**
 * The owner's accounts: the first one is created by set-up, later ones by a signed-in admin. Passwords
 * are stored as scrypt hashes only.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import { PicloudError } from '../../errors/catalogue.js';
import { decoyHash, hashPassword, passwordProblem, verifyPassword } from '../../security/password-hash.js';
import { writeStatement } from '../change-feed.js';

/** An account as the API shows it. */
export interface AdminView {
  id: string;
  username: string;
  created_at: string;
  password_changed_at: string;
}

/** Lower-case letters, digits, dot, dash, underscore; at most 64. */
export const USERNAME_PATTERN = '^[a-z0-9][a-z0-9._-]{0,63}$';

function checkPassword(password: string): void {
  const problem = passwordProblem(password);
  if (problem) throw new PicloudError('PICLOUD_ERR_AUTH_WEAK_PASSWORD', problem);
}

/** True when at least one admin account exists. */
export async function adminExists(db: Kysely<Database>): Promise<boolean> {
  const row = await db.selectFrom('admins').select('id').limit(1).executeTakeFirst();
  return row !== undefined;
}

/**
 * Creates the first admin. Serialised by an advisory lock, so two simultaneous set-ups cannot both
 * succeed; once an admin exists this is PICLOUD_ERR_AUTH_SETUP_DONE.
 */
export async function createFirstAdmin(
  db: Kysely<Database>,
  input: { username: string; password: string },
): Promise<AdminView> {
  checkPassword(input.password);
  const passwordHash = await hashPassword(input.password);
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('picloud.setup'))`.execute(trx);
    if (await trx.selectFrom('admins').select('id').limit(1).executeTakeFirst()) {
      throw new PicloudError('PICLOUD_ERR_AUTH_SETUP_DONE');
    }
    const row = await trx
      .insertInto('admins')
      .values({ username: input.username, password_hash: passwordHash })
      .returningAll()
      .executeTakeFirstOrThrow();
    return viewAdmin(row);
  });
}

/** Creates another admin (a signed-in admin's action). */
export async function createAdmin(
  db: Kysely<Database>,
  input: { username: string; password: string },
): Promise<AdminView> {
  checkPassword(input.password);
  const passwordHash = await hashPassword(input.password);
  return writeStatement(db, async (writer) => {
    const row = await writer
      .insertInto('admins')
      .values({ username: input.username, password_hash: passwordHash })
      .onConflict((conflict) => conflict.column('username').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new PicloudError('PICLOUD_ERR_AUTH_USERNAME_TAKEN');
    return viewAdmin(row);
  });
}

/** Every admin, oldest first. */
export async function listAdmins(db: Kysely<Database>): Promise<AdminView[]> {
  const rows = await db.selectFrom('admins').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map(viewAdmin);
}

/**
 * The account whose password matches, or null. An unknown name costs a full hash too, so the answer
 * time does not tell which names exist.
 */
export async function checkLogin(
  db: Kysely<Database>,
  username: string,
  password: string,
): Promise<AdminView | null> {
  const row = await db.selectFrom('admins').selectAll().where('username', '=', username).executeTakeFirst();
  const ok = await verifyPassword(password, row?.password_hash ?? (await decoyHash()));
  return row && ok ? viewAdmin(row) : null;
}

/** Changes a password after checking the current one; the caller then ends the other sessions. */
export async function changePassword(
  db: Kysely<Database>,
  adminId: string,
  current: string,
  next: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('admins')
    .select('password_hash')
    .where('id', '=', adminId)
    .executeTakeFirst();
  if (!row || !(await verifyPassword(current, row.password_hash))) return false;
  checkPassword(next);
  await setPassword(db, adminId, next);
  return true;
}

/** Sets a new password and ends every session of the account (the CLI's reset). */
export async function resetPassword(
  db: Kysely<Database>,
  username: string,
  password: string,
): Promise<AdminView> {
  checkPassword(password);
  const row = await db.selectFrom('admins').select('id').where('username', '=', username).executeTakeFirst();
  if (!row) throw new PicloudError('PICLOUD_ERR_AUTH_ADMIN_NOT_FOUND', `No admin named "${username}"`);
  await setPassword(db, row.id, password);
  await db.deleteFrom('sessions').where('admin_id', '=', row.id).execute();
  const updated = await db
    .selectFrom('admins')
    .selectAll()
    .where('id', '=', row.id)
    .executeTakeFirstOrThrow();
  return viewAdmin(updated);
}

async function setPassword(db: Kysely<Database>, adminId: string, password: string): Promise<void> {
  const passwordHash = await hashPassword(password);
  await db
    .updateTable('admins')
    .set({ password_hash: passwordHash, password_changed_at: new Date() })
    .where('id', '=', adminId)
    .execute();
}

function viewAdmin(row: {
  id: string;
  username: string;
  created_at: Date;
  password_changed_at: Date;
}): AdminView {
  return {
    id: row.id,
    username: row.username,
    created_at: row.created_at.toISOString(),
    password_changed_at: row.password_changed_at.toISOString(),
  };
}
