/**
 * `/api/v1/admin/cluster/*` (scope `cluster:admin`), served by the primary's panel listener:
 * the nodes of the cluster with each one's live figures, the PiCloud nodes found on the LAN that are
 * not in it, the one-click join, join tokens for `picloud join`, and removal.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { type NodeStatus, NodeStatusSchema } from '../contracts/wire-v1.js';
import type { Database } from '../db/schema.js';
import { PicloudError } from '../errors/catalogue.js';
import { createJoinToken, pruneJoinTokens } from '../manager/cluster/join-token-store.js';
import { ErrorSchema } from '../manager/schemas.js';
import type { ClusterMembers, ClusterNodeRecord } from './cluster-members.js';
import type { ClusterDiscovery } from './discovery.js';
import { inviteNode } from './invite.js';
import { MAX_TOKEN_LIFETIME_MS } from './join-token.js';
import { addressFacing, clusterLanAddresses } from './lan-address.js';
import type { NodeIdentity } from './node-identity.js';
import { WireError, wireCall } from './wire-client.js';

/** How long the Nodes page waits for a node's figures before showing it without them. */
const STATUS_TIMEOUT_MS = 1_500;

/** What the cluster API needs. */
export interface ClusterApiDeps {
  db: Kysely<Database>;
  clusterId: string;
  identity: () => NodeIdentity;
  /** The membership runtime, once this node is the primary (throws otherwise). */
  members: () => Promise<ClusterMembers>;
  /** Discovery, once the node announces itself (null with mDNS off). */
  discovery: () => ClusterDiscovery | null;
  wirePort: () => number;
  /** This node's own status. */
  self: () => Promise<NodeStatus>;
}

const NodeId = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the node certificate' });
const Nullable = <T extends ReturnType<typeof Type.Number>>(schema: T) => Type.Union([schema, Type.Null()]);

const ClusterNodeSchema = Type.Object({
  id: NodeId,
  name: Type.String(),
  role: Type.Union([Type.Literal('primary'), Type.Literal('member')]),
  status: Type.Union([Type.Literal('up'), Type.Literal('down')], {
    description: 'down: missed its reports for about 15 s, or did not answer now',
  }),
  addresses: Type.Array(Type.String()),
  wire_port: Type.Integer(),
  versions: Type.Record(Type.String(), Type.Unknown()),
  last_seen: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  cpu_percent: Nullable(Type.Number()),
  memory: Type.Union([NodeStatusSchema.properties.memory, Type.Null()]),
  temperature_c: Nullable(Type.Number()),
  requests_served: Nullable(Type.Number()),
});

const DiscoveredSchema = Type.Object({
  id: NodeId,
  name: Type.String(),
  addresses: Type.Array(Type.String()),
  port: Type.Integer(),
  cluster_id: Type.Union([Type.String(), Type.Null()]),
  role: Type.String(),
  state: Type.String({ description: 'fresh nodes can join; others belong to another cluster' }),
  product: Type.String(),
  wire: Type.Union([Type.Integer(), Type.Null()]),
  joinable: Type.Boolean(),
});

const tags = ['cluster'];
const access = { scope: 'cluster:admin' as const };

/** `1h`, `30m`, `2d`, `90s` → milliseconds; null when not such a duration. */
export function parseLifetime(text: string): number | null {
  const match = /^(\d{1,6})([smhd])$/.exec(text.trim());
  if (!match) return null;
  return (
    Number(match[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd']
  );
}

/** Registers the cluster routes. */
export function clusterApi(deps: ClusterApiDeps): FastifyPluginAsyncTypebox {
  /** A member's figures over the wire; null when it does not answer in time. */
  async function liveStatus(node: ClusterNodeRecord): Promise<NodeStatus | null> {
    const identity = deps.identity();
    for (const address of node.addresses) {
      try {
        return await wireCall('status', undefined, {
          host: address,
          port: node.wirePort,
          pin: { ca: identity.caPem },
          identity: { key: identity.keyPem, cert: identity.certificatePem },
          timeoutMs: STATUS_TIMEOUT_MS,
        });
      } catch (error) {
        if (!(error instanceof WireError)) throw error;
      }
    }
    return null;
  }

  return async (app) => {
    app.get(
      '/admin/cluster/nodes',
      {
        config: { access },
        schema: {
          tags,
          summary: "The cluster's nodes, the primary first, each with its live figures",
          response: { 200: Type.Object({ items: Type.Array(ClusterNodeSchema) }), 409: ErrorSchema },
        },
      },
      async () => {
        const members = await deps.members();
        const selfId = deps.identity().nodeId;
        const listed = await members.list();
        // A primary that admitted no node yet has no row of its own: it is the cluster of one.
        const records = listed.some((record) => record.id === selfId)
          ? listed
          : [await selfRecord(deps), ...listed];
        const items = await Promise.all(
          records.map(async (record) => {
            const live =
              record.id === selfId ? await deps.self() : record.up ? await liveStatus(record) : null;
            return {
              id: record.id,
              name: record.name,
              role: record.role,
              status:
                record.id === selfId || (record.up && live !== null) ? ('up' as const) : ('down' as const),
              addresses: record.addresses,
              wire_port: record.wirePort,
              versions: live?.versions ?? record.versions,
              last_seen: record.lastSeen?.toISOString() ?? null,
              cpu_percent: live?.cpu_percent ?? null,
              memory: live?.memory ?? null,
              temperature_c: live?.temperature_c ?? null,
              requests_served: live?.requests_served ?? null,
            };
          }),
        );
        return { items };
      },
    );

    app.get(
      '/admin/cluster/discovered',
      {
        config: { access },
        schema: {
          tags,
          summary: 'PiCloud nodes found on the LAN over mDNS that are not in this cluster',
          response: { 200: Type.Object({ items: Type.Array(DiscoveredSchema) }) },
        },
      },
      async () => ({
        items: (deps.discovery()?.nodes() ?? [])
          .filter((node) => node.clusterId !== deps.clusterId)
          .map((node) => ({
            id: node.nodeId,
            name: node.name,
            addresses: node.addresses,
            port: node.port,
            cluster_id: node.clusterId,
            role: node.role,
            state: node.state,
            product: node.product,
            wire: node.wire,
            joinable: node.state === 'fresh',
          })),
      }),
    );

    app.post(
      '/admin/cluster/join',
      {
        config: { access },
        schema: {
          tags,
          summary: 'Joins a fresh node found on the LAN, with the one-time set-up code it shows',
          body: Type.Object(
            { node_id: NodeId, setup_code: Type.String({ minLength: 1, maxLength: 64 }) },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({ node_id: NodeId, name: Type.String() }),
            403: ErrorSchema,
            404: ErrorSchema,
            409: ErrorSchema,
            429: ErrorSchema,
            502: ErrorSchema,
          },
        },
      },
      async (request) => {
        await deps.members();
        const found = deps
          .discovery()
          ?.nodes()
          .find((node) => node.nodeId === request.body.node_id);
        if (!found) {
          throw new PicloudError(
            'PICLOUD_ERR_CLUSTER_NODE_NOT_FOUND',
            'No node with this id was found on the LAN',
          );
        }
        if (found.state !== 'fresh') throw new PicloudError('PICLOUD_ERR_CLUSTER_NOT_FRESH');
        const who =
          request.principal?.kind === 'admin' ? request.principal.username : request.principal?.name;
        return inviteNode(
          { db: deps.db, clusterId: deps.clusterId, identity: deps.identity, wirePort: deps.wirePort },
          { nodeId: found.nodeId, addresses: found.addresses, wirePort: found.port },
          request.body.setup_code,
          `one-click join by ${who ?? 'unknown'}`,
        );
      },
    );

    app.post(
      '/admin/cluster/tokens',
      {
        config: { access },
        schema: {
          tags,
          summary: 'Makes a one-time join token and the `picloud join` command that uses it',
          body: Type.Object(
            {
              expires_in: Type.Optional(
                Type.String({
                  pattern: '^\\d{1,6}[smhd]$',
                  description: 'lifetime such as 30m, 1h (default), 2d; at most 7d',
                }),
              ),
            },
            { additionalProperties: false },
          ),
          response: {
            201: Type.Object({
              token: Type.String({ description: 'shown once' }),
              command: Type.String({ description: 'picloud join https://<primary>:<cluster port> <token>' }),
              expires_at: Type.String({ format: 'date-time' }),
            }),
            400: ErrorSchema,
            409: ErrorSchema,
          },
        },
      },
      async (request, reply) => {
        await deps.members();
        const lifetimeMs = parseLifetime(request.body?.expires_in ?? '1h');
        if (lifetimeMs === null || lifetimeMs <= 0 || lifetimeMs > MAX_TOKEN_LIFETIME_MS) {
          throw new PicloudError('PICLOUD_ERR_HTTP_VALIDATION', 'expires_in must be between 1s and 7d');
        }
        const who =
          request.principal?.kind === 'admin' ? request.principal.username : request.principal?.name;
        await pruneJoinTokens(deps.db);
        const token = await createJoinToken(deps.db, {
          caFingerprint: deps.clusterId,
          lifetimeMs,
          createdBy: who ?? 'unknown',
        });
        const host = joinCommandHost(request.ip);
        return reply.code(201).send({
          token: token.text,
          command: `picloud join https://${host}:${deps.wirePort()} ${token.text}`,
          expires_at: token.expiresAt.toISOString(),
        });
      },
    );

    app.delete(
      '/admin/cluster/nodes/:id',
      {
        config: { access },
        schema: {
          tags,
          summary:
            'Removes a member: it is told to leave, its certificate and database role stop working, and it is fresh again',
          params: Type.Object({ id: NodeId }),
          response: { 204: Type.Null(), 404: ErrorSchema, 409: ErrorSchema },
        },
      },
      async (request, reply) => {
        const members = await deps.members();
        const id = request.params.id;
        if (id === deps.identity().nodeId) {
          throw new PicloudError('PICLOUD_ERR_CLUSTER_NOT_PRIMARY', 'The primary cannot remove itself');
        }
        const record = (await members.list()).find((node) => node.id === id);
        if (!record) throw new PicloudError('PICLOUD_ERR_CLUSTER_NODE_NOT_FOUND');
        // Told first, while its certificate still counts; a node that is down learns it when it is
        // refused on its return.
        const identity = deps.identity();
        for (const address of record.addresses) {
          const told = await wireCall(
            'leave',
            { node_id: id },
            {
              host: address,
              port: record.wirePort,
              pin: { ca: identity.caPem },
              identity: { key: identity.keyPem, cert: identity.certificatePem },
              timeoutMs: STATUS_TIMEOUT_MS,
            },
          ).catch(() => null);
          if (told) break;
        }
        await members.remove(id);
        return reply.code(204).send(null);
      },
    );
  };
}

/** This node as a record of the list, from its own status. */
async function selfRecord(deps: ClusterApiDeps): Promise<ClusterNodeRecord> {
  const self = await deps.self();
  return {
    id: self.node_id,
    name: self.name,
    role: 'primary',
    addresses: self.addresses,
    wirePort: deps.wirePort(),
    versions: self.versions,
    lastSeen: new Date(),
    up: true,
  };
}

/**
 * The primary's address a joining node should call: the one facing the client that asked for the
 * token when it is on the LAN, else the first LAN address.
 */
function joinCommandHost(clientIp: string): string {
  const facing = addressFacing(clientIp) ?? clusterLanAddresses()[0] ?? '127.0.0.1';
  return facing.includes(':') ? `[${facing}]` : facing;
}
