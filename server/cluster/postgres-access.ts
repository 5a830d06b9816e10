/**
 * Who may reach the primary's PostgreSQL from the LAN, and as whom. PostgreSQL itself enforces it:
 *
 * - it listens on the LAN with TLS only (`ssl_min_protocol_version=TLSv1.3`), its server certificate
 *   issued by the cluster CA, so a member verifies it (`sslmode=verify-full`);
 * - `pg_hba.conf` admits a LAN connection only as `hostssl … cert` for roles in {@link NODE_GROUP}:
 *   the client must present a certificate that chains to the cluster CA (`clientcert=verify-full`
 *   is implied by `cert`) and whose common name is the role it logs in as. The appliance's own role
 *   (`picloud`, a superuser) is admitted on loopback only, by password;
 * - each member has its own login role. It inherits the privileges of `picloud` on PiCloud's tables
 *   (read and write, and pg-boss's queue DDL: a member creates a queue on first `queue::send`) but
 *   may not `SET ROLE picloud`: role attributes are never inherited, so a member is not a superuser
 *   (no `COPY … TO PROGRAM`, no new roles) — a test checks it;
 * - removing a member drops its role (after handing what it created to `picloud`) and ends its
 *   sessions: its certificate, still valid for the CA, names a role that no longer exists, and the
 *   `+picloud_nodes` line no longer matches it, so PostgreSQL refuses it — no CRL to distribute.
 */
import { type Kysely, sql } from 'kysely';
import type { PostgresNetwork } from '../db/embedded-postgres.js';
import { DATABASE_NAME, ROLE_NAME } from '../db/embedded-postgres.js';
import type { Database } from '../db/schema.js';

/** The group every member's role belongs to; `pg_hba.conf` names it. */
export const NODE_GROUP = 'picloud_nodes';

const NODE_ROLE = /^picloud_node_[0-9a-f]{12}$/;

/** The TLS material of the primary's PostgreSQL (PEM). */
export interface PrimaryTls {
  /** The primary's certificate, from the cluster CA, naming its LAN addresses. */
  cert: string;
  key: string;
  /** The cluster CA: members' client certificates must chain to it. */
  ca: string;
}

/** How the primary's embedded PostgreSQL opens to members. */
export function clusterPostgresNetwork(tls: PrimaryTls): PostgresNetwork {
  return {
    listenAddresses: ['*'],
    tls,
    hba: [
      `hostssl ${DATABASE_NAME} +${NODE_GROUP} 0.0.0.0/0 cert`,
      `hostssl ${DATABASE_NAME} +${NODE_GROUP} ::/0 cert`,
    ],
  };
}

function checkedRole(role: string): string {
  if (!NODE_ROLE.test(role)) throw new Error(`Not a node role: "${role.slice(0, 80)}"`);
  return role;
}

/**
 * Creates the group of members' roles once: it inherits `picloud`'s privileges but cannot become it
 * (`SET FALSE`, PostgreSQL 16+).
 */
export async function ensureNodeGroup(db: Kysely<Database>): Promise<void> {
  await sql
    .raw(
      `DO $$ BEGIN
         IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${NODE_GROUP}') THEN
           CREATE ROLE ${NODE_GROUP} NOLOGIN;
           GRANT ${ROLE_NAME} TO ${NODE_GROUP} WITH INHERIT TRUE, SET FALSE;
         END IF;
       END $$`,
    )
    .execute(db);
}

/** Creates a member's login role (no password: only its certificate logs it in). Idempotent. */
export async function createNodeRole(db: Kysely<Database>, role: string): Promise<void> {
  const name = checkedRole(role);
  await ensureNodeGroup(db);
  await sql
    .raw(
      `DO $$ BEGIN
         IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${name}') THEN
           CREATE ROLE ${name} LOGIN;
         END IF;
       END $$;
       GRANT ${NODE_GROUP} TO ${name} WITH INHERIT TRUE, SET FALSE`,
    )
    .execute(db);
}

/**
 * Drops a member's role: no new session (NOLOGIN first), its sessions ended, what it created
 * (pg-boss queue partitions) handed to `picloud`, then the role itself. Idempotent.
 */
export async function dropNodeRole(db: Kysely<Database>, role: string): Promise<void> {
  const name = checkedRole(role);
  const exists = await sql<{ n: number }>`SELECT 1 AS n FROM pg_roles WHERE rolname = ${name}`.execute(db);
  if (exists.rows.length === 0) return;
  await sql.raw(`ALTER ROLE ${name} NOLOGIN`).execute(db);
  await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ${name}`.execute(db);
  await sql
    .raw(`REASSIGN OWNED BY ${name} TO ${ROLE_NAME}; DROP OWNED BY ${name}; DROP ROLE ${name}`)
    .execute(db);
}
