/**
 * Which allow-list entries point scripts at the appliance itself or at what only the machine should
 * reach: loopback, the unspecified address, link-local addresses and cloud metadata services, this
 * machine's own addresses (and the IPv6 forms that embed an IPv4 address: mapped, compatible, NAT64,
 * 6to4), and this machine's names. Entries like these let a script talk to the appliance's own
 * listeners and services that trust the machine, so only an unrestricted admin may add them. Ranges
 * are compared as CIDR blocks: an entry matters when it overlaps one of them (one contains the other).
 */
import { BlockList } from 'node:net';
import { isMachineHost, type MachineHosts } from '../routing/machine-hosts.js';
import { type HostEntry, parseHostEntry } from './host-policy.js';

/** [network, prefix, family] of the ranges that reach the appliance or its link-local neighbours. */
const SENSITIVE: readonly [string, number, 'ipv4' | 'ipv6'][] = [
  ['127.0.0.0', 8, 'ipv4'], // loopback
  ['0.0.0.0', 8, 'ipv4'], // "this network": 0.0.0.0 reaches this machine
  ['169.254.0.0', 16, 'ipv4'], // link-local, cloud metadata (169.254.169.254)
  ['100.100.100.200', 32, 'ipv4'], // a cloud metadata service outside link-local
  ['::1', 128, 'ipv6'],
  ['::', 128, 'ipv6'],
  ['fe80::', 10, 'ipv6'], // link-local
  ['fd00:ec2::254', 128, 'ipv6'], // a cloud metadata service
  ['::ffff:0:0', 96, 'ipv6'], // IPv4-mapped: may embed any of the above
  ['::', 96, 'ipv6'], // IPv4-compatible (deprecated): likewise
  ['64:ff9b::', 96, 'ipv6'], // NAT64: likewise
  ['2002::', 16, 'ipv6'], // 6to4: likewise
];

function familyOf(address: string): 'ipv4' | 'ipv6' {
  return address.includes(':') ? 'ipv6' : 'ipv4';
}

/**
 * One block list per family: Node's BlockList would match an IPv4 address against an IPv6 range of
 * mapped addresses, and every IPv4 address is in `::ffff:0:0/96`.
 */
function listOf(ranges: readonly (readonly [string, number, 'ipv4' | 'ipv6'])[], family: 'ipv4' | 'ipv6') {
  const list = new BlockList();
  for (const [network, prefix, of] of ranges) if (of === family) list.addSubnet(network, prefix, of);
  return list;
}
const SENSITIVE_LISTS = { ipv4: listOf(SENSITIVE, 'ipv4'), ipv6: listOf(SENSITIVE, 'ipv6') };

/** Whether a parsed address or CIDR entry overlaps the sensitive ranges or one of the machine's addresses. */
function rangeReaches(
  entry: Extract<HostEntry, { kind: 'address' | 'cidr' }>,
  machine: MachineHosts,
): string | null {
  const network = entry.kind === 'address' ? entry.address : entry.network;
  if (SENSITIVE_LISTS[entry.family].check(network, entry.family)) return network;
  if (entry.kind === 'address') return isMachineHost(network, machine) ? network : null;
  const covered = listOf([[entry.network, entry.prefix, entry.family]], entry.family);
  for (const [base, , family] of SENSITIVE) {
    if (family === entry.family && covered.check(base, family)) return base;
  }
  for (const address of machine.addresses) {
    if (familyOf(address) === entry.family && covered.check(address, entry.family)) return address;
  }
  return null;
}

/**
 * The address or name of the appliance (or of its link-local neighbours) an allow-list entry lets
 * scripts reach, or null when it reaches none (an invalid entry reaches nothing).
 * @example applianceReachedBy('192.168.1.0/24', machine) // '192.168.1.20' when that is this machine
 */
export function applianceReachedBy(text: string, machine: MachineHosts): string | null {
  const parsed = parseHostEntry(text);
  if ('error' in parsed) return null;
  const { entry } = parsed;
  switch (entry.kind) {
    case 'address':
    case 'cidr':
      return rangeReaches(entry, machine);
    case 'name':
      return isMachineHost(entry.name, machine) ? entry.name : null;
    case 'wildcard': {
      if (entry.suffix === '.localhost') return 'localhost';
      for (const name of machine.names) if (name.endsWith(entry.suffix)) return name;
      return null;
    }
    default:
      throw new Error(`unknown entry ${(entry as HostEntry).kind}`);
  }
}
