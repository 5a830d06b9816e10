/**
 * The primary's side of a join (`POST /wire/v1/join`): the caller holds no certificate yet, so the
 * one-time token is its only credential. In order — and the token is spent only once everything the
 * caller sent has been checked, so a malformed request does not burn it:
 *
 * 1. the certificate request must be a valid, self-signed ECDSA P-256 request and the addresses IPs;
 * 2. the token is spent in one statement (unknown, used, expired or naming another CA: refused, and
 *    nothing is signed nor handed over);
 * 3. the cluster CA signs the request with the node's PostgreSQL role as its common name (chosen here,
 *    never taken from the request) and the node's addresses;
 * 4. the membership runtime admits the node (its role, its row in `cluster_nodes`);
 * 5. the answer: the certificate, the CA, where the primary and its database are, the secrets key.
 */
import ipaddr from 'ipaddr.js';
import type { Kysely } from 'kysely';
import type { JoinAnswer, WireBody } from '../contracts/wire-v1.js';
import type { Database } from '../db/schema.js';
import { unstorable } from '../db/storable.js';
import { PicloudError } from '../errors/catalogue.js';
import { spendJoinToken } from '../manager/cluster/join-token-store.js';
import { type CertificateAuthority, CertificateRequestError } from '../trust/certificate-authority.js';
import type { ClusterMembers } from './cluster-members.js';
import type { TokenRefusal } from './join-token.js';
import { addressFacing } from './lan-address.js';
import { nodeRoleName } from './membership-store.js';
import { certificateSha256 } from './node-certificates.js';
import type { NodeIdentity } from './node-identity.js';

/** What the primary's join needs. */
export interface PrimaryJoinDeps {
  db: Kysely<Database>;
  /** The cluster CA: the primary's appliance CA. */
  ca: CertificateAuthority;
  /** SHA-256 of the CA's certificate: the cluster id. */
  clusterId: string;
  /** The primary's own identity on the cluster port. */
  identity: () => NodeIdentity;
  members: ClusterMembers;
  /** The primary's name, cluster port and panel port. */
  self: () => { name: string; wirePort: number; panelPort: number };
  /** The primary's secrets key, hex (made when there is none yet). */
  secretsKeyHex: () => string;
}

const REFUSALS: Record<TokenRefusal, PicloudError> = {
  malformed: new PicloudError('PICLOUD_ERR_CLUSTER_TOKEN_INVALID', 'This is not a join token'),
  unknown: new PicloudError('PICLOUD_ERR_CLUSTER_TOKEN_INVALID', 'This cluster made no such join token'),
  'other-cluster': new PicloudError(
    'PICLOUD_ERR_CLUSTER_TOKEN_INVALID',
    "The join token names another cluster's CA",
  ),
  used: new PicloudError('PICLOUD_ERR_CLUSTER_TOKEN_USED'),
  expired: new PicloudError('PICLOUD_ERR_CLUSTER_TOKEN_EXPIRED'),
};

/** Admits a joining node; see the file's comment for the steps. */
export async function admitJoin(
  deps: PrimaryJoinDeps,
  body: WireBody<'join'>,
  callerAddress: string,
): Promise<JoinAnswer> {
  const problem = unstorable(body);
  if (problem)
    throw new PicloudError('PICLOUD_ERR_HTTP_VALIDATION', `Invalid body: ${problem.path} ${problem.message}`);
  const addresses = body.addresses.filter((address) => ipaddr.isValid(address));
  if (addresses.length !== body.addresses.length) {
    throw new PicloudError(
      'PICLOUD_ERR_HTTP_VALIDATION',
      'Invalid body: /addresses holds something that is not an IP address',
    );
  }
  const role = nodeRoleName(body.node_id);
  // The request is checked (and signed) before the token is spent; the signature is thrown away if
  // the token is refused.
  let certificatePem: string;
  try {
    ({ certificatePem } = await deps.ca.signNodeCsr(body.csr, {
      commonName: role,
      names: addresses.length > 0 ? { dns: [], ip: addresses } : { dns: ['localhost'], ip: [] },
    }));
  } catch (error) {
    if (error instanceof CertificateRequestError) {
      throw new PicloudError('PICLOUD_ERR_CLUSTER_BAD_REQUEST_CERT', error.message);
    }
    throw error;
  }
  const nodeId = certificateSha256(certificatePem);
  const spent = await spendJoinToken(deps.db, body.token, { caFingerprint: deps.clusterId, nodeId });
  if (!spent.ok) throw REFUSALS[spent.reason];
  const grant = await deps.members.admit({
    nodeId,
    pgRole: role,
    name: body.name,
    fingerprint: nodeId,
    addresses,
    wirePort: body.wire_port,
    versions: body.versions,
  });
  const self = deps.self();
  const primaryAddress = addressFacing(callerAddress) ?? callerAddress;
  return {
    cluster_id: deps.clusterId,
    certificate: certificatePem,
    ca: deps.ca.certificatePem,
    primary: {
      node_id: deps.identity().nodeId,
      name: self.name,
      address: primaryAddress,
      wire_port: self.wirePort,
      panel_port: self.panelPort,
    },
    secrets_key: deps.secretsKeyHex(),
    database: { host: primaryAddress, port: grant.pgPort, name: grant.pgDatabase, role },
  };
}
