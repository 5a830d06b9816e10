/**
 * This node's addresses as other nodes see them: the addresses a node certificate names, discovery
 * announces and the primary gives a joining node to call back on.
 */
import { networkInterfaces } from 'node:os';
import ipaddr from 'ipaddr.js';

/** Every non-internal IPv4 address, then every IPv6 address that is not link-local. */
export function clusterLanAddresses(): string[] {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.internal) continue;
      if (address.family === 'IPv4') v4.push(address.address);
      else if (!address.address.toLowerCase().startsWith('fe80')) v6.push(address.address);
    }
  }
  return [...v4, ...v6];
}

/**
 * The address of this machine on the same subnet as `peer` (the one `peer` can call back), or the
 * first LAN address when none shares its subnet; null without any.
 */
export function addressFacing(peer: string): string | null {
  let target: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    target = ipaddr.process(peer);
  } catch {
    return clusterLanAddresses()[0] ?? null;
  }
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.internal || !address.cidr) continue;
      const [network, bits] = ipaddr.parseCIDR(address.cidr);
      if (network.kind() === target.kind() && target.match(network, bits)) return address.address;
    }
  }
  return clusterLanAddresses()[0] ?? null;
}
