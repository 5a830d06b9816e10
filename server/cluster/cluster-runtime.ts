/**
 * The cluster side of one running appliance (docs/cluster.md). Before the database opens,
 * {@link planClusterStart} reads the node's role and says how to open it: a member on the primary's
 * PostgreSQL over TLS, a primary on its own PostgreSQL opened to members, a fresh node as before.
 * Once it is open, a {@link ClusterRuntime} keeps this node's `cluster_nodes` row current (the
 * heartbeat) and, on the primary, admits and removes members — what the join flow and the admin API
 * call.
 */
import { isIPv6 } from 'node:net';
import { hostname } from 'node:os';
import { type Kysely, sql } from 'kysely';
import type { Config } from '../config/settings.js';
import type { ScriptNode } from '../contracts/executor.js';
import type { ClusterDatabase } from '../db/database.js';
import type { EmbeddedPostgres } from '../db/embedded-postgres.js';
import type { Database } from '../db/schema.js';
import type { CertificateAuthority } from '../trust/certificate-authority.js';
import type { ClusterMembers } from './cluster-members.js';
import { type ClusterState, readClusterState, writePrimaryState } from './cluster-state.js';
import { memberDatabaseUrl } from './member-database-url.js';
import { admitMember, type MemberAdmission, type MemberCandidate, removeMember } from './membership.js';
import { MembershipError } from './membership-store.js';
import { certificateSha256 } from './node-certificates.js';
import { NodeHeartbeat, type NodeReport } from './node-heartbeat.js';
import { localNodeIdentity } from './node-identity.js';
import { clusterPostgresNetwork, type PrimaryTls } from './postgres-access.js';

/** How the appliance starts, given this node's role. */
export interface ClusterStartPlan {
  state: ClusterState;
  /** How to open the database. */
  database: ClusterDatabase;
  /** `ctx.node`. */
  node: ScriptNode;
  /**
   * A member's panel sends every request to the primary's panel (307, same path): the control plane
   * lives there only. Null on a primary or a fresh node.
   */
  panelRedirect: string | null;
}

/** Reads the role from the data folder and plans the start. */
export function planClusterStart(config: Pick<Config, 'dataDir'>): ClusterStartPlan {
  const state = readClusterState(config.dataDir);
  switch (state.role) {
    case 'fresh':
      return { state, database: {}, node: { id: '', name: hostname() }, panelRedirect: null };
    case 'member': {
      const { membership } = state;
      return {
        state,
        database: { memberUrl: memberDatabaseUrl(config.dataDir, membership) },
        node: { id: membership.nodeId, name: membership.name },
        panelRedirect: membership.primary.panelPort
          ? `http://${isIPv6(membership.primary.host) ? `[${membership.primary.host}]` : membership.primary.host}:${membership.primary.panelPort}`
          : null,
      };
    }
    case 'primary':
      return {
        state,
        database: { primary: { network: clusterPostgresNetwork(state.tls), port: state.primary.pgPort } },
        node: { id: state.primary.nodeId, name: state.primary.name },
        panelRedirect: null,
      };
    default:
      throw new Error(`Unknown cluster role ${(state as { role: string }).role}`);
  }
}

/** What a node needs to become the primary: the cluster's id, its own id and name, its TLS files. */
export interface PrimaryIdentity {
  clusterId: string;
  nodeId: string;
  name: string;
  tls: PrimaryTls;
}

/**
 * The primary's identity from its own CA: the certificate it shows on the cluster port
 * (`cluster/local-node.pem`, naming its LAN addresses) also serves its PostgreSQL, so a member's
 * `verify-full` checks the address it connects to against it.
 */
export async function primaryTls(dataDir: string, ca: CertificateAuthority): Promise<PrimaryIdentity> {
  const identity = await localNodeIdentity(dataDir, ca);
  return {
    clusterId: certificateSha256(ca.certificatePem),
    nodeId: identity.nodeId,
    name: hostname(),
    tls: { cert: identity.certificatePem, key: identity.keyPem, ca: ca.certificatePem },
  };
}

/** What the runtime needs from the appliance. */
export interface ClusterRuntimeDeps {
  dataDir: string;
  plan: ClusterStartPlan;
  db: Kysely<Database>;
  /** This node's embedded PostgreSQL (null on a member). */
  embedded: EmbeddedPostgres | null;
  /** This node's figures for each report. */
  report: () => Promise<NodeReport>;
  log: (level: 'info' | 'warn', message: string) => void;
}

const NODE_ID = /^[0-9a-f]{64}$/;

/** The cluster side of a running appliance. */
export class ClusterRuntime {
  readonly #deps: ClusterRuntimeDeps;
  #state: ClusterState;
  #heartbeat: NodeHeartbeat | null = null;
  /** Admissions and removals one at a time (each may restart PostgreSQL or drop roles). */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(deps: ClusterRuntimeDeps) {
    this.#deps = deps;
    this.#state = deps.plan.state;
  }

  /** `fresh`, `member` or `primary`. */
  get role(): ClusterState['role'] {
    return this.#state.role;
  }

  /**
   * The membership side the join flow and the cluster API use (server/cluster/cluster-members.ts).
   * The first admission makes this node the primary (`identity` gives what it needs).
   */
  members(identity: () => Promise<PrimaryIdentity>): ClusterMembers {
    const { db } = this.#deps;
    return {
      admit: async (node) => {
        if (this.#state.role === 'fresh') await this.becomePrimary(await identity());
        const { pgPort, pgDatabase } = await this.admitMember(node);
        return { pgPort, pgDatabase };
      },
      remove: (nodeId) => this.removeMember(nodeId),
      isClusterNode: async (fingerprint) =>
        (await db
          .selectFrom('cluster_nodes')
          .select('id')
          .where('fingerprint', '=', fingerprint)
          .executeTakeFirst()) !== undefined,
      list: async () => {
        const rows = await db
          .selectFrom('cluster_nodes')
          .select(['id', 'name', 'role', 'addresses', 'wire_port', 'versions', 'last_seen', 'status'])
          .orderBy(sql`role = 'primary'`, 'desc')
          .orderBy('name')
          .execute();
        return rows.map((row) => ({
          id: row.id,
          name: row.name,
          role: row.role,
          addresses: row.addresses,
          wirePort: row.wire_port ?? 0,
          versions: row.versions as Record<string, unknown>,
          lastSeen: row.last_seen,
          up: row.status === 'up',
        }));
      },
    };
  }

  /** Starts reporting when this node is in a cluster (no timer on a fresh node). */
  async start(): Promise<void> {
    const state = this.#state;
    if (state.role === 'fresh') return;
    const self =
      state.role === 'member'
        ? { id: state.membership.nodeId, name: state.membership.name, role: 'member' as const }
        : { id: state.primary.nodeId, name: state.primary.name, role: 'primary' as const };
    this.#heartbeat = new NodeHeartbeat({
      db: this.#deps.db,
      self: { ...self, fingerprint: self.id },
      report: this.#deps.report,
      log: this.#deps.log,
    });
    await this.#heartbeat.start();
  }

  /** Stops reporting; the node's row says `stopped`. */
  async stop(): Promise<void> {
    await this.#chain.catch(() => undefined);
    await this.#heartbeat?.stop();
    this.#heartbeat = null;
  }

  #serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(task);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Makes this fresh node its cluster's primary: records it, then restarts its PostgreSQL once,
   * listening on the LAN (TLS, cluster certificates only) on the port it has now, kept from then on.
   * Idempotent on a primary; refused on a member.
   */
  becomePrimary(input: { clusterId: string; nodeId: string; name: string; tls: PrimaryTls }): Promise<void> {
    return this.#serially(async () => {
      if (this.#state.role === 'primary') return;
      if (this.#state.role === 'member') throw new MembershipError('A member cannot become a primary');
      const { embedded, dataDir } = this.#deps;
      if (!embedded) {
        throw new MembershipError(
          'Only a node on its embedded PostgreSQL can be a primary (not PICLOUD_DATABASE_URL)',
        );
      }
      if (!NODE_ID.test(input.nodeId)) throw new MembershipError('The node id is not a SHA-256 in hex');
      const primary = {
        clusterId: input.clusterId,
        nodeId: input.nodeId,
        name: input.name,
        pgPort: embedded.port,
        since: new Date().toISOString(),
      };
      writePrimaryState(dataDir, primary, input.tls);
      await embedded.reconfigure(clusterPostgresNetwork(input.tls));
      this.#state = { role: 'primary', primary, tls: input.tls };
      this.#deps.log(
        'info',
        `this node is now its cluster's primary; PostgreSQL listens for members on port ${primary.pgPort}`,
      );
      await this.start();
    });
  }

  /** Admits a member: its PostgreSQL role and its `cluster_nodes` row. Only on a primary. */
  admitMember(candidate: MemberCandidate): Promise<MemberAdmission> {
    return this.#serially(async () => {
      const state = this.#state;
      if (state.role !== 'primary') throw new MembershipError('Only the primary admits members');
      const admission = await admitMember(this.#deps.db, state.primary.pgPort, candidate);
      this.#deps.log(
        'info',
        `admitted node "${candidate.name}" (${candidate.nodeId.slice(0, 12)}…) as ${candidate.pgRole}`,
      );
      return admission;
    });
  }

  /**
   * Removes a member: its row goes and its role is dropped, its sessions ended — PostgreSQL refuses
   * its certificate from then on. Resolves with false when no such member exists.
   */
  removeMember(nodeId: string): Promise<boolean> {
    return this.#serially(async () => {
      if (this.#state.role !== 'primary') throw new MembershipError('Only the primary removes members');
      const removed = await removeMember(this.#deps.db, nodeId);
      if (removed)
        this.#deps.log(
          'info',
          `removed node "${removed.name}"; its PostgreSQL role ${removed.pgRole} is dropped`,
        );
      return removed !== null;
    });
  }
}
