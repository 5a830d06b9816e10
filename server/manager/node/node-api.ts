/**
 * `GET /api/v1/admin/node`: this machine, for the panel's node page and the URLs it shows endpoints at
 * (see node-stats.ts for what is sampled, and how often).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { NodeStats } from './node-stats.js';

const Bytes = Type.Integer({ minimum: 0 });
const NullableString = Type.Union([Type.String(), Type.Null()]);

const NodeInfoSchema = Type.Object({
  hostname: Type.String(),
  platform: Type.String({ description: 'linux, darwin, win32…' }),
  arch: Type.String({ description: 'x64, arm64…' }),
  distro: NullableString,
  release: NullableString,
  version: Type.String({ description: "PiCloud's product version" }),
  listen_host: Type.String({ description: 'the address the server is bound to (PICLOUD_HOST)' }),
  lan_reachable: Type.Boolean({
    description: 'false when bound to a loopback address: only this machine can reach it',
  }),
  port: Type.Integer({ description: 'the port the server listens on' }),
  urls: Type.Array(Type.String(), {
    description: 'base URLs on the LAN (IPv4 first), or http://localhost:<port>/ when there is none',
  }),
  addresses: Type.Array(
    Type.Object({
      interface: Type.String(),
      address: Type.String(),
      family: Type.Union([Type.Literal('IPv4'), Type.Literal('IPv6')]),
      internal: Type.Boolean(),
    }),
  ),
  uptime_s: Type.Integer({ description: 'seconds since the machine booted' }),
  server_uptime_s: Type.Integer({ description: 'seconds since this server started' }),
  cpu: Type.Object({
    model: Type.String(),
    cores: Type.Integer({ minimum: 1 }),
    load_percent: Type.Union([Type.Number({ minimum: 0, maximum: 100 }), Type.Null()], {
      description: 'load since the previous sample; null when it cannot be read',
    }),
    load_avg: Type.Array(Type.Number(), { minItems: 3, maxItems: 3, description: '1, 5, 15 minutes' }),
  }),
  memory: Type.Object({ total_bytes: Bytes, used_bytes: Bytes, available_bytes: Bytes }),
  temperature_c: Type.Union([Type.Number(), Type.Null()], {
    description: 'main CPU temperature; null without a readable sensor (containers, most VMs)',
  }),
  disks: Type.Array(
    Type.Object({ mount: Type.String(), fs: Type.String(), size_bytes: Bytes, used_bytes: Bytes }),
  ),
  process: Type.Object({ rss_bytes: Bytes, heap_used_bytes: Bytes }),
  sampled_at: Type.String({ format: 'date-time' }),
});

/** Registers the node route. */
export function nodeApi(stats: NodeStats): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/admin/node',
      {
        config: { access: { scope: 'logs:read' } },
        schema: {
          tags: ['node'],
          summary:
            'This machine: names, URLs, CPU load, memory, temperature, disks (sampled every 2 s at most)',
          response: { 200: NodeInfoSchema },
        },
      },
      async () => stats.sample(),
    );
  };
}
