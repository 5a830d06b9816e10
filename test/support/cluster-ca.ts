/**
 * Certificate authorities and node certificates for the cluster's in-process tests: CAs made by the
 * appliance's own code (kept in memory, not in a data folder), node certificates signed by them from a
 * node's own key and request, as a join does.
 */
import {
  type KeyAndCertificate,
  newNodeKey,
  nodeCertificateRequest,
} from '../../server/cluster/node-certificates.js';
import { CertificateAuthority } from '../../server/trust/certificate-authority.js';

/** A new CA, as a fresh appliance called `hostName` makes it. */
export async function makeTestCa(hostName = 'picloud-test'): Promise<CertificateAuthority> {
  return (await CertificateAuthority.create(hostName)).ca;
}

/** A node key and a certificate `ca` signed for it (for 127.0.0.1). */
export async function makeNodeCertificate(
  ca: CertificateAuthority,
  commonName = 'picloud-node',
): Promise<KeyAndCertificate> {
  const keyPem = await newNodeKey();
  const { certificatePem } = await ca.signNodeCsr(await nodeCertificateRequest(keyPem, commonName), {
    commonName,
    names: { dns: [], ip: ['127.0.0.1'] },
  });
  return { keyPem, certificatePem };
}
