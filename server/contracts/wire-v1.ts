/**
 * Wire v1: what PiCloud nodes say to each other on the cluster port (`/wire/v1/...`, HTTPS with
 * mutual TLS). Declared once, as a typed map of routes: the server registers exactly these routes with
 * these schemas (server/cluster/wire-server.ts) and the client derives its request and answer types
 * from the same entries (server/cluster/wire-client.ts), so the two cannot drift.
 *
 * Who may call a route is part of its declaration:
 * - `cluster`: only a holder of a certificate the cluster CA signed, of a node still in the cluster;
 * - `join-token`: anyone, with a one-time join token (the joining node has no certificate yet);
 * - `setup-code`: anyone, with the fresh node's one-time set-up code (throttled like a sign-in).
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';

/** The wire protocol's major version; a node speaking another major is refused. */
export const WIRE_MAJOR = 1;

/** The header every wire request and answer carries: the sender's wire major. */
export const WIRE_VERSION_HEADER = 'picloud-wire';

/** The mDNS service type every node advertises (`_picloud._tcp`). */
export const WIRE_SERVICE_TYPE = 'picloud';

/** Who may call a wire route (see the file's comment). */
export type WireAccess = 'cluster' | 'join-token' | 'setup-code';

/** One route of the wire protocol. */
export interface WireRoute {
  method: 'GET' | 'POST';
  path: string;
  access: WireAccess;
  /** The request body's schema; null for a GET. */
  body: TSchema | null;
  /** The successful answer's schema (status 200). */
  answer: TSchema;
}

const Hex64 = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256, lowercase hex' });
const Pem = (description: string) => Type.String({ minLength: 1, maxLength: 16_384, description });
const Name = Type.String({ minLength: 1, maxLength: 100 });
const Address = Type.String({ minLength: 1, maxLength: 64, description: 'an IPv4 or IPv6 address' });

/** The state a node advertises: not in a cluster, a member of one, or the primary of one. */
export const NodeStateSchema = Type.Union([
  Type.Literal('fresh'),
  Type.Literal('member'),
  Type.Literal('primary'),
]);
/** A node's state. */
export type NodeState = Static<typeof NodeStateSchema>;

/** The versions a node speaks. */
export const NodeVersionsSchema = Type.Object({
  product: Type.String({ maxLength: 40 }),
  wire: Type.Integer({ minimum: 0 }),
  schema: Type.Integer({ minimum: 0 }),
  sdk: Type.String({ maxLength: 20 }),
});

/** What a node reports about itself and its machine (the Nodes page's figures). */
export const NodeStatusSchema = Type.Object({
  node_id: Hex64,
  name: Name,
  state: NodeStateSchema,
  cluster_id: Type.Union([Hex64, Type.Null()]),
  addresses: Type.Array(Address, { maxItems: 32 }),
  versions: NodeVersionsSchema,
  cpu_percent: Type.Union([Type.Number({ minimum: 0, maximum: 100 }), Type.Null()]),
  memory: Type.Object({
    total_bytes: Type.Integer({ minimum: 0 }),
    used_bytes: Type.Integer({ minimum: 0 }),
  }),
  temperature_c: Type.Union([Type.Number(), Type.Null()]),
  requests_served: Type.Integer({ minimum: 0, description: 'script runs answered since this node started' }),
  uptime_s: Type.Integer({ minimum: 0 }),
});
/** A node's status. */
export type NodeStatus = Static<typeof NodeStatusSchema>;

/** The primary sends a fresh node the means to join it (one click on the primary's Nodes page). */
const InviteBody = Type.Object(
  {
    setup_code: Type.String({ minLength: 1, maxLength: 64 }),
    join_url: Type.String({ minLength: 1, maxLength: 300, description: 'https://<primary>:<cluster port>' }),
    token: Type.String({ minLength: 1, maxLength: 300 }),
  },
  { additionalProperties: false },
);

/** The fresh node answers once it has joined. */
const InviteAnswer = Type.Object({ node_id: Hex64, name: Name });

/** A node asks the primary to join, with a one-time token and a certificate request. */
const JoinBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 300 }),
    csr: Pem('PKCS#10 certificate request of the joining node, PEM'),
    node_id: Hex64,
    name: Name,
    addresses: Type.Array(Address, { maxItems: 32 }),
    wire_port: Type.Integer({ minimum: 1, maximum: 65_535 }),
    versions: NodeVersionsSchema,
  },
  { additionalProperties: false },
);

/** Everything a joined node needs: its certificate, the cluster CA, where the primary's database is. */
const JoinAnswerSchema = Type.Object({
  cluster_id: Hex64,
  certificate: Pem("the node's certificate, signed by the cluster CA"),
  ca: Pem("the cluster CA's certificate"),
  primary: Type.Object({
    node_id: Hex64,
    name: Name,
    address: Address,
    wire_port: Type.Integer({ minimum: 1, maximum: 65_535 }),
    panel_port: Type.Integer({ minimum: 1, maximum: 65_535 }),
  }),
  secrets_key: Type.String({
    pattern: '^[0-9a-f]{64}$',
    description: "the primary's secrets key (the apps' secrets are encrypted with it), hex",
  }),
  database: Type.Object({
    host: Address,
    port: Type.Integer({ minimum: 1, maximum: 65_535 }),
    name: Type.String({ maxLength: 63 }),
    role: Type.String({ maxLength: 63 }),
  }),
});

/** A liveness answer. */
const HealthAnswer = Type.Object({ ok: Type.Literal(true), node_id: Hex64, state: NodeStateSchema });

/** The primary removed the node: it forgets its membership and becomes fresh. */
const LeaveBody = Type.Object({ node_id: Hex64 }, { additionalProperties: false });
const LeaveAnswer = Type.Object({ left: Type.Literal(true) });

/** Every wire v1 route. */
export const WIRE_V1 = {
  invite: {
    method: 'POST',
    path: '/wire/v1/invite',
    access: 'setup-code',
    body: InviteBody,
    answer: InviteAnswer,
  },
  join: {
    method: 'POST',
    path: '/wire/v1/join',
    access: 'join-token',
    body: JoinBody,
    answer: JoinAnswerSchema,
  },
  status: { method: 'GET', path: '/wire/v1/status', access: 'cluster', body: null, answer: NodeStatusSchema },
  health: { method: 'GET', path: '/wire/v1/health', access: 'cluster', body: null, answer: HealthAnswer },
  leave: { method: 'POST', path: '/wire/v1/leave', access: 'cluster', body: LeaveBody, answer: LeaveAnswer },
} as const satisfies Record<string, WireRoute>;

/** The name of a wire route. */
export type WireRouteName = keyof typeof WIRE_V1;

/** The body and answer type of each route, from the same schemas as {@link WIRE_V1}. */
interface WireTypes {
  invite: { body: Static<typeof InviteBody>; answer: Static<typeof InviteAnswer> };
  join: { body: Static<typeof JoinBody>; answer: Static<typeof JoinAnswerSchema> };
  status: { body: undefined; answer: NodeStatus };
  health: { body: undefined; answer: Static<typeof HealthAnswer> };
  leave: { body: Static<typeof LeaveBody>; answer: Static<typeof LeaveAnswer> };
}

/** The body a route takes (undefined for a GET). */
export type WireBody<N extends WireRouteName> = WireTypes[N]['body'];

/** The answer a route gives. */
export type WireAnswer<N extends WireRouteName> = WireTypes[N]['answer'];

/** A join answer (what the node keeps). */
export type JoinAnswer = WireAnswer<'join'>;
