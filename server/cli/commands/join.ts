/**
 * `picloud join https://<primary>:<port> <token>`: joins this node to a cluster without a screen
 * (server/cluster/join-node.ts). Nothing is sent to the primary unless the token is unexpired and the
 * primary shows the CA the token names. The membership is written to the data folder; a running
 * PiCloud is told (SIGHUP) to start again as a member, a stopped one becomes a member at its next start.
 */
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { readRuntimeInfo } from '../../appliance/runtime-file.js';
import { JoinRefused, joinCluster } from '../../cluster/join-node.js';
import { clusterLanAddresses } from '../../cluster/lan-address.js';
import { readMembership } from '../../cluster/membership-store.js';
import { localNodeIdentity } from '../../cluster/node-identity.js';
import { nodeVersions } from '../../cluster/node-status.js';
import { loadConfig } from '../../config/load-config.js';
import { latestSchemaVersion, readMigrations } from '../../db/migrator.js';
import { MIGRATIONS_DIR } from '../../paths.js';
import { processAlive } from '../../platform/process-alive.js';
import { loadCertificateAuthority } from '../../trust/certificate-authority.js';
import { EXIT } from '../exit-codes.js';

const JOIN_USAGE = `Usage: picloud join https://<primary>:<cluster port> <token> [--name NAME]

Joins this machine to the cluster of the primary that made <token> (picloud cluster token, or the
panel's "Add a node"). The token carries the SHA-256 of the cluster's CA: the primary must show that CA
before anything is sent. A running PiCloud starts again as a member; a stopped one becomes a member at
its next start.
  --name NAME   this node's name in the cluster (default: the host name)`;

/** Runs `picloud join`. */
export async function runJoin(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { name: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(JOIN_USAGE);
    return EXIT.ok;
  }
  if (positionals.length !== 2) {
    console.error(JOIN_USAGE);
    return EXIT.usage;
  }
  const [url, token] = positionals;
  const config = loadConfig();
  if (readMembership(config.dataDir)) {
    console.error('picloud: this node is already a member of a cluster (its primary can remove it)');
    return EXIT.failure;
  }
  const runtime = readRuntimeInfo(config.dataDir);
  const running = runtime !== null && processAlive(runtime.pid);
  const ca = await loadCertificateAuthority(config.dataDir);
  const identity = await localNodeIdentity(config.dataDir, ca);
  const name = (values.name ?? hostname()).slice(0, 100);
  try {
    const membership = await joinCluster(url, token, {
      dataDir: config.dataDir,
      nodeId: identity.nodeId,
      name,
      addresses: clusterLanAddresses(),
      wirePort: running && runtime?.clusterPort ? runtime.clusterPort : config.clusterPort,
      versions: nodeVersions(latestSchemaVersion(readMigrations(MIGRATIONS_DIR))),
    });
    console.log(
      `Joined the cluster ${membership.clusterId.slice(0, 16)}… as "${name}" (node ${membership.nodeId.slice(0, 12)}).`,
    );
    if (running && runtime) {
      process.kill(runtime.pid, 'SIGHUP');
      console.log('PiCloud is starting again as a member.');
    } else {
      console.log('Start PiCloud (picloud start): it runs as a member of the cluster.');
    }
    return EXIT.ok;
  } catch (error) {
    if (error instanceof JoinRefused) {
      console.error(`picloud: join refused: ${error.message}${error.code ? ` (${error.code})` : ''}`);
      return EXIT.failure;
    }
    throw error;
  }
}
