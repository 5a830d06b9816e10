/**
 * The joining node's side of a join (`picloud join URL TOKEN`, and a fresh node accepting a one-click
 * invite). In order, and nothing is sent before step 3:
 *
 * 1. the token must have the shape of one and not be expired (its expiry is part of it);
 * 2. a TLS handshake with the primary (sending nothing) must show, in its chain, a certificate whose
 *    SHA-256 is the one the token names — that certificate becomes the pinned cluster CA;
 * 3. on a second connection verified against that CA, the node sends the token with a certificate
 *    request for a fresh key of its own, and receives its certificate, the primary's database address
 *    and the secrets key;
 * 4. it records its membership (server/cluster/membership-store.ts); the caller restarts it as a member.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { Static } from '@sinclair/typebox';
import type { NodeVersionsSchema } from '../contracts/wire-v1.js';
import { parseJoinToken } from './join-token.js';
import { type Membership, writeMembership } from './membership-store.js';
import { certificateSha256, issuedBy, newNodeKey, nodeCertificateRequest } from './node-certificates.js';
import { peerChain, WireError, wireCall } from './wire-client.js';

/** A join refused on the joining side, before anything was sent (or by the primary's answer). */
export class JoinRefused extends Error {
  constructor(
    message: string,
    /** The primary's error code, when it answered with one. */
    readonly code: string | null = null,
    /** True when nothing at all was sent to the primary. */
    readonly nothingSent = false,
  ) {
    super(message);
    this.name = 'JoinRefused';
  }
}

/** What a join needs to know about the joining node. */
export interface JoiningNode {
  dataDir: string;
  /** Its id before the join (SHA-256 of the certificate it showed until now). */
  nodeId: string;
  name: string;
  addresses: string[];
  wirePort: number;
  versions: Static<typeof NodeVersionsSchema>;
}

/** `https://host:port` → host and port; the join command's URL. */
export function parseJoinUrl(url: string): { host: string; port: number } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new JoinRefused(`"${url.slice(0, 200)}" is not a URL like https://192.168.1.20:8444`, null, true);
  }
  if (parsed.protocol !== 'https:' || !parsed.port) {
    throw new JoinRefused(
      `The join URL must be https://<primary>:<cluster port>, not "${url.slice(0, 200)}"`,
      null,
      true,
    );
  }
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port) };
}

/** Converts a DER certificate to PEM. */
function derToPem(der: Buffer): string {
  return new X509Certificate(der).toString();
}

/**
 * Finds, among the certificates the primary shows, the CA the token names; refuses (nothing sent)
 * when it is not there.
 */
export async function pinClusterCa(host: string, port: number, caFingerprint: string): Promise<string> {
  let chain: Buffer[];
  try {
    chain = await peerChain(host, port);
  } catch (error) {
    throw new JoinRefused((error as Error).message, null, true);
  }
  const ca = chain.find((der) => createHash('sha256').update(der).digest('hex') === caFingerprint);
  if (!ca || !issuedBy(derToPem(chain[0]), derToPem(ca))) {
    throw new JoinRefused(
      `${host}:${port} does not show the CA the token names (SHA-256 ${caFingerprint.slice(0, 16)}…): ` +
        'it is not the primary that made this token. Nothing was sent',
      null,
      true,
    );
  }
  return derToPem(ca);
}

/**
 * Joins the cluster at `joinUrl` with `tokenText` and records the membership in the data folder.
 * @example const membership = await joinCluster('https://192.168.1.20:8444', 'pcj1.…', node);
 */
export async function joinCluster(
  joinUrl: string,
  tokenText: string,
  node: JoiningNode,
): Promise<Membership> {
  const token = parseJoinToken(tokenText);
  if (token === null)
    throw new JoinRefused('This is not a join token (pcj1.…)', 'PICLOUD_ERR_CLUSTER_TOKEN_INVALID', true);
  if (token.expiresAt.getTime() <= Date.now()) {
    throw new JoinRefused(
      `The join token expired at ${token.expiresAt.toISOString()}: make a new one on the primary (picloud cluster token). Nothing was sent`,
      'PICLOUD_ERR_CLUSTER_TOKEN_EXPIRED',
      true,
    );
  }
  const { host, port } = parseJoinUrl(joinUrl);
  const caPem = await pinClusterCa(host, port, token.caFingerprint);
  const keyPem = await newNodeKey();
  let answer: Awaited<ReturnType<typeof wireCall<'join'>>>;
  try {
    answer = await wireCall(
      'join',
      {
        token: token.text,
        csr: await nodeCertificateRequest(keyPem, 'picloud-join'),
        node_id: node.nodeId,
        name: node.name,
        addresses: node.addresses,
        wire_port: node.wirePort,
        versions: node.versions,
      },
      { host, port, pin: { ca: caPem }, timeoutMs: 30_000 },
    );
  } catch (error) {
    if (error instanceof WireError) throw new JoinRefused(error.message, error.code);
    throw error;
  }
  if (answer.cluster_id !== token.caFingerprint || !issuedBy(answer.certificate, caPem)) {
    throw new JoinRefused('The primary answered with a certificate its CA did not sign');
  }
  const nodeId = certificateSha256(answer.certificate);
  const membership: Membership = {
    clusterId: answer.cluster_id,
    nodeId,
    name: node.name,
    primary: {
      host: answer.primary.address,
      wirePort: answer.primary.wire_port,
      pgPort: answer.database.port,
      panelPort: answer.primary.panel_port,
    },
    pgRole: answer.database.role,
    pgDatabase: answer.database.name,
    joinedAt: new Date().toISOString(),
  };
  writeMembership(node.dataDir, membership, {
    ca: caPem,
    cert: answer.certificate,
    key: keyPem,
    secretKey: Buffer.from(`${answer.secrets_key}\n`),
  });
  return membership;
}
