/**
 * Which role this node plays, read from its data folder at start (docs/cluster.md):
 *
 * - **fresh**: no cluster (the default) — the whole appliance on its own PostgreSQL, on loopback;
 * - **member**: `cluster/membership.json` (see membership-store.ts) — orchestrator, executor and the
 *   script services on the primary's PostgreSQL over TLS; the panel sends the user to the primary;
 * - **primary**: `cluster/primary.json` — the whole appliance, its PostgreSQL also open to members
 *   on a fixed port (members record it), with `cluster/node.pem` as its server certificate.
 *
 * Both clustered roles keep the cluster CA in `cluster/ca.pem` and their own certificate and key in
 * `cluster/node.pem` / `node.key`.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import {
  type Membership,
  MembershipError,
  membershipPaths,
  readMembership,
  writeAtomically,
} from './membership-store.js';
import type { PrimaryTls } from './postgres-access.js';

/** What the primary records about itself. */
export interface PrimaryState {
  /** SHA-256 (hex) of the cluster CA's certificate. */
  clusterId: string;
  /** SHA-256 (hex) of this node's certificate. */
  nodeId: string;
  name: string;
  /** The fixed port of its PostgreSQL (members connect to it). */
  pgPort: number;
  /** When it became the primary (ISO 8601). */
  since: string;
}

/** A node's role with what that role needs at start. */
export type ClusterState =
  | { role: 'fresh' }
  | { role: 'member'; membership: Membership }
  | { role: 'primary'; primary: PrimaryState; tls: PrimaryTls };

/** The role names, as discovery, the API and the panel show them. */
export type ClusterRole = ClusterState['role'];

function primaryFile(dataDir: string): string {
  return `${membershipPaths(dataDir).dir}/primary.json`;
}

/** Reads this node's role; a damaged file is a {@link MembershipError} (start-up stops with it). */
export function readClusterState(dataDir: string): ClusterState {
  const membership = readMembership(dataDir);
  if (membership) return { role: 'member', membership };
  const file = primaryFile(dataDir);
  if (!existsSync(file)) return { role: 'fresh' };
  const paths = membershipPaths(dataDir);
  let primary: PrimaryState;
  try {
    primary = JSON.parse(readFileSync(file, 'utf8')) as PrimaryState;
    if (!Number.isInteger(primary.pgPort) || primary.pgPort <= 0 || primary.pgPort > 65535) {
      throw new Error('"pgPort" is not a port');
    }
    if (!/^[0-9a-f]{64}$/.test(primary.nodeId)) throw new Error('"nodeId" is not a SHA-256');
    return {
      role: 'primary',
      primary,
      tls: {
        cert: readFileSync(paths.cert, 'utf8'),
        key: readFileSync(paths.key, 'utf8'),
        ca: readFileSync(paths.ca, 'utf8'),
      },
    };
  } catch (error) {
    throw new MembershipError(`${file} cannot be used: ${(error as Error).message}`);
  }
}

/** Records that this node is its cluster's primary: TLS files first, `primary.json` last. */
export function writePrimaryState(dataDir: string, primary: PrimaryState, tls: PrimaryTls): void {
  const paths = membershipPaths(dataDir);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  writeAtomically(paths.ca, tls.ca);
  writeAtomically(paths.cert, tls.cert);
  writeAtomically(paths.key, tls.key);
  writeAtomically(primaryFile(dataDir), `${JSON.stringify(primary, null, 2)}\n`);
}

/** This node is no longer a primary (its PostgreSQL closes to the LAN at the next start). */
export function clearPrimaryState(dataDir: string): void {
  rmSync(primaryFile(dataDir), { force: true });
}
