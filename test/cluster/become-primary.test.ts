/**
 * A running fresh appliance becomes its cluster's primary (what the join flow calls): its embedded
 * PostgreSQL restarts once, open to cluster certificates on a fixed port, while the appliance keeps
 * serving; it admits a member (a role PostgreSQL lets in with the member's certificate) and removes
 * it (PostgreSQL refuses it); restarted, it is the primary again on the same port.
 *
 * The "LAN" here is 127.0.0.2: the connection leaves from that address, so only the `hostssl` line
 * of pg_hba.conf can admit it (the loopback line is for 127.0.0.1).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Appliance, startAppliance } from '../../server/appliance/start-appliance.js';
import { nodeRoleName } from '../../server/cluster/membership-store.js';
import { loadConfig } from '../../server/config/load-config.js';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';
import { certificateId, nodeCertificate } from '../support/cluster-lan.js';

const ADDRESS = '127.0.0.2';

/** A socket that connects from {@link ADDRESS}. */
class FromAddress extends Socket {
  override connect(...args: any[]): this {
    const [port, host] = args as [number, string];
    return super.connect({ port, host, localAddress: ADDRESS });
  }
}

/** Connects to the primary's PostgreSQL as `user` with `ssl`; the outcome. */
async function tryPostgres(port: number, user: string, ssl: unknown) {
  const client = new pg.Client({
    host: ADDRESS,
    port,
    user,
    database: 'picloud',
    ssl: ssl as pg.ClientConfig['ssl'],
    stream: () => new FromAddress(),
    connectionTimeoutMillis: 5_000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query('SELECT current_user AS who');
    await client.end();
    return { ok: true, who: rows[0].who as string };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

describe('becoming the primary', () => {
  let pc: TestAppliance;
  /** The same appliance, restarted. */
  let again: Appliance | null = null;
  beforeAll(async () => {
    // The embedded PostgreSQL (no external database): only such a node can be a primary.
    pc = await startTestAppliance({ databaseUrl: null, postgresPort: 0, clusterPort: 0 });
  }, 120_000);
  afterAll(async () => {
    await again?.stop();
    await pc?.stop();
  });

  it('opens PostgreSQL to members on a fixed port, admits one, refuses it once removed, and stays primary after a restart', async () => {
    const { appliance } = pc;
    const cluster = appliance.cluster;
    expect(cluster.role).toBe('fresh');
    // 1. Its certificate from its own CA; it becomes the primary while serving.
    const issued = await appliance.ca.issueServerCertificate({ dns: ['primary.local'], ip: [ADDRESS] });
    const tls = { cert: issued.certificatePem, key: issued.keyPem, ca: appliance.ca.certificatePem };
    const nodeId = certificateId(issued.certificatePem);
    await cluster.becomePrimary({
      clusterId: createHash('sha256').update(appliance.ca.certificateDer).digest('hex'),
      nodeId,
      name: 'primary',
      tls,
    });
    expect(cluster.role).toBe('primary');
    expect(existsSync(join(pc.dataDir, 'cluster', 'primary.json'))).toBe(true);
    // Its own API still works across the restart of its PostgreSQL (the pool reconnects).
    expect((await pc.api('GET', '/api/v1/admin/apps')).status).toBe(200);
    // Idempotent.
    await cluster.becomePrimary({ clusterId: 'x', nodeId, name: 'primary', tls });

    // 2. A member: its role, its certificate for that role; PostgreSQL lets it in as that role.
    const pgRole = nodeRoleName('12'.repeat(32));
    const member = await nodeCertificate(pc.dataDir, pgRole, '127.0.0.3');
    const memberId = certificateId(member.certificatePem);
    const admission = await cluster.admitMember({
      nodeId: memberId,
      pgRole,
      name: 'member',
      fingerprint: memberId,
      addresses: ['127.0.0.3'],
      versions: { wire: 1 },
    });
    const port = appliance.database.embedded?.port ?? 0;
    expect(admission).toEqual({ pgRole, pgPort: port, pgDatabase: 'picloud' });
    const ssl = { ca: tls.ca, cert: member.certificatePem, key: member.keyPem, servername: undefined };
    expect(await tryPostgres(port, pgRole, ssl)).toEqual({ ok: true, who: pgRole });
    // Not as the appliance's own role, not without a certificate, not with a role the CA never named.
    expect((await tryPostgres(port, 'picloud', ssl)).error).toMatch(/no pg_hba.conf entry/);
    expect((await tryPostgres(port, pgRole, { ca: tls.ca })).error).toMatch(/client certificate/);
    const { rows } = await appliance.database.pool.query(
      'SELECT name, role, status FROM cluster_nodes ORDER BY name',
    );
    expect(rows).toEqual([
      { name: 'member', role: 'member', status: 'up' },
      { name: 'primary', role: 'primary', status: 'up' },
    ]);
    // Bad input to the admission changes nothing.
    await expect(
      cluster.admitMember({
        ...admission,
        nodeId: 'nope',
        name: 'x',
        fingerprint: 'nope',
        addresses: [],
        versions: {},
      }),
    ).rejects.toThrow(/SHA-256/);
    await expect(
      cluster.admitMember({
        nodeId: memberId,
        pgRole: 'picloud; DROP TABLE apps',
        name: 'x',
        fingerprint: memberId,
        addresses: [],
        versions: {},
      }),
    ).rejects.toThrow(/Not a node role/);

    // 3. Restarted, it is the primary again on the same port, and the member still gets in.
    await appliance.stop();
    again = await startAppliance(
      {
        ...loadConfig({ PICLOUD_CONFIG: '', XDG_CONFIG_HOME: pc.dataDir }),
        port: 0,
        panelPort: 0,
        host: '127.0.0.1',
        dataDir: pc.dataDir,
        databaseUrl: null,
        clusterPort: 0,
        executorWorkers: 2,
      },
      pino({ level: 'silent' }),
    );
    expect(again.cluster.role).toBe('primary');
    expect(again.database.embedded?.port).toBe(port);
    expect(await tryPostgres(port, pgRole, ssl)).toEqual({ ok: true, who: pgRole });

    // 4. Removed: its row goes, PostgreSQL refuses its certificate.
    expect(await again.cluster.removeMember(memberId)).toBe(true);
    expect(await again.cluster.removeMember(memberId)).toBe(false);
    expect((await tryPostgres(port, pgRole, ssl)).error).toMatch(/no pg_hba.conf entry/);
  }, 120_000);
});
