/**
 * Which certificate a node shows on its cluster port, and so its node id:
 *
 * - a member: the certificate the cluster CA signed when it joined (`cluster/node.pem`), trusting
 *   client certificates of that CA (`cluster/ca.pem`);
 * - any other node (fresh, or the primary): a certificate its own appliance CA signs
 *   (`cluster/local-node.pem` and `.key`, made at the first start and again whenever that CA changes),
 *   trusting its own CA — for the primary that CA is the cluster's.
 *
 * The node id is the SHA-256 of the certificate shown, which is what discovery announces and what a
 * primary pins before it sends a set-up code to a fresh node.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CertificateAuthority, partitionNames } from '../trust/certificate-authority.js';
import { clusterLanAddresses } from './lan-address.js';
import { type Membership, membershipPaths, readMembership } from './membership-store.js';
import { certificateSha256, issuedBy, newNodeKey, nodeCertificateRequest } from './node-certificates.js';

/** The common name of a node's certificate from its own CA (it names no PostgreSQL role). */
const LOCAL_NODE_NAME = 'picloud-node';

/** A node's identity on the cluster port. */
export interface NodeIdentity {
  /** SHA-256 of `certificatePem`: the node id. */
  nodeId: string;
  keyPem: string;
  certificatePem: string;
  /** The CA that signed it (the cluster's, for a member and for the primary). */
  caPem: string;
  /** The membership, for a member; null otherwise. */
  membership: Membership | null;
}

/** Writes next to `path`, then renames: a crash leaves the old file or the new one. */
function writeAtomically(path: string, content: string, mode: number): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode });
  renameSync(temporary, path);
}

/** The files of the node's certificate from its own CA. */
function localFiles(dataDir: string) {
  const { dir } = membershipPaths(dataDir);
  return { dir, key: join(dir, 'local-node.key'), certificate: join(dir, 'local-node.pem') };
}

/**
 * The node's certificate from its own CA `ca`, made (or made again, when `ca` is not its issuer any
 * more) as needed.
 */
export async function localNodeIdentity(dataDir: string, ca: CertificateAuthority): Promise<NodeIdentity> {
  const files = localFiles(dataDir);
  if (existsSync(files.key) && existsSync(files.certificate)) {
    const keyPem = readFileSync(files.key, 'utf8');
    const certificatePem = readFileSync(files.certificate, 'utf8');
    if (issuedBy(certificatePem, ca.certificatePem)) return ownIdentity(keyPem, certificatePem, ca);
  }
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  const keyPem = await newNodeKey();
  const { certificatePem } = await ca.signNodeCsr(await nodeCertificateRequest(keyPem, LOCAL_NODE_NAME), {
    commonName: LOCAL_NODE_NAME,
    names: nodeNames(ca),
  });
  writeAtomically(files.key, keyPem, 0o600);
  writeAtomically(files.certificate, certificatePem, 0o644);
  return ownIdentity(keyPem, certificatePem, ca);
}

function ownIdentity(keyPem: string, certificatePem: string, ca: CertificateAuthority): NodeIdentity {
  return {
    nodeId: certificateSha256(certificatePem),
    keyPem,
    certificatePem,
    caPem: ca.certificatePem,
    membership: null,
  };
}

/**
 * The names a node certificate of `ca` carries: the node's LAN addresses the CA may certify, or
 * `localhost` when it has none (a certificate needs a name; peers pin it, they do not check names).
 */
export function nodeNames(
  ca: CertificateAuthority,
  addresses = clusterLanAddresses(),
): { dns: string[]; ip: string[] } {
  const ip = partitionNames({ dns: [], ip: addresses }, ca.permitted).inside.ip;
  return ip.length > 0 ? { dns: [], ip } : { dns: ['localhost'], ip: [] };
}

/** The identity the node shows now: its cluster certificate when a member, else its own. */
export async function currentNodeIdentity(
  dataDir: string,
  ownCa: CertificateAuthority,
): Promise<NodeIdentity> {
  const membership = readMembership(dataDir);
  if (membership === null) return localNodeIdentity(dataDir, ownCa);
  const paths = membershipPaths(dataDir);
  const certificatePem = readFileSync(paths.cert, 'utf8');
  return {
    nodeId: certificateSha256(certificatePem),
    keyPem: readFileSync(paths.key, 'utf8'),
    certificatePem,
    caPem: readFileSync(paths.ca, 'utf8'),
    membership,
  };
}
