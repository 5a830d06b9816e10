/**
 * The names the node's TLS certificate carries: the machine's own (`<host>.local`, the host name,
 * `localhost`, every address of every interface, loopback included) and every host an app claims
 * (exact and wildcard; an IPv4 claim is an address). The CA's constraints then decide which of them
 * can be in the certificate (certificate-authority.ts).
 */
import { isIP } from 'node:net';
import { networkInterfaces, hostname as osHostname } from 'node:os';
import type { CertificateNames } from './certificate-authority.js';

/** The machine's own names and addresses. */
export function machineNames(
  hostName: string = osHostname(),
  interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces(),
): CertificateNames {
  const host = hostName.trim().toLowerCase().replace(/\.$/, '');
  const firstLabel = host.split('.')[0];
  const dns = ['localhost'];
  if (firstLabel) dns.unshift(`${firstLabel}.local`, host);
  const ip = ['127.0.0.1', '::1'];
  for (const addresses of Object.values(interfaces)) {
    for (const address of addresses ?? []) {
      // A link-local IPv6 address is written with its zone (fe80::1%eth0) only where it is used.
      ip.push(address.address.split('%')[0]);
    }
  }
  return { dns: [...new Set(dns)], ip: [...new Set(ip)] };
}

/** The names of apps' host claims (`api.home.lan`, `*.home.lan`, `192.168.1.30`). */
export function claimNames(patterns: Iterable<string>): CertificateNames {
  const names: CertificateNames = { dns: [], ip: [] };
  for (const pattern of patterns) (isIP(pattern) ? names.ip : names.dns).push(pattern);
  return names;
}

/** Both lists of `parts` merged, without repeats. */
export function mergeNames(...parts: CertificateNames[]): CertificateNames {
  return {
    dns: [...new Set(parts.flatMap((p) => p.dns))],
    ip: [...new Set(parts.flatMap((p) => p.ip))],
  };
}
