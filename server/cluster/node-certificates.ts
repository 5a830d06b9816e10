/**
 * The X.509 pieces of a join (with `@peculiar/x509`, over Node's WebCrypto): a node's key pair and its
 * certificate request, the cluster CA signing that request, and SHA-256 fingerprints — the node id is
 * the fingerprint of the node's certificate, the cluster id the fingerprint of the cluster CA's.
 *
 * A node certificate serves both ends of mutual TLS (serverAuth + clientAuth): it is the node's
 * certificate on the cluster port, its client certificate towards other nodes, and its client
 * certificate towards the primary's PostgreSQL, which maps its common name onto the node's role.
 */
import { X509Certificate as NodeX509, createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { crypto, EC_P256, x509 } from '../trust/x509.js';

/** Validity of a node certificate: ten years (revocation, not expiry, ends a membership). */
const NODE_VALIDITY_DAYS = 3650;

/** A private key and its certificate, PEM. */
export interface KeyAndCertificate {
  keyPem: string;
  certificatePem: string;
}

/** PEM blocks one after the other (a certificate chain), each ending its line. */
export function pemChain(...blocks: string[]): string {
  return blocks.map((block) => `${block.trim()}\n`).join('');
}

/** The SHA-256 of a certificate (of its DER), lowercase hex without colons. */
export function certificateFingerprint(certificatePem: string): string {
  return createHash('sha256').update(new NodeX509(certificatePem).raw).digest('hex');
}

/** The SHA-256 of a DER certificate as Node's TLS reports it (`fingerprint256`, with colons). */
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

/** A PKCS#10 request for a node certificate with this common name, signed by the node's key. */
export async function nodeCertificateRequest(keyPem: string, commonName: string): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [commonName] }],
    keys: await importKeyPair(keyPem),
    signingAlgorithm: EC_P256,
  });
  return csr.toString('pem');
}

/** A node certificate request that cannot be signed; the message says why. */
export class CertificateRequestError extends Error {}

/** What the CA puts in a node certificate. */
export interface NodeCertificateFields {
  /** The node's PostgreSQL role name (PostgreSQL maps a client certificate's CN onto the role). */
  commonName: string;
  /** The node's addresses (IP subject alternative names). */
  ipAddresses: readonly string[];
}

/**
 * Signs a node's certificate request with the cluster CA: the request must carry a valid signature
 * of a P-256 key (proof the node holds the key); the subject and addresses come from the CA's side
 * (`fields`), never from the request.
 */
export async function signNodeRequest(
  ca: KeyAndCertificate,
  csrPem: string,
  fields: NodeCertificateFields,
): Promise<string> {
  let request: x509.Pkcs10CertificateRequest;
  try {
    request = new x509.Pkcs10CertificateRequest(csrPem);
  } catch {
    throw new CertificateRequestError('The certificate request is not a PEM PKCS#10 request');
  }
  const algorithm = request.publicKey.algorithm as EcKeyAlgorithm;
  if (algorithm.name !== 'ECDSA' || algorithm.namedCurve !== 'P-256') {
    throw new CertificateRequestError('The certificate request must be for an ECDSA P-256 key');
  }
  if (!(await request.verify())) {
    throw new CertificateRequestError('The certificate request is not signed by its own key');
  }
  const caCertificate = new x509.X509Certificate(ca.certificatePem);
  const caKeys = await importKeyPair(ca.keyPem);
  const notBefore = new Date(Date.now() - 60_000);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ CN: [fields.commonName] }],
    issuer: caCertificate.subject,
    notBefore,
    notAfter: new Date(notBefore.getTime() + NODE_VALIDITY_DAYS * 86_400_000),
    signingAlgorithm: EC_P256,
    publicKey: await request.publicKey.export(EC_P256, ['verify']),
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(
        [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
        false,
      ),
      ...(fields.ipAddresses.length > 0
        ? [new x509.SubjectAlternativeNameExtension(fields.ipAddresses.map((value) => ({ type: 'ip' as const, value })))]
        : []),
      await x509.AuthorityKeyIdentifierExtension.create(caCertificate),
    ],
  });
  return certificate.toString('pem');
}

/** A random positive 16-byte serial number, hex. */
function randomSerial(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f;
  return Buffer.from(bytes).toString('hex');
}

/** True when `certificatePem` was signed by the CA of `caCertificatePem`. */
export function issuedBy(certificatePem: string, caCertificatePem: string): boolean {
  const certificate = new NodeX509(certificatePem);
  const ca = new NodeX509(caCertificatePem);
  return certificate.checkIssued(ca) && certificate.verify(ca.publicKey);
}
