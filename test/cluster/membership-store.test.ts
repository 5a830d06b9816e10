/**
 * What a member keeps of its cluster: written files first and `membership.json` last, read back
 * checked, cleared to a fresh node with its own secrets key back; and its PostgreSQL connection
 * string, which verifies the primary against the cluster CA.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readClusterState } from '../../server/cluster/cluster-state.js';
import { memberDatabaseUrl } from '../../server/cluster/member-database-url.js';
import {
  clearMembership,
  type Membership,
  MembershipError,
  membershipPaths,
  nodeRoleName,
  readMembership,
  writeMembership,
} from '../../server/cluster/membership-store.js';
import { SECRET_KEY_FILE } from '../../server/manager/secrets/secret-key.js';

const NODE_ID = 'ab'.repeat(32);
const membership: Membership = {
  clusterId: 'cd'.repeat(32),
  nodeId: NODE_ID,
  name: 'pi-kitchen',
  primary: { host: 'fd00::2', wirePort: 8443, pgPort: 5433, panelPort: 8081 },
  pgRole: nodeRoleName(NODE_ID),
  pgDatabase: 'picloud',
  joinedAt: '2026-12-07T22:00:00.000Z',
};
const files = { ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM', secretKey: Buffer.alloc(32, 7) };

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'picloud-membership-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe('membership', () => {
  it('is absent on a fresh node, written and read back, then cleared with the own secrets key back', () => {
    writeFileSync(join(dataDir, SECRET_KEY_FILE), 'own key', { mode: 0o600 });
    expect(readMembership(dataDir)).toBeNull();
    expect(readClusterState(dataDir)).toEqual({ role: 'fresh' });

    writeMembership(dataDir, membership, files);
    expect(readMembership(dataDir)).toEqual(membership);
    expect(readClusterState(dataDir)).toEqual({ role: 'member', membership });
    const paths = membershipPaths(dataDir);
    for (const file of [paths.ca, paths.cert, paths.key, paths.membership]) {
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(join(dataDir, SECRET_KEY_FILE))).toEqual(files.secretKey);

    clearMembership(dataDir);
    expect(readMembership(dataDir)).toBeNull();
    expect(existsSync(paths.key)).toBe(false);
    expect(readFileSync(join(dataDir, SECRET_KEY_FILE), 'utf8')).toBe('own key');
  });

  it.each<[string, (m: any) => void, RegExp]>([
    ['a role that is not a node role', (m) => (m.pgRole = 'picloud'), /"pgRole" is not a node role/],
    ['a database name with SQL in it', (m) => (m.pgDatabase = 'x; DROP TABLE apps'), /"pgDatabase"/],
    ['no port', (m) => delete m.primary.pgPort, /no valid ports/],
    ['a panel port out of range', (m) => (m.primary.panelPort = 70000), /panelPort/],
  ])('refuses %s', (_what, damage, problem) => {
    const bad = structuredClone(membership);
    damage(bad);
    expect(() => writeMembership(dataDir, bad, files)).toThrow(problem);
    writeMembership(dataDir, membership, files);
    writeFileSync(membershipPaths(dataDir).membership, JSON.stringify(bad));
    expect(() => readMembership(dataDir)).toThrow(MembershipError);
  });

  it('refuses a membership whose certificate is missing, or that is not JSON', () => {
    writeMembership(dataDir, membership, files);
    rmSync(membershipPaths(dataDir).key);
    expect(() => readMembership(dataDir)).toThrow(/node.key is missing/);
    writeFileSync(membershipPaths(dataDir).membership, '{');
    expect(() => readMembership(dataDir)).toThrow(/not readable JSON/);
  });

  it('derives the role from the node id only', () => {
    expect(nodeRoleName(NODE_ID)).toBe('picloud_node_abababababab');
    expect(() => nodeRoleName("x'; DROP ROLE picloud; --")).toThrow(MembershipError);
  });
});

describe("the member's connection string", () => {
  it('verifies the primary (verify-full) against the cluster CA and presents the node certificate', () => {
    writeMembership(dataDir, membership, files);
    const url = new URL(memberDatabaseUrl(dataDir, membership));
    const paths = membershipPaths(dataDir);
    expect(url.hostname).toBe('[fd00::2]');
    expect(url.port).toBe('5433');
    expect(url.username).toBe(membership.pgRole);
    expect(url.password).toBe('');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      sslmode: 'verify-full',
      sslrootcert: paths.ca,
      sslcert: paths.cert,
      sslkey: paths.key,
    });
  });
});
