/**
 * A node's answer to `GET /wire/v1/status`: who it is, its state and versions, and its machine's
 * figures — sampled when asked (the shared sample of server/manager/node/node-stats.ts), never on a
 * timer.
 */
import type { NodeState, NodeStatus } from '../contracts/wire-v1.js';
import type { NodeStats } from '../manager/node/node-stats.js';
import { PRODUCT_VERSION, SDK_VERSION, WIRE_VERSION } from '../version.js';
import { clusterLanAddresses } from './lan-address.js';

/** What a status is made of. */
export interface NodeStatusSource {
  stats: NodeStats;
  nodeId: () => string;
  name: string;
  state: () => Promise<NodeState>;
  clusterId: () => string | null;
  schemaVersion: number;
  /** Script runs this node answered since it started. */
  requestsServed: () => number;
  startedAt: number;
}

/** The versions this node speaks. */
export function nodeVersions(schemaVersion: number) {
  return { product: PRODUCT_VERSION, wire: WIRE_VERSION, schema: schemaVersion, sdk: SDK_VERSION };
}

/** Samples this node's status. */
export async function nodeStatus(source: NodeStatusSource): Promise<NodeStatus> {
  const [sample, state] = await Promise.all([source.stats.sample(), source.state()]);
  const cpu = sample.cpu.load_percent;
  return {
    node_id: source.nodeId(),
    name: source.name,
    state,
    cluster_id: state === 'fresh' ? null : source.clusterId(),
    addresses: clusterLanAddresses(),
    versions: nodeVersions(source.schemaVersion),
    cpu_percent: cpu === null ? null : Math.min(100, Math.max(0, cpu)),
    memory: { total_bytes: sample.memory.total_bytes, used_bytes: sample.memory.used_bytes },
    temperature_c: sample.temperature_c,
    requests_served: source.requestsServed(),
    uptime_s: Math.floor((Date.now() - source.startedAt) / 1000),
  };
}
