/**
 * The appliance's CA: made once and stored under the secrets' file-mode rules, name-constrained to local
 * names and private addresses, issuing server leaves and signing cluster nodes' requests. Chains are
 * checked by OpenSSL (`openssl verify`, which enforces name constraints) and by a real TLS handshake.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { CA_CERTIFICATE_FILE, CA_FILE, TrustStoreError } from '../../server/trust/ca-files.js';
import {
  CertificateAuthority,
  CertificateRequestError,
  loadCertificateAuthority,
} from '../../server/trust/certificate-authority.js';
import { type CryptoKeyPair, crypto, EC_P256, x509 } from '../../server/trust/x509.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'picloud-ca-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** `openssl verify` of `leafPem` against `caPem`: its output, and whether it passed. */
function opensslVerify(
  caPem: string,
  leafPem: string,
  purpose = 'sslserver',
): { ok: boolean; output: string } {
  const dir = tempDir();
  writeFileSync(join(dir, 'ca.crt'), caPem);
  writeFileSync(join(dir, 'leaf.crt'), leafPem);
  try {
    const output = execFileSync(
      'openssl',
      ['verify', '-purpose', purpose, '-CAfile', join(dir, 'ca.crt'), join(dir, 'leaf.crt')],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return { ok: true, output };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** A leaf signed by the CA's key for any names, bypassing the CA's own filtering (to test the constraint itself). */
async function forgeLeaf(
  ca: CertificateAuthority,
  dataDir: string,
  names: { type: 'dns' | 'ip'; value: string }[],
) {
  const stored = readFileSync(join(dataDir, CA_FILE), 'utf8');
  const keyPem = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(stored)?.[0] ?? '';
  const der = Buffer.from(keyPem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  const signingKey = await crypto.subtle.importKey('pkcs8', der, EC_P256, false, ['sign']);
  const keys = (await crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    subject: 'CN=forged',
    issuer: ca.certificate.subjectName,
    publicKey: keys.publicKey,
    signingKey,
    signingAlgorithm: EC_P256,
    extensions: [
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
    ],
  });
  return cert.toString('pem');
}

describe('the appliance CA', () => {
  it('is made at first start as ECDSA P-256, stored readable by its owner only, and loaded unchanged after', async () => {
    const dir = tempDir();
    const ca = await loadCertificateAuthority(dir, { hostName: 'raspberrypi' });
    expect(statSync(join(dir, CA_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, CA_CERTIFICATE_FILE)).mode & 0o077).not.toBe(0);
    expect(readFileSync(join(dir, CA_CERTIFICATE_FILE), 'utf8')).toBe(ca.certificatePem);
    expect(readFileSync(join(dir, CA_CERTIFICATE_FILE), 'utf8')).not.toContain('PRIVATE KEY');
    const node = new X509Certificate(ca.certificatePem);
    expect(node.ca).toBe(true);
    expect(node.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(ca.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(ca.fingerprint).toBe(node.fingerprint256);

    const again = await loadCertificateAuthority(dir);
    expect(again.fingerprint).toBe(ca.fingerprint);
    // openssl's own reading of the extension: critical, the local suffixes and private ranges.
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], {
      input: ca.certificatePem,
      encoding: 'utf8',
    });
    expect(text).toMatch(/X509v3 Name Constraints: critical/);
    for (const line of [
      'DNS:local',
      'DNS:home.arpa',
      'DNS:internal',
      'DNS:lan',
      'DNS:localhost',
      'DNS:raspberrypi',
    ]) {
      expect(text).toContain(line);
    }
    for (const line of [
      'IP:10.0.0.0/255.0.0.0',
      'IP:172.16.0.0/255.240.0.0',
      'IP:192.168.0.0/255.255.0.0',
      'IP:127.0.0.0/255.0.0.0',
    ]) {
      expect(text).toContain(line);
    }
    expect(text).toMatch(/IP:FC00:0:0:0:0:0:0:0\/FE00:0:0:0:0:0:0:0/i);
  });

  it('refuses a CA file that others may read, or that is damaged, with a message saying what to do', async () => {
    const dir = tempDir();
    await loadCertificateAuthority(dir, { hostName: 'pi' });
    chmodSync(join(dir, CA_FILE), 0o644);
    await expect(loadCertificateAuthority(dir)).rejects.toThrow(
      /mode 0644: other users may read its private key/,
    );
    chmodSync(join(dir, CA_FILE), 0o600);
    writeFileSync(join(dir, CA_FILE), 'garbage', { mode: 0o600 });
    await expect(loadCertificateAuthority(dir)).rejects.toBeInstanceOf(TrustStoreError);
    // A key from another CA next to this certificate.
    const other = await CertificateAuthority.create('other');
    const mine = await CertificateAuthority.create('mine');
    await expect(
      CertificateAuthority.fromStored({
        keyPem: other.stored.keyPem,
        certificatePem: mine.stored.certificatePem,
      }),
    ).rejects.toThrow(/does not belong to its certificate/);
  });

  it('does not permit a host name that is a public top-level domain', async () => {
    const { ca } = await CertificateAuthority.create('dev');
    expect(ca.permitted.dns).not.toContain('dev');
  });

  it('issues a serverAuth leaf, ≤ 397 days, that OpenSSL verifies, leaving out names outside its constraints', async () => {
    const dir = tempDir();
    const ca = await loadCertificateAuthority(dir, { hostName: 'raspberrypi' });
    const leaf = await ca.issueServerCertificate({
      dns: [
        'raspberrypi.local',
        'raspberrypi',
        'localhost',
        'garden.local',
        '*.home.lan',
        'api.example.com',
        '*.example.org',
      ],
      ip: ['127.0.0.1', '::1', '192.168.1.20', '10.1.2.3', 'fd00::5', '8.8.8.8', '2001:db8::1'],
    });
    expect(leaf.names.dns).toEqual([
      'raspberrypi.local',
      'raspberrypi',
      'localhost',
      'garden.local',
      '*.home.lan',
    ]);
    expect(leaf.names.ip).toEqual(['127.0.0.1', '::1', '192.168.1.20', '10.1.2.3', 'fd00::5']);
    expect(leaf.leftOut).toEqual({
      dns: ['api.example.com', '*.example.org'],
      ip: ['8.8.8.8', '2001:db8::1'],
    });
    const node = new X509Certificate(leaf.certificatePem);
    expect(node.checkIssued(new X509Certificate(ca.certificatePem))).toBe(true);
    expect(node.ca).toBe(false);
    expect(node.subjectAltName).toContain('DNS:raspberrypi.local');
    expect(node.subjectAltName).toContain('IP Address:192.168.1.20');
    expect(node.checkHost('raspberrypi.local')).toBe('raspberrypi.local');
    expect(node.checkHost('kitchen.home.lan')).toBe('*.home.lan');
    expect(node.checkIP('::1')).toBe('::1');
    const days = (Date.parse(node.validTo) - Date.parse(node.validFrom)) / 86_400_000;
    expect(days).toBeLessThanOrEqual(398);
    expect(node.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(opensslVerify(ca.certificatePem, leaf.certificatePem)).toMatchObject({ ok: true });
    await expect(
      ca.issueServerCertificate({ dns: ['a.local'], ip: [] }, { lifetimeDays: 398 }),
    ).rejects.toBeInstanceOf(CertificateRequestError);
    await expect(ca.issueServerCertificate({ dns: ['example.com'], ip: [] })).rejects.toBeInstanceOf(
      CertificateRequestError,
    );
  });

  it('is refused by OpenSSL for a public name or address even when its key signs one (the constraint holds)', async () => {
    const dir = tempDir();
    const ca = await loadCertificateAuthority(dir, { hostName: 'pi' });
    for (const names of [
      [{ type: 'dns' as const, value: 'www.example.com' }],
      [
        { type: 'dns' as const, value: 'pi.local' },
        { type: 'dns' as const, value: 'bank.example' },
      ],
      [{ type: 'ip' as const, value: '8.8.8.8' }],
      [{ type: 'ip' as const, value: '2001:db8::1' }],
    ]) {
      const forged = await forgeLeaf(ca, dir, names);
      const result = opensslVerify(ca.certificatePem, forged);
      expect(result.ok, JSON.stringify(names)).toBe(false);
      expect(result.output).toMatch(/permitted subtree violation/);
    }
    // A local name passes the same path, so the failures above are the constraint's.
    expect(
      opensslVerify(ca.certificatePem, await forgeLeaf(ca, dir, [{ type: 'dns', value: 'pi.local' }])).ok,
    ).toBe(true);
  });

  it('signs a cluster node CSR for clientAuth+serverAuth with the given names, refusing bad requests', async () => {
    const dir = tempDir();
    const ca = await loadCertificateAuthority(dir, { hostName: 'pi' });
    const keys = (await crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=evil.example.com',
      keys,
      signingAlgorithm: EC_P256,
    });
    const signed = await ca.signNodeCsr(csr.toString('pem'), {
      commonName: 'node-2',
      names: { dns: ['pi2.local'], ip: ['192.168.1.21'] },
      lifetimeDays: 90,
    });
    const node = new X509Certificate(signed.certificatePem);
    expect(node.subject).toContain('CN=node-2');
    expect(node.subjectAltName).toBe('DNS:pi2.local, IP Address:192.168.1.21');
    expect(node.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.1']);
    expect(opensslVerify(ca.certificatePem, signed.certificatePem, 'sslclient').ok).toBe(true);
    expect(opensslVerify(ca.certificatePem, signed.certificatePem, 'sslserver').ok).toBe(true);
    // The certificate is for the requester's key.
    const spki = Buffer.from(await crypto.subtle.exportKey('spki', keys.publicKey));
    expect(node.publicKey.export({ type: 'spki', format: 'der' }).equals(spki)).toBe(true);

    const refusals: [string, Parameters<CertificateAuthority['signNodeCsr']>[1], RegExp][] = [
      ['not a csr', { commonName: 'n', names: { dns: ['a.local'], ip: [] } }, /cannot be parsed/],
      [csr.toString('pem'), { commonName: 'n', names: { dns: ['node.example.com'], ip: [] } }, /outside/],
      [csr.toString('pem'), { commonName: 'n', names: { dns: [], ip: ['8.8.4.4'] } }, /outside/],
      [csr.toString('pem'), { commonName: 'n', names: { dns: [], ip: [] } }, /at least one name/],
      [
        csr.toString('pem'),
        { commonName: 'n', names: { dns: ['a.local'], ip: [] }, lifetimeDays: 400 },
        /397/,
      ],
    ];
    for (const [pemText, options, message] of refusals) {
      await expect(ca.signNodeCsr(pemText, options)).rejects.toThrow(message);
    }
    // A request whose signature does not match its key (the requester does not hold the key).
    const der = Buffer.from(csr.rawData);
    der[der.length - 5] ^= 0xff;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    await expect(
      ca.signNodeCsr(tampered, { commonName: 'n', names: { dns: ['a.local'], ip: [] } }),
    ).rejects.toBeInstanceOf(CertificateRequestError);
  });

  it('serves a TLS handshake that a client trusting only the CA accepts for a local name', async () => {
    const dir = tempDir();
    const ca = await loadCertificateAuthority(dir, { hostName: 'pi' });
    const leaf = await ca.issueServerCertificate({ dns: ['pi.local'], ip: ['127.0.0.1'] });
    const server = createServer({ cert: leaf.certificatePem, key: leaf.keyPem }, (socket) =>
      socket.end('hello'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const greeting = await new Promise<string>((resolve, reject) => {
        const socket = connect(
          { host: '127.0.0.1', port, servername: 'pi.local', ca: ca.certificatePem },
          () => {
            socket.once('data', (data) => resolve(data.toString()));
          },
        );
        socket.on('error', reject);
      });
      expect(greeting).toBe('hello');
    } finally {
      server.close();
    }
  });
});
