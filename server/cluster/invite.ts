/**
 * The one-click join. On the primary's Nodes page the user picks a fresh node found over mDNS and
 * types the set-up code that node shows. Then:
 *
 * 1. the primary makes a one-time join token (two minutes) and connects to the node's cluster port,
 *    pinning the exact certificate whose SHA-256 the node announced (its node id) — a stranger
 *    answering at that address never sees the set-up code;
 * 2. it sends the code, its join URL and the token (`POST /wire/v1/invite`);
 * 3. the node checks the code (throttled like a sign-in, per caller address); a wrong code is refused
 *    and nothing changes on either side (the primary deletes the token it made);
 * 4. with the right code, the node joins with the token exactly as `picloud join` would (pinning the
 *    cluster CA the token names, sending a certificate request), records its membership, answers, and
 *    restarts as a member.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { type ErrorCode, PicloudError } from '../errors/catalogue.js';
import { createJoinToken, deleteUnusedJoinToken } from '../manager/cluster/join-token-store.js';
import type { AttemptThrottle } from '../security/login-throttle.js';
import { type JoiningNode, JoinRefused, joinCluster } from './join-node.js';
import { addressFacing } from './lan-address.js';
import type { NodeIdentity } from './node-identity.js';
import { WireError, wireCall } from './wire-client.js';

/** How long the token of a one-click join lives: the node uses it within a second or two. */
const INVITE_TOKEN_LIFETIME_MS = 2 * 60_000;

/** What a fresh node needs to accept an invite. */
export interface InviteeDeps {
  /** True while the node has no admin account and no membership. */
  isFresh(): Promise<boolean>;
  /** True when `code` is the node's current set-up code. */
  checkSetupCode(code: string): boolean;
  /** Sign-in and set-up throttle (shared, so guesses here and at set-up count together). */
  throttle: AttemptThrottle;
  /** The joining node's facts. */
  node(): JoiningNode;
  /** Called once the node is a member and its answer is on its way: restart as a member. */
  onJoined(): void;
}

/** A fresh node's answer to `POST /wire/v1/invite`. */
export async function acceptInvite(
  deps: InviteeDeps,
  body: { setup_code: string; join_url: string; token: string },
  callerAddress: string,
): Promise<{ node_id: string; name: string }> {
  if (!(await deps.isFresh())) throw new PicloudError('PICLOUD_ERR_CLUSTER_NOT_FRESH');
  const keys = [`setup:${callerAddress}`];
  const wait = deps.throttle.reserve(keys);
  if (wait > 0) {
    throw new PicloudError(
      'PICLOUD_ERR_AUTH_RATE_LIMITED',
      `Too many failed attempts: try again in ${Math.ceil(wait / 1000)} s`,
      {
        retry_after_seconds: Math.ceil(wait / 1000),
      },
    );
  }
  if (!deps.checkSetupCode(body.setup_code)) throw new PicloudError('PICLOUD_ERR_CLUSTER_SETUP_CODE');
  deps.throttle.succeed(keys);
  const node = deps.node();
  let membership: Awaited<ReturnType<typeof joinCluster>>;
  try {
    membership = await joinCluster(body.join_url, body.token, node);
  } catch (error) {
    if (error instanceof JoinRefused)
      throw new PicloudError('PICLOUD_ERR_CLUSTER_JOIN_FAILED', error.message);
    throw error;
  }
  // After this answer is written: the restart closes the cluster port gracefully (in-flight answers finish).
  setImmediate(() => deps.onJoined());
  return { node_id: membership.nodeId, name: membership.name };
}

/** A fresh node as discovery saw it. */
export interface InviteTarget {
  nodeId: string;
  addresses: string[];
  wirePort: number;
}

/** What the primary needs to invite a node. */
export interface InviterDeps {
  db: Kysely<Database>;
  clusterId: string;
  identity: () => NodeIdentity;
  wirePort: () => number;
}

/** Error codes of the node's refusal that the primary passes on as they are. */
const PASSED_ON: ReadonlySet<string> = new Set<ErrorCode>([
  'PICLOUD_ERR_CLUSTER_SETUP_CODE',
  'PICLOUD_ERR_AUTH_RATE_LIMITED',
  'PICLOUD_ERR_CLUSTER_NOT_FRESH',
  'PICLOUD_ERR_CLUSTER_JOIN_FAILED',
  'PICLOUD_ERR_WIRE_VERSION',
]);

/** The primary's side: invites `target` with the set-up code the user typed; resolves with the new member. */
export async function inviteNode(
  deps: InviterDeps,
  target: InviteTarget,
  setupCode: string,
  createdBy: string,
): Promise<{ node_id: string; name: string }> {
  const address = target.addresses[0];
  const joinHost = addressFacing(address);
  if (joinHost === null)
    throw new PicloudError(
      'PICLOUD_ERR_CLUSTER_NODE_UNREACHABLE',
      'This machine has no LAN address the node could call back',
    );
  const token = await createJoinToken(deps.db, {
    caFingerprint: deps.clusterId,
    lifetimeMs: INVITE_TOKEN_LIFETIME_MS,
    createdBy,
  });
  const host = joinHost.includes(':') ? `[${joinHost}]` : joinHost;
  try {
    return await wireCall(
      'invite',
      { setup_code: setupCode, join_url: `https://${host}:${deps.wirePort()}`, token: token.text },
      {
        host: address,
        port: target.wirePort,
        pin: { fingerprint: target.nodeId },
        identity: { key: deps.identity().keyPem, cert: deps.identity().certificatePem },
        timeoutMs: 45_000,
      },
    );
  } catch (error) {
    // A refused invite leaves nothing behind: the token it carried goes.
    await deleteUnusedJoinToken(deps.db, token.text);
    if (error instanceof WireError) {
      if (error.code !== null && PASSED_ON.has(error.code))
        throw new PicloudError(error.code as ErrorCode, error.message);
      throw new PicloudError('PICLOUD_ERR_CLUSTER_NODE_UNREACHABLE', error.message);
    }
    throw error;
  }
}
