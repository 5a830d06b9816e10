/**
 * Discovery of PiCloud nodes on the LAN: every node announces `_picloud._tcp` with a TXT record —
 * `id` (SHA-256 of the certificate on its cluster port), `cluster` (its cluster CA's SHA-256, or
 * `none`), `role`, `state` (`fresh`, `member`, `primary`), `product` and `wire` versions — and browses
 * for the others. No secret ever goes in a TXT record; a record grants nothing: the primary pins the
 * announced certificate before it sends a set-up code, and everything else needs a certificate of the
 * cluster.
 */
import { WIRE_SERVICE_TYPE } from '../contracts/wire-v1.js';
import type { LanNames } from '../mdns/lan-names.js';
import type { FoundService, ServiceBrowser } from '../mdns/service-browser.js';

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

/** Largest number of nodes listed (forged announcements cannot grow the list without bound). */
const MAX_NODES = 256;

const NODE_ID = /^[0-9a-f]{64}$/;

/** A found `_picloud._tcp` instance as a node, or null when its TXT does not describe one. */
function nodeOf(service: FoundService): DiscoveredNode | null {
  const { txt } = service;
  const port = Number(txt.cport);
  if (!NODE_ID.test(txt.id ?? '') || !Number.isInteger(port) || port < 1 || port > 65_535) return null;
  const addresses = [...service.addresses, service.from].filter(
    (address, index, all) => address !== '' && all.indexOf(address) === index,
  );
  addresses.sort((a, b) => Number(a.includes(':')) - Number(b.includes(':')));
  const wire = Number(txt.wire);
  return {
    nodeId: txt.id,
    name: (txt.name || service.name).slice(0, 100),
    addresses,
    port,
    clusterId: NODE_ID.test(txt.cluster ?? '') ? txt.cluster : null,
    role: (txt.role ?? '').slice(0, 20),
    state: (txt.state ?? '').slice(0, 20),
    product: (txt.product ?? '').slice(0, 40),
    wire: Number.isInteger(wire) ? wire : null,
  };
}

/**
 * Discovery over the appliance's mDNS responder (server/mdns/): the cluster's keys go into the TXT of
 * the `_picloud._tcp` instance it already announces (next to `base`, its own keys), with `cport` the
 * cluster port; browsing follows announcements and goodbyes as they arrive (no periodic query).
 */
export function lanDiscovery(names: LanNames, base: Record<string, string>): ClusterDiscovery {
  let announcement: Announcement | null = null;
  let browser: ServiceBrowser | null = null;
  let ownId = '';
  const publish = async () => {
    if (!announcement) return;
    const txt = await announcement.txt();
    ownId = txt.id ?? '';
    names.setTxt(WIRE_SERVICE_TYPE, { ...base, ...txt, cport: String(announcement.port) });
  };
  return {
    async announce(next) {
      announcement = next;
      await publish();
      browser ??= names.browse(WIRE_SERVICE_TYPE);
    },
    refresh: publish,
    nodes() {
      const nodes: DiscoveredNode[] = [];
      for (const service of browser?.services() ?? []) {
        const node = nodeOf(service);
        if (node && node.nodeId !== ownId) nodes.push(node);
        if (nodes.length >= MAX_NODES) break;
      }
      return nodes;
    },
    async close() {
      browser?.stop();
      browser = null;
    },
  };
}
