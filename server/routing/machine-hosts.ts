/**
 * This machine's own names and addresses — what a browser or a device uses to reach the appliance
 * itself: `localhost` and the names below it, loopback and unspecified addresses, the host name (and
 * its `.local` mDNS name) and every address of its network interfaces. Only the app that answers for
 * `localhost` (the `default` app) may claim them: another app claiming one would take over what the
 * owner's devices reach as "the appliance". The checks are pure; {@link currentMachineHosts} reads
 * them from the operating system.
 */
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import type { HostClaim } from './host-claim.js';

/** The names and addresses of one machine, lower case, IPv6 without brackets or zone. */
export interface MachineHosts {
  names: ReadonlySet<string>;
  addresses: ReadonlySet<string>;
}

/** This machine's names and addresses now (interfaces come and go: read again when it matters). */
export function currentMachineHosts(): MachineHosts {
  const name = hostname().toLowerCase().replace(/\.$/, '');
  const names = new Set([name, `${name.split('.')[0]}.local`, `${name}.local`]);
  const addresses = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) addresses.add(info.address.toLowerCase().split('%')[0]);
  }
  return { names, addresses };
}

/** An IP literal as compared: no brackets, no zone, IPv4-mapped IPv6 as IPv4. */
function bareAddress(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const plain = bare.split('%')[0].toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(plain);
  return mapped ? mapped[1] : plain;
}

/**
 * True when `host` (a normalised host name or IP literal, as in a claim or a Host header) reaches this
 * machine: `localhost` and `*.localhost` (browsers resolve them to loopback), 127.0.0.0/8, 0.0.0.0/8,
 * `::1`, `::`, the host name, `<host name>.local`, and every interface address.
 */
export function isMachineHost(host: string, machine: MachineHosts): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  const address = bareAddress(name);
  const family = isIP(address);
  if (family === 4) {
    const first = Number(address.split('.')[0]);
    return first === 127 || first === 0 || machine.addresses.has(address);
  }
  if (family === 6) return address === '::1' || address === '::' || machine.addresses.has(address);
  return machine.names.has(name);
}

/**
 * The machine host a claim would take, or null: an exact claim of one (see {@link isMachineHost}), or a
 * wildcard whose names include one (`*.localhost`, `*.local` when the host name is `pi`, `*.home.lan`
 * when it is `pi.home.lan`).
 */
export function machineHostClaimed(
  claim: Pick<HostClaim, 'pattern' | 'kind'>,
  machine: MachineHosts,
): string | null {
  if (claim.kind === 'exact') return isMachineHost(claim.pattern, machine) ? claim.pattern : null;
  const suffix = claim.pattern.slice(1); // ".home.lan"
  if (suffix === '.localhost') return 'localhost';
  for (const name of machine.names) if (name.endsWith(suffix)) return name;
  return null;
}
