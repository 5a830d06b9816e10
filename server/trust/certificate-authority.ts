/**
 * The appliance's own certificate authority: an ECDSA P-256 key and a self-signed certificate made at
 * first start, name-constrained to local names and private addresses (name-constraints.ts). It issues
 * the node's TLS server certificate and signs cluster nodes' certificate requests. All X.509 encoding
 * is `@peculiar/x509`'s (and `@peculiar/asn1-x509`'s schema for the Name Constraints extension, which
 * the library has no class for); the keys are WebCrypto's.
 */
import { createPrivateKey, createPublicKey, randomBytes, type webcrypto, X509Certificate } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  id_ce_nameConstraints,
  NameConstraints,
} from '@peculiar/asn1-x509';
import {
  readStoredCa,
  type StoredCa,
  TrustStoreError,
  writePublicCertificate,
  writeStoredCa,
} from './ca-files.js';
import {
  addressIsPermitted,
  dnsNameIsPermitted,
  type PermittedNames,
  permittedNamesFor,
} from './name-constraints.js';
import { type CryptoKey, type CryptoKeyPair, crypto, EC_P256, x509 } from './x509.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** How long the CA's certificate is valid: devices trust it once, so it outlives the hardware. */
export const CA_LIFETIME_DAYS = 20 * 365;
/** The longest a leaf may live: the CA/Browser Forum's 398 days, less a day of margin (Apple enforces it). */
export const MAX_LEAF_LIFETIME_DAYS = 397;
/** Leaves start this far in the past, so a device whose clock runs a little behind accepts them. */
const BACKDATE_MS = 60 * 60 * 1000;

/** The names a certificate is for. */
export interface CertificateNames {
  /** DNS names, lower case; `*.` wildcards allowed. */
  dns: string[];
  /** IPv4 and IPv6 literals. */
  ip: string[];
}

/** A certificate with its key, ready for `tls.createSecureContext`. */
export interface IssuedCertificate {
  /** The certificate, PEM. */
  certificatePem: string;
  /** Its private key (PKCS#8), PEM. */
  keyPem: string;
  /** The names it carries. */
  names: CertificateNames;
  /** Names asked for but left out: outside the CA's name constraints (clients would refuse the whole certificate). */
  leftOut: CertificateNames;
  notBefore: Date;
  notAfter: Date;
}

/** A certificate signed for a cluster node's own key (from its CSR). */
export interface NodeCertificate {
  /** The certificate, PEM. */
  certificatePem: string;
  notBefore: Date;
  notAfter: Date;
}

/** A request the CA refuses to sign (bad CSR, names outside its constraints, bad lifetime). */
export class CertificateRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateRequestError';
  }
}

/** The SHA-256 fingerprint of a certificate (DER), as browsers show it: `AB:CD:…` (32 bytes). */
export function certificateFingerprint(certificatePem: string): string {
  return new X509Certificate(certificatePem).fingerprint256;
}

/** Splits `names` into those inside the CA's constraints and those outside; both de-duplicated. */
export function partitionNames(
  names: CertificateNames,
  permitted: PermittedNames,
): { inside: CertificateNames; outside: CertificateNames } {
  const inside: CertificateNames = { dns: [], ip: [] };
  const outside: CertificateNames = { dns: [], ip: [] };
  for (const name of new Set(names.dns.map((n) => n.toLowerCase()))) {
    (dnsNameIsPermitted(name, permitted) ? inside : outside).dns.push(name);
  }
  for (const address of new Set(names.ip)) {
    (addressIsPermitted(address, permitted) ? inside : outside).ip.push(address);
  }
  return { inside, outside };
}

function pem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${base64.endsWith('\n') ? base64 : `${base64}\n`}-----END ${label}-----\n`;
}

function pemToDer(text: string): ArrayBuffer {
  const body = text.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, '');
  const bytes = Buffer.from(body, 'base64');
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** The critical Name Constraints extension permitting `permitted` (RFC 5280 §4.2.1.10). */
function nameConstraintsExtension(permitted: PermittedNames): x509.Extension {
  const subtrees = [
    ...permitted.dns.map((dNSName) => new GeneralSubtree({ base: new GeneralName({ dNSName }) })),
    // The library's IP converter encodes `a.b.c.d/n` as the address followed by the mask, as the RFC asks.
    ...permitted.ip.map((iPAddress) => new GeneralSubtree({ base: new GeneralName({ iPAddress }) })),
  ];
  const value = AsnConvert.serialize(
    new NameConstraints({ permittedSubtrees: new GeneralSubtrees(subtrees) }),
  );
  return new x509.Extension(id_ce_nameConstraints, true, value);
}

/** The permitted names written in a CA certificate's Name Constraints extension. */
export function readPermittedNames(certificate: x509.X509Certificate): PermittedNames {
  const extension = certificate.extensions.find((e) => e.type === id_ce_nameConstraints);
  if (!extension) throw new TrustStoreError('The CA certificate has no name constraints');
  const parsed = AsnConvert.parse(extension.value, NameConstraints);
  const dns: string[] = [];
  const ip: string[] = [];
  for (const subtree of parsed.permittedSubtrees ?? []) {
    if (subtree.base.dNSName !== undefined) dns.push(subtree.base.dNSName);
    if (subtree.base.iPAddress !== undefined) ip.push(subtree.base.iPAddress);
  }
  return { dns, ip };
}

function subjectAltNames(names: CertificateNames): x509.SubjectAlternativeNameExtension {
  return new x509.SubjectAlternativeNameExtension([
    ...names.dns.map((value) => ({ type: 'dns' as const, value })),
    ...names.ip.map((value) => ({ type: 'ip' as const, value })),
  ]);
}

/**
 * The appliance's CA, loaded from (or made in) the data folder.
 * @example
 * const ca = await loadCertificateAuthority(dataDir);
 * const leaf = await ca.issueServerCertificate({ dns: ['pi.local'], ip: ['192.168.1.20'] });
 */
export class CertificateAuthority {
  /** The CA certificate, PEM (what devices install). */
  readonly certificatePem: string;
  /** Its SHA-256 fingerprint, `AB:CD:…`: compare it out of band before trusting the CA. */
  readonly fingerprint: string;
  /** What its name constraints permit. */
  readonly permitted: PermittedNames;
  /** The CA's certificate as parsed. */
  readonly certificate: x509.X509Certificate;

  private constructor(
    certificate: x509.X509Certificate,
    certificatePem: string,
    private readonly signingKey: CryptoKey,
  ) {
    this.certificate = certificate;
    this.certificatePem = certificatePem;
    this.fingerprint = certificateFingerprint(certificatePem);
    this.permitted = readPermittedNames(certificate);
  }

  /** The CA's certificate, DER. */
  get certificateDer(): Buffer {
    return Buffer.from(this.certificate.rawData);
  }

  /** Makes a new CA for the machine called `hostName` (not stored; see loadCertificateAuthority). */
  static async create(
    hostName: string,
    now = new Date(),
  ): Promise<{ ca: CertificateAuthority; stored: StoredCa }> {
    const keys = (await crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
    const permitted = permittedNamesFor(hostName);
    // A unique subject: two appliances' CAs never share a name, which would confuse chain building.
    const id = randomBytes(4).toString('hex');
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      name: [{ CN: [`PiCloud local CA ${hostName.slice(0, 30)} ${id}`] }, { O: ['PiCloud'] }],
      keys,
      signingAlgorithm: EC_P256,
      notBefore: new Date(now.getTime() - DAY_MS),
      notAfter: new Date(now.getTime() + CA_LIFETIME_DAYS * DAY_MS),
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        nameConstraintsExtension(permitted),
      ],
    });
    const keyPem = pem('PRIVATE KEY', await crypto.subtle.exportKey('pkcs8', keys.privateKey));
    const stored = { keyPem, certificatePem: certificate.toString('pem') + '\n' };
    return { ca: await CertificateAuthority.fromStored(stored), stored };
  }

  /**
   * The CA from its stored key and certificate.
   * @throws TrustStoreError when they do not belong together or are not a PiCloud CA.
   */
  static async fromStored(stored: StoredCa): Promise<CertificateAuthority> {
    let certificate: x509.X509Certificate;
    try {
      certificate = new x509.X509Certificate(stored.certificatePem);
    } catch (error) {
      throw new TrustStoreError(`The CA certificate cannot be parsed: ${(error as Error).message}`);
    }
    const ownPublic = createPublicKey(createPrivateKey(stored.keyPem)).export({
      format: 'der',
      type: 'spki',
    });
    if (!ownPublic.equals(Buffer.from(certificate.publicKey.rawData))) {
      throw new TrustStoreError("The CA file's private key does not belong to its certificate");
    }
    const signingKey = await crypto.subtle.importKey('pkcs8', pemToDer(stored.keyPem), EC_P256, false, [
      'sign',
    ]);
    return new CertificateAuthority(certificate, stored.certificatePem, signingKey);
  }

  /**
   * Issues a TLS server certificate (serverAuth) with a fresh P-256 key for the names in `names` that
   * the CA's constraints permit; the others are reported in `leftOut`.
   * @throws CertificateRequestError when no name at all is permitted, or for a lifetime over 397 days.
   */
  async issueServerCertificate(
    names: CertificateNames,
    { lifetimeDays = MAX_LEAF_LIFETIME_DAYS, now = new Date() }: { lifetimeDays?: number; now?: Date } = {},
  ): Promise<IssuedCertificate> {
    const { inside, outside } = partitionNames(names, this.permitted);
    if (inside.dns.length + inside.ip.length === 0) {
      throw new CertificateRequestError(
        'None of the names is one the CA may certify (local names, private addresses)',
      );
    }
    const keys = (await crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
    const { certificate, notBefore, notAfter } = await this.sign({
      subject: inside.dns[0] ?? inside.ip[0],
      publicKey: keys.publicKey,
      names: inside,
      usages: [x509.ExtendedKeyUsage.serverAuth],
      lifetimeDays,
      now,
    });
    return {
      certificatePem: certificate,
      keyPem: pem('PRIVATE KEY', await crypto.subtle.exportKey('pkcs8', keys.privateKey)),
      names: inside,
      leftOut: outside,
      notBefore,
      notAfter,
    };
  }

  /**
   * Signs a cluster node's certificate request (PKCS#10, PEM): a certificate for the request's own key
   * (its signature is checked, so the requester holds it), usable as TLS client and server
   * (clientAuth + serverAuth), for exactly `names` — the request's own subject and extensions are
   * ignored — and named `commonName`.
   * @throws CertificateRequestError for a request that does not parse or verify, a key other than
   *   ECDSA P-256, a name outside the CA's constraints, or a lifetime over 397 days.
   * @example const { certificatePem } = await ca.signNodeCsr(csrPem, { commonName: 'node-2', names: { dns: ['pi2.local'], ip: ['192.168.1.21'] } });
   */
  async signNodeCsr(
    csrPem: string,
    {
      commonName,
      names,
      lifetimeDays = MAX_LEAF_LIFETIME_DAYS,
      now = new Date(),
    }: { commonName: string; names: CertificateNames; lifetimeDays?: number; now?: Date },
  ): Promise<NodeCertificate> {
    let request: x509.Pkcs10CertificateRequest;
    try {
      request = new x509.Pkcs10CertificateRequest(csrPem);
    } catch (error) {
      throw new CertificateRequestError(
        `The certificate request cannot be parsed: ${(error as Error).message}`,
      );
    }
    const algorithm = request.publicKey.algorithm as webcrypto.EcKeyAlgorithm;
    if (algorithm.name !== 'ECDSA' || algorithm.namedCurve !== 'P-256') {
      throw new CertificateRequestError('The certificate request must be for an ECDSA P-256 key');
    }
    if (!(await request.verify())) {
      throw new CertificateRequestError("The certificate request's signature does not verify");
    }
    const { inside, outside } = partitionNames(names, this.permitted);
    if (outside.dns.length + outside.ip.length > 0) {
      throw new CertificateRequestError(
        `These names are outside what the CA may certify (local names, private addresses): ${[...outside.dns, ...outside.ip].join(', ')}`,
      );
    }
    if (inside.dns.length + inside.ip.length === 0) {
      throw new CertificateRequestError('A node certificate needs at least one name');
    }
    const { certificate, notBefore, notAfter } = await this.sign({
      subject: commonName,
      publicKey: request.publicKey,
      names: inside,
      usages: [x509.ExtendedKeyUsage.clientAuth, x509.ExtendedKeyUsage.serverAuth],
      lifetimeDays,
      now,
    });
    return { certificatePem: certificate, notBefore, notAfter };
  }

  private async sign(options: {
    subject: string;
    publicKey: CryptoKey | x509.PublicKey;
    names: CertificateNames;
    usages: string[];
    lifetimeDays: number;
    now: Date;
  }): Promise<{ certificate: string; notBefore: Date; notAfter: Date }> {
    if (!(options.lifetimeDays > 0 && options.lifetimeDays <= MAX_LEAF_LIFETIME_DAYS)) {
      throw new CertificateRequestError(`A certificate lives 1 to ${MAX_LEAF_LIFETIME_DAYS} days`);
    }
    if (options.subject.length === 0 || options.subject.length > 64) {
      throw new CertificateRequestError('A certificate subject has 1 to 64 characters');
    }
    const notBefore = new Date(options.now.getTime() - BACKDATE_MS);
    const notAfter = new Date(options.now.getTime() + options.lifetimeDays * DAY_MS);
    const certificate = await x509.X509CertificateGenerator.create({
      subject: [{ CN: [options.subject] }, { O: ['PiCloud'] }],
      issuer: this.certificate.subjectName,
      publicKey: options.publicKey,
      signingKey: this.signingKey,
      signingAlgorithm: EC_P256,
      notBefore,
      notAfter,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension(options.usages, false),
        subjectAltNames(options.names),
        await x509.SubjectKeyIdentifierExtension.create(options.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(this.certificate),
      ],
    });
    return { certificate: `${certificate.toString('pem')}\n`, notBefore, notAfter };
  }
}

/**
 * The CA of `dataDir` as stored, or null when none was made yet (for readers such as `picloud trust`,
 * which must not make one). The public copy `ca.crt` is not touched.
 * @throws TrustStoreError when the file is unusable (the message says what to do).
 */
export async function readCertificateAuthority(dataDir: string): Promise<CertificateAuthority | null> {
  const stored = readStoredCa(dataDir);
  return stored ? CertificateAuthority.fromStored(stored) : null;
}

/**
 * The CA of `dataDir`: loaded from `ca.pem`, or made and stored there at first start (for the machine
 * called `hostName`). The public copy `ca.crt` is refreshed.
 * @throws TrustStoreError when the file is unusable (the message says what to do).
 * @example const ca = await loadCertificateAuthority('/var/lib/picloud'); console.log(ca.fingerprint);
 */
export async function loadCertificateAuthority(
  dataDir: string,
  { hostName = osHostname() }: { hostName?: string } = {},
): Promise<CertificateAuthority> {
  const ca = (await readCertificateAuthority(dataDir)) ?? (await create(dataDir, hostName));
  writePublicCertificate(dataDir, ca.certificatePem);
  return ca;
}

async function create(dataDir: string, hostName: string): Promise<CertificateAuthority> {
  const made = await CertificateAuthority.create(hostName);
  writeStoredCa(dataDir, made.stored);
  return made.ca;
}
