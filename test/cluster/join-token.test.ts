/**
 * The token join end to end in one process, over real TLS on 127.0.0.1 and a real database: a primary's
 * cluster port with its appliance CA, join tokens in `cluster_join_tokens`, and a joining node's data
 * folder. A token used twice, expired, or naming another CA's hash is refused — and, for the last two,
 * before the joining node sends anything at all (the primary's port sees no request). The membership
 * runtime is stood in for by a recorder of admissions: PostgreSQL roles and `cluster_nodes` are tested
 * where they live, and together with this in the LAN test (test/cluster/cluster-lan.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdmittedNode, ClusterMembers } from '../../server/cluster/cluster-members.js';
import { JoinRefused, joinCluster } from '../../server/cluster/join-node.js';
import { admitJoin } from '../../server/cluster/join-primary.js';
import { readMembership } from '../../server/cluster/membership-store.js';
import { certificateSha256, issuedBy, pemChain } from '../../server/cluster/node-certificates.js';
import { localNodeIdentity, type NodeIdentity } from '../../server/cluster/node-identity.js';
import { buildWireServer, type WireServer } from '../../server/cluster/wire-server.js';
import { migrate, readMigrations } from '../../server/db/migrator.js';
import type { Database } from '../../server/db/schema.js';
import { createJoinToken } from '../../server/manager/cluster/join-token-store.js';
import { MIGRATIONS_DIR } from '../../server/paths.js';
import type { CertificateAuthority } from '../../server/trust/certificate-authority.js';
import { makeTestCa } from '../support/cluster-ca.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let database: TestDatabase;
let db: Kysely<Database>;
let ca: CertificateAuthority;
let otherCa: CertificateAuthority;
let clusterId: string;
let primary: NodeIdentity;
let wire: WireServer;
let url: string;
const scratch = mkdtempSync(join(tmpdir(), 'picloud-join-'));
/** Requests that reached the primary's join handler. */
let joinRequests = 0;
const admitted: AdmittedNode[] = [];

const members: ClusterMembers = {
  async admit(node) {
    admitted.push(node);
    return { pgPort: 5432, pgDatabase: 'picloud' };
  },
  async remove() {
    return false;
  },
  async isClusterNode() {
    return false;
  },
  async list() {
    return [];
  },
};

beforeAll(async () => {
  database = await createTestDatabase();
  db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: database.pool }) });
  const client = await database.pool.connect();
  await migrate(client, readMigrations(MIGRATIONS_DIR)).finally(() => client.release());
  ca = await makeTestCa('primary');
  otherCa = await makeTestCa('elsewhere');
  clusterId = certificateSha256(ca.certificatePem);
  primary = await localNodeIdentity(join(scratch, 'primary'), ca);
  wire = await buildWireServer({
    logger: pino({ level: 'silent' }),
    tls: {
      key: primary.keyPem,
      cert: pemChain(primary.certificatePem, ca.certificatePem),
      ca: ca.certificatePem,
    },
    isClusterNode: async () => false,
    handlers: {
      invite: async () => {
        throw new Error('not used');
      },
      join: async (body, caller) => {
        joinRequests += 1;
        return admitJoin(
          {
            db,
            ca,
            clusterId,
            identity: () => primary,
            members,
            self: () => ({ name: 'primary', wirePort: 1, panelPort: 2 }),
            secretsKeyHex: () => 'ab'.repeat(32),
          },
          body,
          caller.address,
        );
      },
      status: async () => {
        throw new Error('not used');
      },
      health: async () => {
        throw new Error('not used');
      },
      leave: async () => {
        throw new Error('not used');
      },
    },
  });
  await wire.app.listen({ host: '127.0.0.1', port: 0 });
  url = `https://127.0.0.1:${(wire.app.server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await wire?.app.close();
  await database?.drop();
  rmSync(scratch, { recursive: true, force: true });
});

let joiners = 0;
/** A fresh node's data folder and its facts. */
async function freshNode() {
  const dataDir = join(scratch, `node-${++joiners}`);
  const ownCa = await makeTestCa(`node-${joiners}`);
  const identity = await localNodeIdentity(dataDir, ownCa);
  return {
    dataDir,
    nodeId: identity.nodeId,
    name: `node-${joiners}`,
    addresses: ['127.0.0.1'],
    wirePort: 9,
    versions: { product: '0.1.0', wire: 1, schema: 10, sdk: '1.2' },
  };
}

async function refusal(promise: Promise<unknown>): Promise<JoinRefused> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(JoinRefused);
  return error as JoinRefused;
}

describe('joining with a token', () => {
  it('a valid token: the node gets a certificate of the cluster CA for its own key, the CA and the primary; its membership is recorded', async () => {
    const node = await freshNode();
    const token = await createJoinToken(db, {
      caFingerprint: clusterId,
      lifetimeMs: 60_000,
      createdBy: 'test',
    });
    const membership = await joinCluster(url, token.text, node);
    expect(membership.clusterId).toBe(clusterId);
    expect(readMembership(node.dataDir)).toEqual(membership);
    const last = admitted.at(-1);
    expect(last).toMatchObject({ nodeId: membership.nodeId, name: node.name, addresses: ['127.0.0.1'] });
    // The role comes from the node's id before the join, never from its request.
    expect(last?.pgRole).toBe(`picloud_node_${node.nodeId.slice(0, 12)}`);
    expect(membership.pgRole).toBe(last?.pgRole);
    const row = await db.selectFrom('cluster_join_tokens').selectAll().executeTakeFirstOrThrow();
    expect(row.used_by).toBe(membership.nodeId);
  });

  it('the same token a second time: refused by the primary (PICLOUD_ERR_CLUSTER_TOKEN_USED), nothing signed', async () => {
    const token = await createJoinToken(db, {
      caFingerprint: clusterId,
      lifetimeMs: 60_000,
      createdBy: 'test',
    });
    await joinCluster(url, token.text, await freshNode());
    const before = admitted.length;
    const second = await freshNode();
    const error = await refusal(joinCluster(url, token.text, second));
    expect(error.code).toBe('PICLOUD_ERR_CLUSTER_TOKEN_USED');
    expect(admitted.length).toBe(before);
    expect(readMembership(second.dataDir)).toBeNull();
  });

  it('two nodes racing with one token: exactly one joins', async () => {
    const token = await createJoinToken(db, {
      caFingerprint: clusterId,
      lifetimeMs: 60_000,
      createdBy: 'test',
    });
    const nodes = await Promise.all([freshNode(), freshNode(), freshNode()]);
    const results = await Promise.allSettled(nodes.map((node) => joinCluster(url, token.text, node)));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
  });

  it('an expired token: refused before anything is sent (the primary sees no request)', async () => {
    const token = await createJoinToken(db, {
      caFingerprint: clusterId,
      lifetimeMs: 1_000,
      createdBy: 'test',
    });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const before = joinRequests;
    const error = await refusal(joinCluster(url, token.text, await freshNode()));
    expect(error).toMatchObject({ code: 'PICLOUD_ERR_CLUSTER_TOKEN_EXPIRED', nothingSent: true });
    expect(joinRequests).toBe(before);
  });

  it("a token carrying another CA's hash: refused before anything is sent, naming the reason", async () => {
    const token = await createJoinToken(db, {
      caFingerprint: certificateSha256(otherCa.certificatePem),
      lifetimeMs: 60_000,
      createdBy: 'test',
    });
    const before = joinRequests;
    const node = await freshNode();
    const error = await refusal(joinCluster(url, token.text, node));
    expect(error.nothingSent).toBe(true);
    expect(error.message).toMatch(/does not show the CA the token names/);
    expect(joinRequests).toBe(before);
    expect(readMembership(node.dataDir)).toBeNull();
  });

  it('a token this cluster never made: refused by the primary, nothing signed', async () => {
    const made = await createJoinToken(db, {
      caFingerprint: clusterId,
      lifetimeMs: 60_000,
      createdBy: 'test',
    });
    const forged = `${made.text.slice(0, -8)}AAAAAAAA`;
    const before = admitted.length;
    const error = await refusal(joinCluster(url, forged, await freshNode()));
    expect(error.code).toBe('PICLOUD_ERR_CLUSTER_TOKEN_INVALID');
    expect(admitted.length).toBe(before);
  });

  it('not a token at all: refused without a connection', async () => {
    const error = await refusal(joinCluster(url, 'K7QF-2MZP-9XRA', await freshNode()));
    expect(error).toMatchObject({ code: 'PICLOUD_ERR_CLUSTER_TOKEN_INVALID', nothingSent: true });
  });

  it('the certificate the node got is signed by the cluster CA and is for the key it kept', async () => {
    const node = await freshNode();
    const token = await createJoinToken(db, {
      caFingerprint: clusterId,
      lifetimeMs: 60_000,
      createdBy: 'test',
    });
    await joinCluster(url, token.text, node);
    const { readFileSync } = await import('node:fs');
    const certificate = readFileSync(join(node.dataDir, 'cluster', 'node.pem'), 'utf8');
    expect(issuedBy(certificate, ca.certificatePem)).toBe(true);
    const { X509Certificate, createPrivateKey, createPublicKey } = await import('node:crypto');
    const key = createPrivateKey(readFileSync(join(node.dataDir, 'cluster', 'node.key'), 'utf8'));
    expect(new X509Certificate(certificate).checkPrivateKey(key)).toBe(true);
    expect(createPublicKey(key).export({ format: 'der', type: 'spki' })).toBeDefined();
  });
});
