/**
 * How a member connects to its primary's PostgreSQL: as its own role, over TLS, verifying the
 * server's certificate and name against the cluster CA (`sslmode=verify-full`) and presenting its
 * own certificate. One connection string, so every connection the appliance opens — the pool,
 * the LISTEN connections of routing and triggers, pg-boss — carries the same checks (node-postgres
 * reads the three files when it parses it).
 */
import { isIPv6 } from 'node:net';
import { type Membership, membershipPaths } from './membership-store.js';

/**
 * The member's connection string.
 * @example memberDatabaseUrl('/var/lib/picloud', membership)
 * // postgres://picloud_node_9f86d081884c@10.0.0.2:5433/picloud?sslmode=verify-full&sslrootcert=…
 */
export function memberDatabaseUrl(dataDir: string, membership: Membership): string {
  const paths = membershipPaths(dataDir);
  const host = isIPv6(membership.primary.host) ? `[${membership.primary.host}]` : membership.primary.host;
  const url = new URL(`postgres://${host}:${membership.primary.pgPort}/${membership.pgDatabase}`);
  url.username = membership.pgRole;
  url.searchParams.set('sslmode', 'verify-full');
  url.searchParams.set('sslrootcert', paths.ca);
  url.searchParams.set('sslcert', paths.cert);
  url.searchParams.set('sslkey', paths.key);
  return url.toString();
}
