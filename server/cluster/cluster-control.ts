/**
 * The join and control side of the cluster in one running piece: the cluster port (wire v1 over
 * mutual TLS), this node's identity and state, discovery (announce and browse `_picloud._tcp`), the
 * one-click and token joins on both sides, and the admin API (`/api/v1/admin/cluster/*`).
 *
 * A node's state decides what it does: `fresh` (no admin account, no membership) accepts invites;
 * `primary` (an admin account, no membership: a cluster of one or more) makes tokens, admits nodes
 * and removes them; `member` reports its status to the primary and leaves when told to.
 */
import { hostname } from 'node:os';
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { NodeState } from '../contracts/wire-v1.js';
import type { Database } from '../db/schema.js';
import { PicloudError } from '../errors/catalogue.js';
import type { AuthService } from '../manager/auth/auth-service.js';
import { NodeStats } from '../manager/node/node-stats.js';
import { loadSecretKey } from '../manager/secrets/secret-key.js';
import type { CertificateAuthority } from '../trust/certificate-authority.js';
import { clusterApi } from './cluster-api.js';
import type { ClusterMembers } from './cluster-members.js';
import type { ClusterDiscovery } from './discovery.js';
import { acceptInvite } from './invite.js';
import { admitJoin } from './join-primary.js';
import { clusterLanAddresses } from './lan-address.js';
import { clearMembership } from './membership-store.js';
import { certificateSha256, pemChain } from './node-certificates.js';
import { currentNodeIdentity, type NodeIdentity } from './node-identity.js';
import { nodeStatus, nodeVersions } from './node-status.js';
import { buildWireServer, type WireServer } from './wire-server.js';

/** What the cluster side needs from the appliance. */
export interface ClusterControlDeps {
  dataDir: string;
  /** Bind address and cluster port (0: a free one). */
  host: string;
  clusterPort: number;
  logger: FastifyBaseLogger;
  db: Kysely<Database>;
  auth: AuthService;
  /** This appliance's own CA (the cluster's CA when this node is the primary). */
  ownCa: CertificateAuthority;
  /** The membership runtime; null where there is none (a fresh node). */
  members: ClusterMembers | null;
  schemaVersion: number;
  /** The panel's port, once listening. */
  panelPort: () => number;
  /** Script runs this node answered since it started. */
  requestsServed: () => number;
  /** The node joined (one-click) or left a cluster: restart the appliance in its new role. */
  restart: (reason: string) => void;
}

/** The running cluster side. */
export interface ClusterControl {
  /** `/api/v1/admin/cluster/*`, for the panel's listener. */
  apiPlugin: FastifyPluginAsync;
  wire: WireServer;
  identity(): NodeIdentity;
  state(): Promise<NodeState>;
  /** The cluster port, once listening. */
  port(): number;
  /**
   * Once the cluster port listens: takes the port it got and starts announcing this node and browsing
   * for the others (`discovery` is null with mDNS off).
   */
  listening(discovery: ClusterDiscovery | null): Promise<void>;
  /** Announces again: the node's state changed (set-up done). */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

/** Builds the cluster side (the cluster port is not yet listening). */
export async function createClusterControl(deps: ClusterControlDeps): Promise<ClusterControl> {
  const identity = await currentNodeIdentity(deps.dataDir, deps.ownCa);
  const name = identity.membership?.name ?? hostname();
  const ownClusterId = certificateSha256(deps.ownCa.certificatePem);
  const clusterId = () => identity.membership?.clusterId ?? ownClusterId;
  const startedAt = Date.now();
  const state = async (): Promise<NodeState> => {
    if (identity.membership) return 'member';
    return (await deps.auth.needsSetup()) ? 'fresh' : 'primary';
  };
  let port = deps.clusterPort;
  let discovery: ClusterDiscovery | null = null;
  const stats = new NodeStats({ listenAddress: () => ({ host: deps.host, port }) });
  const statusSource = {
    stats,
    nodeId: () => identity.nodeId,
    name,
    state,
    clusterId,
    schemaVersion: deps.schemaVersion,
    requestsServed: deps.requestsServed,
    startedAt,
  };
  const needPrimary = async () => {
    if ((await state()) !== 'primary' || deps.members === null)
      throw new PicloudError('PICLOUD_ERR_CLUSTER_NOT_PRIMARY');
    return deps.members;
  };

  const wire = await buildWireServer({
    logger: deps.logger,
    tls: {
      key: identity.keyPem,
      cert: pemChain(identity.certificatePem, identity.caPem),
      ca: identity.caPem,
    },
    isClusterNode: async (fingerprint) =>
      fingerprint === identity.nodeId ||
      ((await state()) !== 'fresh' && (await deps.members?.isClusterNode(fingerprint)) === true),
    handlers: {
      invite: (body, caller) =>
        acceptInvite(
          {
            isFresh: async () => (await state()) === 'fresh',
            checkSetupCode: (code) => deps.auth.checkSetupCode(code),
            throttle: deps.auth.throttle,
            node: () => ({
              dataDir: deps.dataDir,
              nodeId: identity.nodeId,
              name,
              addresses: clusterLanAddresses(),
              wirePort: port,
              versions: nodeVersions(deps.schemaVersion),
            }),
            onJoined: () => deps.restart('joined a cluster'),
          },
          body,
          caller.address,
        ),
      join: async (body, caller) =>
        admitJoin(
          {
            db: deps.db,
            ca: deps.ownCa,
            clusterId: ownClusterId,
            identity: () => identity,
            members: await needPrimary(),
            self: () => ({ name, wirePort: port, panelPort: deps.panelPort() }),
            secretsKeyHex: () =>
              (loadSecretKey(deps.dataDir, { create: true }) as { key: Buffer }).key.toString('hex'),
          },
          body,
          caller.address,
        ),
      status: () => nodeStatus(statusSource),
      health: async () => ({ ok: true as const, node_id: identity.nodeId, state: await state() }),
      leave: async (body) => {
        if (identity.membership === null || body.node_id !== identity.nodeId) {
          throw new PicloudError('PICLOUD_ERR_CLUSTER_NODE_NOT_FOUND', 'This node is not that member');
        }
        clearMembership(deps.dataDir);
        setImmediate(() => deps.restart('removed from its cluster'));
        return { left: true as const };
      },
    },
  });

  const apiPlugin = clusterApi({
    db: deps.db,
    clusterId: ownClusterId,
    identity: () => identity,
    members: needPrimary,
    discovery: () => discovery,
    wirePort: () => port,
    self: () => nodeStatus(statusSource),
  });

  return {
    apiPlugin,
    wire,
    identity: () => identity,
    state,
    port: () => port,
    async listening(found) {
      discovery = found;
      const address = wire.app.server.address();
      port = typeof address === 'object' && address ? address.port : deps.clusterPort;
      await discovery?.announce({
        name,
        port,
        txt: async () => {
          const now = await state();
          return {
            id: identity.nodeId,
            name: name.slice(0, 100),
            cluster: now === 'fresh' ? 'none' : clusterId(),
            role: now === 'fresh' ? 'none' : now,
            state: now,
            ...versionsTxt(deps.schemaVersion),
          };
        },
      });
    },
    async refresh() {
      await discovery?.refresh();
    },
    async close() {
      await discovery?.close();
      await wire.app.close();
    },
  };
}

/** The versions in a TXT record: short keys, strings. */
function versionsTxt(schemaVersion: number): Record<string, string> {
  const versions = nodeVersions(schemaVersion);
  return { product: versions.product, wire: String(versions.wire) };
}
