/**
 * What a member keeps of its cluster in its data folder, under `cluster/`: the cluster CA's
 * certificate (`ca.pem`), this node's certificate signed by it (`node.pem`, whose common name is
 * the node's PostgreSQL role) and key (`node.key`), and `membership.json` — who the primary is and
 * how to reach its PostgreSQL. `membership.json` is written last and removed first: a node that has
 * it is a member, one without it is not, whatever an interrupted join or removal left around it.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET_KEY_FILE } from '../manager/secrets/secret-key.js';

/** The folder inside the data folder that holds the cluster's files. */
export const CLUSTER_DIR = 'cluster';

/** How a member reaches its primary and who it is in the cluster. */
export interface Membership {
  /** The cluster's id: the SHA-256 (hex) of the cluster CA's certificate. */
  clusterId: string;
  /** This node's id: the SHA-256 (hex) of its certificate. */
  nodeId: string;
  /** This node's display name. */
  name: string;
  /** The primary: its LAN address and the ports of its wire listener, PostgreSQL and panel. */
  primary: { host: string; wirePort: number; pgPort: number; panelPort?: number };
  /** The PostgreSQL role this node logs in as (the common name of `node.pem`). */
  pgRole: string;
  /** The database on the primary. */
  pgDatabase: string;
  /** When the node joined (ISO 8601). */
  joinedAt: string;
}

/** The PEM files a join hands over, and the primary's secrets key. */
export interface MembershipFiles {
  /** The cluster CA's certificate. */
  ca: string;
  /** This node's certificate, signed by the cluster CA. */
  cert: string;
  /** This node's private key. */
  key: string;
  /**
   * The primary's `secrets.key` (the apps' secrets are encrypted with it): replaces this node's own,
   * so a member's `secret::` calls read what the primary stored.
   */
  secretKey?: Buffer;
}

/** Where each file lives. */
export function membershipPaths(dataDir: string) {
  const dir = join(dataDir, CLUSTER_DIR);
  return {
    dir,
    ca: join(dir, 'ca.pem'),
    cert: join(dir, 'node.pem'),
    key: join(dir, 'node.key'),
    membership: join(dir, 'membership.json'),
    /** A member's own secrets key, set aside while it uses the primary's. */
    ownSecretKey: join(dir, 'own-secrets.key'),
  };
}

/** `membership.json` exists but cannot be used. */
export class MembershipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MembershipError';
  }
}

/**
 * The PostgreSQL role of a node: fixed by the primary from the node's id (never taken from the
 * node's certificate request), so a certificate names one role and one role only.
 * @example nodeRoleName('9f86d081884c7d659a2feaa0c55ad015…') // 'picloud_node_9f86d081884c'
 */
export function nodeRoleName(nodeId: string): string {
  if (!/^[0-9a-f]{12,}$/i.test(nodeId)) throw new MembershipError(`Not a node id: "${nodeId.slice(0, 80)}"`);
  return `picloud_node_${nodeId.slice(0, 12).toLowerCase()}`;
}

const ROLE_PATTERN = /^picloud_node_[0-9a-f]{12}$/;
const IDENT_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

function isPort(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) > 0 && (value as number) < 65536;
}

/** Checks a parsed `membership.json`; returns the problem, or null when it is usable. */
function problemOf(value: unknown): string | null {
  const m = value as Partial<Membership> | null;
  if (typeof m !== 'object' || m === null) return 'it is not an object';
  for (const key of ['clusterId', 'nodeId', 'name', 'pgRole', 'pgDatabase', 'joinedAt'] as const) {
    if (typeof m[key] !== 'string' || m[key] === '') return `"${key}" is missing`;
  }
  if (!ROLE_PATTERN.test(m.pgRole as string)) return '"pgRole" is not a node role';
  if (!IDENT_PATTERN.test(m.pgDatabase as string)) return '"pgDatabase" is not a database name';
  const primary = m.primary;
  if (typeof primary !== 'object' || primary === null || typeof primary.host !== 'string' || !primary.host) {
    return '"primary.host" is missing';
  }
  if (!isPort(primary.pgPort) || !isPort(primary.wirePort)) return '"primary" has no valid ports';
  if (primary.panelPort !== undefined && !isPort(primary.panelPort)) return '"primary.panelPort" is invalid';
  return null;
}

/** This node's membership, or null when it is not a member (no `membership.json`). */
export function readMembership(dataDir: string): Membership | null {
  const paths = membershipPaths(dataDir);
  if (!existsSync(paths.membership)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(paths.membership, 'utf8'));
  } catch (error) {
    throw new MembershipError(`${paths.membership} is not readable JSON: ${(error as Error).message}`);
  }
  const problem = problemOf(parsed);
  if (problem) throw new MembershipError(`${paths.membership} cannot be used: ${problem}`);
  for (const file of [paths.ca, paths.cert, paths.key]) {
    if (!existsSync(file))
      throw new MembershipError(`${file} is missing: this node cannot reach its cluster`);
  }
  return parsed as Membership;
}

/** Writes `content` next to `path` (mode 0600) and renames it over: a reader never sees half a file. */
export function writeAtomically(path: string, content: string | Buffer): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 });
  renameSync(temporary, path);
}

/** Records a join: the files first, `membership.json` last (the moment the node becomes a member). */
export function writeMembership(dataDir: string, membership: Membership, files: MembershipFiles): void {
  const problem = problemOf(membership);
  if (problem) throw new MembershipError(`Invalid membership: ${problem}`);
  const paths = membershipPaths(dataDir);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  writeAtomically(paths.ca, files.ca);
  writeAtomically(paths.cert, files.cert);
  writeAtomically(paths.key, files.key);
  if (files.secretKey) {
    // This node's own key is kept aside: it is its own again when it leaves the cluster.
    const own = join(dataDir, SECRET_KEY_FILE);
    if (existsSync(own) && !existsSync(paths.ownSecretKey)) renameSync(own, paths.ownSecretKey);
    writeAtomically(own, files.secretKey);
  }
  writeAtomically(paths.membership, `${JSON.stringify(membership, null, 2)}\n`);
}

/** Forgets the cluster: this node is fresh again, with its own secrets key back. */
export function clearMembership(dataDir: string): void {
  const paths = membershipPaths(dataDir);
  rmSync(paths.membership, { force: true });
  for (const file of [paths.cert, paths.key, paths.ca]) rmSync(file, { force: true });
  if (existsSync(paths.ownSecretKey)) renameSync(paths.ownSecretKey, join(dataDir, SECRET_KEY_FILE));
}
