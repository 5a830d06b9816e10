/**
 * The URLs other devices use to reach this machine: one per non-internal IPv4 address (IPv6 link-local
 * addresses need a zone id browsers do not accept, so they are left out).
 */
import { networkInterfaces } from 'node:os';

/** URLs for `port` on this machine's LAN addresses, or none when bound to loopback only. */
export function lanUrls(host: string, port: number, scheme: 'http' | 'https' = 'http'): string[] {
  if (host === '127.0.0.1' || host === 'localhost' || host === '::1') return [];
  const urls: string[] = [];
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.internal) continue;
      if (host !== '0.0.0.0' && host !== '::' && address.address !== host) continue;
      if (address.family === 'IPv4') urls.push(`${scheme}://${address.address}:${port}/`);
      else if (!address.address.startsWith('fe80')) urls.push(`${scheme}://[${address.address}]:${port}/`);
    }
  }
  return urls;
}
