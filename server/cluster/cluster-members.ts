/**
 * What the join and control side needs from the membership runtime (the `cluster_nodes` table, the
 * nodes' PostgreSQL roles): admitting a node, removing one, telling whether a certificate belongs to a
 * node of the cluster, and listing the nodes.
 */
import type { Static } from '@sinclair/typebox';
import type { NodeVersionsSchema } from '../contracts/wire-v1.js';

/** A node the primary admits. */
export interface AdmittedNode {
  /** SHA-256 of the certificate the cluster CA signed for it. */
  nodeId: string;
  /** Its PostgreSQL role: the common name of that certificate. */
  pgRole: string;
  name: string;
  fingerprint: string;
  addresses: string[];
  wirePort: number;
  versions: Static<typeof NodeVersionsSchema>;
}

/** A node of the cluster, as `cluster_nodes` records it. */
export interface ClusterNodeRecord {
  id: string;
  name: string;
  role: 'primary' | 'member';
  addresses: string[];
  wirePort: number;
  versions: Record<string, unknown>;
  lastSeen: Date | null;
  /** False once it missed its reports for ~15 s. */
  up: boolean;
}

/** The membership runtime, as the join side uses it. */
export interface ClusterMembers {
  /** Creates the node's role and row; returns where the primary's database listens for it. */
  admit(node: AdmittedNode): Promise<{ pgPort: number; pgDatabase: string }>;
  /** Removes a node (drops its role, deletes its row); false when there was none. */
  remove(nodeId: string): Promise<boolean>;
  /** True when a certificate with this SHA-256 belongs to a node of the cluster now. */
  isClusterNode(fingerprint: string): Promise<boolean>;
  /** Every node of the cluster, the primary first. */
  list(): Promise<ClusterNodeRecord[]>;
}
