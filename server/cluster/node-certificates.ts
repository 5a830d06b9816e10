/**
 * The X.509 pieces of a join a node does itself (with `@peculiar/x509` over Node's WebCrypto, through
 * server/trust/x509.ts): its key pair and its certificate request, and SHA-256 identities — the node
 * id is the SHA-256 of the node's certificate, the cluster id that of the cluster CA's. The signing is
 * the appliance CA's own (server/trust/certificate-authority.ts, `signNodeCsr`).
 *
 * A node certificate serves both ends of mutual TLS (serverAuth + clientAuth): it is the node's
 * certificate on the cluster port, its client certificate towards other nodes, and its client
 * certificate towards the primary's PostgreSQL, which maps its common name onto the node's role.
 */
import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { type CryptoKeyPair, crypto, EC_P256, x509 } from '../trust/x509.js';

/** A private key and its certificate, PEM. */
export interface KeyAndCertificate {
  keyPem: string;
  certificatePem: string;
}

/** PEM blocks one after the other (a certificate chain), each ending its line. */
export function pemChain(...blocks: string[]): string {
  return blocks.map((block) => `${block.trim()}\n`).join('');
}

/** The SHA-256 of a certificate (of its DER), lowercase hex without colons: a node id, a cluster id. */
export function certificateSha256(certificatePem: string): string {
  return createHash('sha256').update(new X509Certificate(certificatePem).raw).digest('hex');
}

/** A SHA-256 as Node's TLS reports it (`fingerprint256`, `AB:CD:…`) in the form of a node id. */
export function normaliseFingerprint(fingerprint256: string): string {
  return fingerprint256.replace(/:/g, '').toLowerCase();
}

/** A new ECDSA P-256 key pair, the private key as PKCS#8 PEM. */
export async function newNodeKey(): Promise<string> {
  const keys = (await crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

/** The WebCrypto key pair of a PKCS#8 PEM private key. */
async function importKeyPair(keyPem: string): Promise<CryptoKeyPair> {
  const privateObject = createPrivateKey(keyPem);
  const spki = createPublicKey(privateObject).export({ type: 'spki', format: 'der' });
  const pkcs8 = privateObject.export({ type: 'pkcs8', format: 'der' });
  const [privateKey, publicKey] = await Promise.all([
    crypto.subtle.importKey('pkcs8', pkcs8, EC_P256, false, ['sign']),
    crypto.subtle.importKey('spki', spki, EC_P256, true, ['verify']),
  ]);
  return { privateKey, publicKey };
}

/** A PKCS#10 request for a node certificate, signed by the node's key (the CA chooses the names). */
export async function nodeCertificateRequest(keyPem: string, commonName: string): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [commonName] }],
    keys: await importKeyPair(keyPem),
    signingAlgorithm: EC_P256,
  });
  return csr.toString('pem');
}

/** True when `certificatePem` was signed by the CA of `caCertificatePem`. */
export function issuedBy(certificatePem: string, caCertificatePem: string): boolean {
  const certificate = new X509Certificate(certificatePem);
  const ca = new X509Certificate(caCertificatePem);
  return certificate.checkIssued(ca) && certificate.verify(ca.publicKey);
}
