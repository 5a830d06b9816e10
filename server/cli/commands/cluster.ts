/**
 * `picloud cluster`: this node's place in a cluster and, on the primary, its nodes.
 *
 * - `status` reads the data folder (membership, CA, the running appliance's node id and set-up code);
 * - `token` makes a one-time join token in the database (PiCloud running or not) and prints the
 *   `picloud join` command a new node runs;
 * - `nodes` and `remove` go through the running primary's API (they need its live view of the nodes,
 *   and removal tells the node to leave): the saved login (`picloud login`) or `--url`.
 */
import { parseArgs } from 'node:util';
import { readRuntimeInfo } from '../../appliance/runtime-file.js';
import { parseLifetime } from '../../cluster/cluster-api.js';
import { MAX_TOKEN_LIFETIME_MS } from '../../cluster/join-token.js';
import { clusterLanAddresses } from '../../cluster/lan-address.js';
import { readMembership } from '../../cluster/membership-store.js';
import { certificateSha256 } from '../../cluster/node-certificates.js';
import { loadConfig } from '../../config/load-config.js';
import { createJoinToken, pruneJoinTokens } from '../../manager/cluster/join-token-store.js';
import { processAlive } from '../../platform/process-alive.js';
import { readCertificateAuthority } from '../../trust/certificate-authority.js';
import { cliCreator, recordCliAction, withCliDatabase } from '../cli-database.js';
import { CliFailure } from '../cli-failure.js';
import { EXIT, wantsHelp } from '../exit-codes.js';
import { printTable, shortDate } from '../format.js';
import { callApi, expectStatus, resolveTarget } from '../remote-api.js';

const CLUSTER_USAGE = `Usage: picloud cluster <command>

Commands:
  status [--json]   This node's state (fresh, member or primary), its node id and cluster id, and
                    its one-time set-up code while it has no admin account
  token [--expires 1h] [--json]
                    On the primary: a one-time join token, printed as the command a new node runs:
                    picloud join https://<primary>:<cluster port> <token> (--expires: 30m, 1h, 2d; at most 7d)
  nodes [--url URL] [--json]
                    The cluster's nodes with their state (asks the primary's API; see picloud login)
  remove ID [--url URL]
                    Removes a node: it is told to leave, its certificate and database role stop
                    working, and it becomes a fresh node`;

/** Dispatches `picloud cluster <command>`. */
export async function runCluster(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || wantsHelp(argv) || command === 'help') {
    (command === undefined ? console.error : console.log)(CLUSTER_USAGE);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  switch (command) {
    case 'status':
      return runClusterStatus(rest);
    case 'token':
      return runClusterToken(rest);
    case 'nodes':
      return runClusterNodes(rest);
    case 'remove':
      return runClusterRemove(rest);
    default:
      console.error(`picloud: unknown cluster command "${command}"\n\n${CLUSTER_USAGE}`);
      return EXIT.usage;
  }
}

async function runClusterStatus(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' } } });
  const { dataDir } = loadConfig();
  const membership = readMembership(dataDir);
  const ca = await readCertificateAuthority(dataDir);
  const runtime = readRuntimeInfo(dataDir);
  const running = runtime !== null && processAlive(runtime.pid);
  const setupCode = running ? (runtime?.setupCode ?? null) : null;
  const state = membership ? 'member' : setupCode ? 'fresh' : running ? 'primary' : 'unknown';
  const status = {
    state,
    running,
    node_id: running ? (runtime?.nodeId ?? null) : (membership?.nodeId ?? null),
    cluster_id:
      membership?.clusterId ?? (ca && state !== 'fresh' ? certificateSha256(ca.certificatePem) : null),
    primary: membership ? membership.primary.host : null,
    cluster_port: running ? (runtime?.clusterPort ?? null) : null,
    setup_code: setupCode,
  };
  if (values.json) {
    console.log(JSON.stringify(status));
    return EXIT.ok;
  }
  console.log(`state:       ${state}${running ? '' : ' (PiCloud is not running)'}`);
  if (status.node_id) console.log(`node id:     ${status.node_id}`);
  if (status.cluster_id) console.log(`cluster id:  ${status.cluster_id}`);
  if (status.primary) console.log(`primary:     ${status.primary}`);
  if (status.cluster_port) console.log(`cluster port: ${status.cluster_port}`);
  if (setupCode)
    console.log(`set-up code: ${setupCode}  (type it on the primary's Nodes page to join this node)`);
  return EXIT.ok;
}

async function runClusterToken(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { expires: { type: 'string' }, json: { type: 'boolean' } },
  });
  const lifetimeMs = parseLifetime(values.expires ?? '1h');
  if (lifetimeMs === null || lifetimeMs <= 0 || lifetimeMs > MAX_TOKEN_LIFETIME_MS) {
    console.error(
      `picloud: --expires "${values.expires}" must be a duration such as 30m, 1h or 2d (at most 7d)`,
    );
    return EXIT.usage;
  }
  const config = loadConfig();
  if (readMembership(config.dataDir)) {
    throw new CliFailure('This node is a member of a cluster: make join tokens on its primary');
  }
  const ca = await readCertificateAuthority(config.dataDir);
  if (!ca) throw new CliFailure('This data folder has no CA yet: start PiCloud once (picloud start)');
  const clusterId = certificateSha256(ca.certificatePem);
  const runtime = readRuntimeInfo(config.dataDir);
  const port =
    runtime && processAlive(runtime.pid) && runtime.clusterPort ? runtime.clusterPort : config.clusterPort;
  const host = clusterLanAddresses()[0];
  if (!host) throw new CliFailure('This machine has no LAN address another node could reach');
  return withCliDatabase(async (db) => {
    await pruneJoinTokens(db);
    const token = await createJoinToken(db, {
      caFingerprint: clusterId,
      lifetimeMs,
      createdBy: cliCreator(),
    });
    await recordCliAction(db, config, {
      action: 'cli.cluster.token',
      target: { expires_at: token.expiresAt.toISOString() },
      appId: null,
    });
    const command = `picloud join https://${host.includes(':') ? `[${host}]` : host}:${port} ${token.text}`;
    if (values.json) {
      console.log(JSON.stringify({ token: token.text, command, expires_at: token.expiresAt.toISOString() }));
    } else {
      console.log(`On the new node, run (once, before ${token.expiresAt.toISOString()}):\n\n  ${command}\n`);
    }
    return EXIT.ok;
  });
}

async function runClusterNodes(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { url: { type: 'string' }, json: { type: 'boolean' } },
  });
  const response = await callApi(resolveTarget(values), 'GET', '/admin/cluster/nodes');
  expectStatus(response, 200);
  const items = response.body.items as {
    id: string;
    name: string;
    role: string;
    status: string;
    addresses: string[];
    last_seen: string | null;
  }[];
  if (values.json) {
    console.log(JSON.stringify(items));
    return EXIT.ok;
  }
  printTable([
    ['ID', 'NAME', 'ROLE', 'STATUS', 'ADDRESSES', 'LAST SEEN'],
    ...items.map((node) => [
      node.id.slice(0, 12),
      node.name,
      node.role,
      node.status,
      node.addresses.join(' '),
      node.last_seen ? shortDate(node.last_seen) : '-',
    ]),
  ]);
  return EXIT.ok;
}

async function runClusterRemove(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { url: { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) {
    console.error('Usage: picloud cluster remove ID [--url URL]');
    return EXIT.usage;
  }
  const target = resolveTarget(values);
  let id = positionals[0].toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(id)) {
    // A prefix as `picloud cluster nodes` shows it.
    const list = await callApi(target, 'GET', '/admin/cluster/nodes');
    expectStatus(list, 200);
    const matches = (list.body.items as { id: string }[]).filter((node) => node.id.startsWith(id));
    if (matches.length !== 1)
      throw new CliFailure(`"${positionals[0]}" names ${matches.length === 0 ? 'no node' : 'several nodes'}`);
    id = matches[0].id;
  }
  const response = await callApi(target, 'DELETE', `/admin/cluster/nodes/${id}`);
  expectStatus(response, 204);
  console.log(`Removed node ${id.slice(0, 12)}: it is a fresh node again.`);
  return EXIT.ok;
}
