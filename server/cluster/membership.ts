/**
 * The primary's side of membership, on its database: admitting a member (its PostgreSQL role and its
 * `cluster_nodes` row) and removing one (the row, then the role — PostgreSQL refuses its certificate
 * from then on). The running primary calls these through its `ClusterRuntime`; they take only a
 * database handle, so they run wherever the primary's database is reachable as `picloud`.
 */
import type { Kysely } from 'kysely';
import { DATABASE_NAME } from '../db/embedded-postgres.js';
import type { Database } from '../db/schema.js';
import { MembershipError } from './membership-store.js';
import { createNodeRole, dropNodeRole } from './postgres-access.js';

/** A node asking to join, as the join flow has verified it. */
export interface MemberCandidate {
  /** SHA-256 (hex) of the certificate the cluster CA signed for it. */
  nodeId: string;
  /** Its PostgreSQL role: the common name of that certificate (see `nodeRoleName`). */
  pgRole: string;
  name: string;
  fingerprint: string;
  addresses: string[];
  wirePort?: number | null;
  versions: Record<string, string | number>;
}

/** What a new member needs to reach the primary's PostgreSQL. */
export interface MemberAdmission {
  pgRole: string;
  pgPort: number;
  pgDatabase: string;
}

const NODE_ID = /^[0-9a-f]{64}$/;
const ROLE = /^picloud_node_[0-9a-f]{12}$/;

/** Admits a member on the primary's database; re-admitting the same node refreshes its row. */
export async function admitMember(
  db: Kysely<Database>,
  pgPort: number,
  candidate: MemberCandidate,
): Promise<MemberAdmission> {
  if (!NODE_ID.test(candidate.nodeId) || !NODE_ID.test(candidate.fingerprint)) {
    throw new MembershipError('The node id and fingerprint must be SHA-256s in hex');
  }
  if (!ROLE.test(candidate.pgRole))
    throw new MembershipError(`Not a node role: "${candidate.pgRole.slice(0, 80)}"`);
  await createNodeRole(db, candidate.pgRole);
  const row = {
    name: candidate.name,
    role: 'member' as const,
    pg_role: candidate.pgRole,
    fingerprint: candidate.fingerprint,
    addresses: candidate.addresses,
    wire_port: candidate.wirePort ?? null,
    versions: JSON.stringify(candidate.versions),
    status: 'up' as const,
  };
  await db
    .insertInto('cluster_nodes')
    .values({ id: candidate.nodeId, ...row })
    .onConflict((oc) => oc.column('id').doUpdateSet(row))
    .execute();
  return { pgRole: candidate.pgRole, pgPort, pgDatabase: DATABASE_NAME };
}

/** Removes a member: its row, then its role and sessions. Null when there is no such member. */
export async function removeMember(
  db: Kysely<Database>,
  nodeId: string,
): Promise<{ name: string; pgRole: string | null } | null> {
  const removed = await db
    .deleteFrom('cluster_nodes')
    .where('id', '=', nodeId)
    .where('role', '=', 'member')
    .returning(['name', 'pg_role'])
    .executeTakeFirst();
  if (!removed) return null;
  if (removed.pg_role) await dropNodeRole(db, removed.pg_role);
  return { name: removed.name, pgRole: removed.pg_role };
}
