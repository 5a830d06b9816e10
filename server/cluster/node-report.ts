/**
 * What this node tells the cluster in each heartbeat: its LAN addresses, the versions of its
 * surfaces, its capacity, its vitals and how many requests it has answered (counted as its
 * orchestrator records runs: one record per run, on the path every run takes).
 */
import { cpus, networkInterfaces, totalmem } from 'node:os';
import { surfaceVersions } from '../version.js';
import type { NodeReport } from './node-heartbeat.js';
import { VitalsSampler } from './node-vitals.js';

/** Where runs are recorded (the manager's execution-log writer). */
interface RecordSink<T> {
  record(entry: T): void;
}

/** This machine's LAN addresses: not loopback, not IPv6 link-local (they need a zone). */
function lanAddresses(): string[] {
  const found: string[] = [];
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.internal || (entry.family === 'IPv6' && entry.address.startsWith('fe80:'))) continue;
      found.push(entry.address);
    }
  }
  return found;
}

/** The reporter of one node. */
export function nodeReporter(options: { workers: number; schemaVersion: number }) {
  const vitals = new VitalsSampler();
  let requestsServed = 0;
  return {
    /** Wraps the execution-log sink so that each recorded run counts as a request served. */
    countingSink<T>(sink: RecordSink<T>): RecordSink<T> {
      return {
        record(entry: T) {
          requestsServed += 1;
          sink.record(entry);
        },
      };
    },
    /** Requests this node has answered since it started. */
    requestsServed: () => requestsServed,
    /** One report. */
    async sample(): Promise<NodeReport> {
      return {
        addresses: lanAddresses(),
        versions: { ...surfaceVersions(options.schemaVersion) },
        capacity: { cpus: cpus().length, memory_bytes: totalmem(), workers: options.workers },
        vitals: await vitals.sample(),
        requestsServed,
      };
    },
  };
}
