/**
 * Certificate authorities and node certificates for the cluster's in-process tests: a CA made the way
 * the appliance makes its own (ECDSA P-256, @peculiar/x509), and node certificates it signs through
 * the product's own signing code.
 */
import type { KeyAndCertificate } from '../../server/cluster/node-certificates.js';
import { newNodeKey, nodeCertificateRequest, signNodeRequest } from '../../server/cluster/node-certificates.js';
import { crypto, EC_P256, x509 } from '../../server/trust/x509.js';

/** A new self-signed CA. */
export async function makeTestCa(name = 'PiCloud test CA'): Promise<KeyAndCertificate> {
  const keys = (await crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: [{ CN: [name] }],
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 365 * 86_400_000),
    signingAlgorithm: EC_P256,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'), certificatePem: certificate.toString('pem') };
}

/** A node key and a certificate `ca` signed for it. */
export async function makeNodeCertificate(ca: KeyAndCertificate, commonName = 'picloud-node'): Promise<KeyAndCertificate> {
  const keyPem = await newNodeKey();
  const certificatePem = await signNodeRequest(ca, await nodeCertificateRequest(keyPem, commonName), {
    commonName,
    ipAddresses: ['127.0.0.1'],
  });
  return { keyPem, certificatePem };
}
