/**
 * A PiCloud cluster on LAN hosts (network namespaces, see lan-hosts.ts): real `picloud start`
 * processes, the primary's embedded PostgreSQL on the LAN with TLS, members on it with certificates
 * from the primary's CA. The test process lives outside the namespaces, so everything that talks to
 * a host's network — HTTP calls, SQL on the primary — runs as a small Node program on a host.
 *
 * Members are enrolled the way the join flow does it, step by step, with the same functions: the
 * node's key and certificate request, the primary's CA signing it for the node's role, the primary
 * admitting it (`admitMember`, on the primary's database), the node recording its membership
 * (`writeMembership`, with the primary's secrets key).
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ClusterState, writePrimaryState } from '../../server/cluster/cluster-state.js';
import { type Membership, nodeRoleName, writeMembership } from '../../server/cluster/membership-store.js';
import { certificateSha256 } from '../../server/cluster/node-certificates.js';
import { loadSecretKey, SECRET_KEY_FILE } from '../../server/manager/secrets/secret-key.js';
import { readCertificateAuthority } from '../../server/trust/certificate-authority.js';
import { crypto, EC_P256, x509 } from '../../server/trust/x509.js';
import type { LanHost, LanHostAppliance } from './lan-hosts.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The port the primary's PostgreSQL gets (each host has its own port space). */
export const PRIMARY_PG_PORT = 5433;

/**
 * Runs `body` (the inside of an async ES-module function of `args`, `pg` and `dist`, the compiled
 * server's folder) on `host`; resolves with what it returns (as JSON).
 */
export async function runOn<T = any>(
  host: LanHost,
  body: string,
  args: unknown = null,
  timeoutMs = 60_000,
): Promise<T> {
  const program = `
    import pg from ${JSON.stringify(`${ROOT}node_modules/pg/lib/index.js`)};
    const dist = ${JSON.stringify(`${ROOT}dist/server/`)};
    const args = JSON.parse(process.argv[1]);
    const result = await (async () => { ${body} })();
    process.stdout.write('\\n@@' + JSON.stringify(result ?? null));
    process.exit(0);`;
  const got = await host.run(process.execPath, ['--input-type=module', '-e', program, JSON.stringify(args)], {
    timeoutMs,
  });
  const marker = got.stdout.lastIndexOf('\n@@');
  if (got.code !== 0 || marker < 0) {
    throw new Error(`program on ${host.name} failed (${got.code}):\n${got.stdout}\n${got.stderr}`);
  }
  return JSON.parse(got.stdout.slice(marker + 3)) as T;
}

/** An HTTP answer seen from a host. */
export interface HostResponse {
  status: number;
  headers: Record<string, string>;
  body: any;
  /** When the request was sent and when its answer arrived (epoch ms: every host shares the clock). */
  sentAt: number;
  at: number;
}

/** The fetch a host's programs use (JSON parsed when it is JSON). */
export const FETCH = `
  async function call(url, init = {}) {
    const sentAt = Date.now();
    try {
      const r = await fetch(url, { redirect: 'manual', ...init, signal: AbortSignal.timeout(5000) });
      const text = await r.text();
      let body = text;
      try { body = JSON.parse(text); } catch {}
      return { status: r.status, headers: Object.fromEntries(r.headers), body, sentAt, at: Date.now() };
    } catch (error) {
      return { status: 0, headers: {}, body: String(error.cause?.code ?? error.message), sentAt, at: Date.now() };
    }
  }`;

/** One HTTP request made from `host`. */
export function fetchOn(
  host: LanHost,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<HostResponse> {
  return runOn(
    host,
    `${FETCH}
     const { url, method, headers, body } = args;
     return call(url, { method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
                        body: body === undefined ? undefined : JSON.stringify(body) });`,
    { url, ...init },
  );
}

/** The primary's connection string on its own host (loopback, as `picloud`). */
export function primaryDatabaseUrl(dataDir: string): string {
  const password = readFileSync(join(dataDir, 'postgres.password'), 'utf8').trim();
  return `postgres://picloud:${encodeURIComponent(password)}@127.0.0.1:${PRIMARY_PG_PORT}/picloud`;
}

/** Runs SQL on the primary's database, from the primary's host. */
export function sqlOnPrimary<T = any>(
  host: LanHost,
  dataDir: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  return runOn(
    host,
    `const client = new pg.Client({ connectionString: args.url });
     await client.connect();
     try { return (await client.query(args.text, args.params)).rows; } finally { await client.end(); }`,
    { url: primaryDatabaseUrl(dataDir), text, params },
  );
}

/** SHA-256 (hex) of a PEM certificate's DER. */
export const certificateId = certificateSha256;

/** A data folder a member can use (no PostgreSQL runs in it). */
export function emptyDataDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `picloud-${name}-`));
  chmodSync(dir, 0o755);
  return dir;
}

/** The CA an appliance made at its first start in `dataDir`. */
async function theCa(dataDir: string) {
  const ca = await readCertificateAuthority(dataDir);
  if (!ca) throw new Error(`no CA in ${dataDir}: start the appliance once first`);
  return ca;
}

/** What enrolling a primary leaves. */
export interface PrimaryEnrolment {
  clusterId: string;
  caPem: string;
  nodeId: string;
}

/**
 * Makes a stopped fresh appliance (its data folder holds its CA) the cluster's primary: a
 * certificate from its CA for its LAN address, and `cluster/primary.json` with the fixed PostgreSQL
 * port — what `ClusterRuntime.becomePrimary` writes on a running node.
 */
export async function enrolPrimary(host: LanHost, dataDir: string): Promise<PrimaryEnrolment> {
  const ca = await theCa(dataDir);
  const issued = await ca.issueServerCertificate({ dns: [`${host.name}.local`], ip: [host.address] });
  const nodeId = certificateId(issued.certificatePem);
  const clusterId = createHash('sha256').update(ca.certificateDer).digest('hex');
  const state: Extract<ClusterState, { role: 'primary' }>['primary'] = {
    clusterId,
    nodeId,
    name: host.name,
    pgPort: PRIMARY_PG_PORT,
    since: new Date().toISOString(),
  };
  writePrimaryState(dataDir, state, {
    cert: issued.certificatePem,
    key: issued.keyPem,
    ca: ca.certificatePem,
  });
  return { clusterId, caPem: ca.certificatePem, nodeId };
}

/** A node's key and a certificate from `caDataDir`'s CA for it, named `commonName`. */
export async function nodeCertificate(caDataDir: string, commonName: string, address: string) {
  const ca = await theCa(caDataDir);
  const keys = (await crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=ignored by the CA',
    keys,
    signingAlgorithm: EC_P256,
  });
  const signed = await ca.signNodeCsr(csr.toString('pem'), { commonName, names: { dns: [], ip: [address] } });
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)?.join('\n')}\n-----END PRIVATE KEY-----\n`;
  return { certificatePem: signed.certificatePem, keyPem };
}

/**
 * Enrols `host` as a member of the primary running on `primaryHost` (data folder `primaryDir`):
 * certificate, admission on the primary's database, membership in `dataDir`. Returns its node id.
 */
export async function enrolMember(options: {
  primaryHost: LanHost;
  primaryDir: string;
  primary: LanHostAppliance;
  enrolment: PrimaryEnrolment;
  host: LanHost;
  dataDir: string;
}): Promise<{ nodeId: string; pgRole: string; certificatePem: string; keyPem: string }> {
  const { primaryHost, primaryDir, primary, enrolment, host, dataDir } = options;
  // The role comes from the node's id before the join (its own certificate's); the final id is the
  // signed certificate's — as the join flow does it.
  const pgRole = nodeRoleName(randomBytes(32).toString('hex'));
  const { certificatePem, keyPem } = await nodeCertificate(primaryDir, pgRole, host.address);
  const nodeId = certificateId(certificatePem);
  const admission = await runOn<{ pgRole: string; pgPort: number; pgDatabase: string }>(
    primaryHost,
    `const { Kysely, PostgresDialect } = await import(dist + '../../node_modules/kysely/dist/esm/index.js');
     const { admitMember } = await import(dist + 'cluster/membership.js');
     const db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: args.url, max: 1 }) }) });
     try { return await admitMember(db, args.port, args.candidate); } finally { await db.destroy(); }`,
    {
      url: primaryDatabaseUrl(primaryDir),
      port: PRIMARY_PG_PORT,
      candidate: {
        nodeId,
        pgRole,
        name: host.name,
        fingerprint: nodeId,
        addresses: [host.address],
        versions: {},
      },
    },
  );
  const membership: Membership = {
    clusterId: enrolment.clusterId,
    nodeId,
    name: host.name,
    // No wire listener in this harness: the panel's port stands in for it.
    primary: {
      host: primaryHost.address,
      wirePort: primary.panelPort,
      pgPort: admission.pgPort,
      panelPort: primary.panelPort,
    },
    pgRole: admission.pgRole,
    pgDatabase: admission.pgDatabase,
    joinedAt: new Date().toISOString(),
  };
  // The primary makes its secrets key at the first secret; a join hands it over, made if need be.
  loadSecretKey(primaryDir, { create: true });
  writeMembership(dataDir, membership, {
    ca: enrolment.caPem,
    cert: certificatePem,
    key: keyPem,
    secretKey: readFileSync(join(primaryDir, SECRET_KEY_FILE)),
  });
  return { nodeId, pgRole, certificatePem, keyPem };
}

/** An admin API token on the primary (the owner account made if missing), from the primary's host. */
export function adminTokenOnPrimary(host: LanHost, dataDir: string): Promise<string> {
  return runOn(
    host,
    `const { Kysely, PostgresDialect } = await import(dist + '../../node_modules/kysely/dist/esm/index.js');
     const { adminExists, createFirstAdmin } = await import(dist + 'manager/auth/account-store.js');
     const { createToken } = await import(dist + 'manager/auth/token-store.js');
     const db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: args.url, max: 1 }) }) });
     try {
       if (!(await adminExists(db))) await createFirstAdmin(db, { username: 'owner', password: 'correct horse battery staple' });
       const { token } = await createToken(db, { name: 'cluster test', scopes: ['admin'], appId: null, expiresAt: null, createdBy: 'test' });
       return token;
     } finally { await db.destroy(); }`,
    { url: primaryDatabaseUrl(dataDir) },
  );
}
