/**
 * Discovery of PiCloud nodes on the LAN: every node announces `_picloud._tcp` with a TXT record —
 * `id` (SHA-256 of the certificate on its cluster port), `cluster` (its cluster CA's SHA-256, or
 * `none`), `role`, `state` (`fresh`, `member`, `primary`), `product` and `wire` versions — and browses
 * for the others. No secret ever goes in a TXT record; a record grants nothing: the primary pins the
 * announced certificate before it sends a set-up code, and everything else needs a certificate of the
 * cluster.
 */

/** A node found on the LAN. */
export interface DiscoveredNode {
  nodeId: string;
  name: string;
  /** Its addresses (IPv4 first) and cluster port. */
  addresses: string[];
  port: number;
  clusterId: string | null;
  role: string;
  state: string;
  product: string;
  wire: number | null;
}

/** What a node announces. */
export interface Announcement {
  name: string;
  port: number;
  /** The TXT record, read again at each (re)announcement. */
  txt: () => Promise<Record<string, string>>;
}

/** Announcing this node and browsing for the others. */
export interface ClusterDiscovery {
  announce(announcement: Announcement): Promise<void>;
  /** Announces again with the TXT record as it is now (the node's state changed). */
  refresh(): Promise<void>;
  /** The nodes seen now, this one left out. */
  nodes(): DiscoveredNode[];
  close(): Promise<void>;
}
