/**
 * Which hosts an outbound request may reach: an allow-list of entries — exact names
 * (`api.example.com`), wildcards (`*.example.com`: any name below it, not the name itself), IP
 * addresses (`192.168.1.20`, `::1`) and CIDRs (`192.168.1.0/24`, `fd00::/8`) — and the addresses that
 * are never reached unless an address or CIDR entry names them: every address that is not globally
 * routable (loopback, private LAN ranges, carrier-grade NAT, unique-local, link-local — where clouds put
 * their metadata services —, multicast, reserved; IPv6 forms that carry an IPv4 address are judged by
 * that address, see address-class.ts) and this machine's own interface addresses.
 *
 * Two gates, both must pass:
 * 1. the host as written in the URL: with an empty list any host passes; otherwise a name must match
 *    a name or wildcard entry, an IP literal an address or CIDR entry (names match names, addresses
 *    match addresses: a name is never resolved just to be compared with a CIDR, so a refused name
 *    costs no DNS query);
 * 2. the address the name resolves to (checked before connecting to exactly that address, which
 *    defeats DNS rebinding): a protected address passes only when an address or CIDR entry covers it.
 *
 * Knows nothing about PiCloud: a list of strings in, decisions out.
 */
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { classifyAddress } from './address-class.js';

/** The most entries a list may have. */
export const MAX_ALLOW_HOSTS = 100;

/** One parsed entry. */
export type HostEntry =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'wildcard'; readonly suffix: string }
  | { readonly kind: 'address'; readonly address: string; readonly family: 'ipv4' | 'ipv6' }
  | {
      readonly kind: 'cidr';
      readonly network: string;
      readonly prefix: number;
      readonly family: 'ipv4' | 'ipv6';
    };

const LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
const NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

/** A host name or IP as compared: lower case, no trailing dot, IPv6 without brackets. */
export function canonicalHost(host: string): string {
  let text = host.trim().toLowerCase();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  if (text.endsWith('.') && isIP(text) === 0) text = text.slice(0, -1);
  return text;
}

function family(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

/**
 * Parses one entry; returns its canonical text with it, or an error message.
 * @example parseHostEntry('*.Example.com.') // { entry: {kind: 'wildcard', suffix: '.example.com'}, text: '*.example.com' }
 */
export function parseHostEntry(input: string): { entry: HostEntry; text: string } | { error: string } {
  const raw = input.trim();
  const slash = raw.indexOf('/');
  if (slash >= 0) {
    const network = canonicalHost(raw.slice(0, slash));
    const bits = raw.slice(slash + 1);
    const kind = isIP(network);
    const max = kind === 6 ? 128 : 32;
    if (kind === 0 || !/^\d{1,3}$/.test(bits) || Number(bits) > max) {
      return { error: `"${input}" is not a CIDR: expected address/bits, e.g. 192.168.1.0/24 or fd00::/8` };
    }
    const prefix = Number(bits);
    return {
      entry: { kind: 'cidr', network, prefix, family: family(network) },
      text: `${network}/${prefix}`,
    };
  }
  const host = canonicalHost(raw);
  if (isIP(host) !== 0) {
    return { entry: { kind: 'address', address: host, family: family(host) }, text: host };
  }
  const wildcard = host.startsWith('*.');
  const name = wildcard ? host.slice(2) : host;
  if (name.length === 0 || name.length > 253 || !NAME.test(name)) {
    return {
      error: `"${input}" is not a host: expected a name (api.example.com), *.suffix, an IP address or a CIDR (no scheme, port or path)`,
    };
  }
  return wildcard
    ? { entry: { kind: 'wildcard', suffix: `.${name}` }, text: `*.${name}` }
    : { entry: { kind: 'name', name }, text: name };
}

/** Whether `address` (an IP) is one of this machine's own interface addresses. */
function isOwnAddress(address: string): boolean {
  const plain = address.toLowerCase();
  for (const addresses of Object.values(networkInterfaces())) {
    for (const info of addresses ?? []) {
      if (info.address.toLowerCase().split('%')[0] === plain) return true;
    }
  }
  return false;
}

/** What the ranges that keep an address from being reached by default are, as predicates. */
const RANGE_WORDS: Record<string, string> = {
  loopback: 'is a loopback address (this appliance)',
  unspecified: 'is the unspecified address (this appliance)',
  private: 'is in a private LAN range',
  uniqueLocal: 'is in a unique-local (private) range',
  carrierGradeNat: 'is in the carrier-grade NAT range',
  linkLocal: 'is link-local',
  multicast: 'is multicast',
  broadcast: 'is the broadcast address',
};

/**
 * Why an address is refused unless an address or CIDR entry covers it — it is not globally routable
 * (see address-class.ts; IPv6 forms carrying an IPv4 address are judged by that address) or it is one
 * of this machine's own addresses — or null when it may be reached by default.
 */
export function protectedBecause(address: string): string | null {
  const found = classifyAddress(address);
  const effective = found.embedded ?? address.split('%')[0];
  if (isOwnAddress(effective)) return 'is an address of this appliance';
  if (found.global) return null;
  return `${RANGE_WORDS[found.range] ?? `is in a reserved range (${found.range})`}, not a public internet address`;
}

/** True for an address refused unless listed: this machine's, or any address not globally routable. */
export function isProtectedAddress(address: string): boolean {
  return protectedBecause(address) !== null;
}

/** A decision: allowed, or refused with the reason as a predicate ("is not in the allow-list"). */
export type HostDecision = { allowed: true } | { allowed: false; why: string };

/** An allow-list, parsed once. */
export class HostPolicy {
  private readonly names = new Set<string>();
  private readonly suffixes: string[] = [];
  private readonly addresses = new BlockList();
  private hasAddresses = false;
  /** True when the list is empty: any host passes gate 1 (gate 2 still refuses protected addresses). */
  readonly open: boolean;

  /** @throws Error on an invalid entry (lists are checked when saved; see {@link parseHostEntry}). */
  constructor(entries: readonly string[]) {
    this.open = entries.length === 0;
    for (const text of entries) {
      const parsed = parseHostEntry(text);
      if ('error' in parsed) throw new Error(parsed.error);
      const { entry } = parsed;
      switch (entry.kind) {
        case 'name':
          this.names.add(entry.name);
          break;
        case 'wildcard':
          this.suffixes.push(entry.suffix);
          break;
        case 'address':
          this.addresses.addAddress(entry.address, entry.family);
          this.hasAddresses = true;
          break;
        case 'cidr':
          this.addresses.addSubnet(entry.network, entry.prefix, entry.family);
          this.hasAddresses = true;
          break;
        default:
          throw new Error(`unknown entry ${(entry as HostEntry).kind}`);
      }
    }
  }

  /** An address entry or CIDR covers `address`, or the IPv4 address it carries. */
  private addressListed(address: string): boolean {
    if (!this.hasAddresses) return false;
    const plain = address.split('%')[0];
    if (this.addresses.check(plain, family(plain))) return true;
    const carried = classifyAddress(plain).embedded;
    return carried !== null && this.addresses.check(carried, 'ipv4');
  }

  /** Gate 1: the host as written in the URL (a name, or an IP literal), before any DNS query. */
  checkHost(host: string): HostDecision {
    if (this.open) return { allowed: true };
    const canonical = canonicalHost(host);
    if (isIP(canonical) !== 0) {
      return this.addressListed(canonical)
        ? { allowed: true }
        : { allowed: false, why: 'is not in the allow-list' };
    }
    if (this.names.has(canonical) || this.suffixes.some((suffix) => canonical.endsWith(suffix))) {
      return { allowed: true };
    }
    return { allowed: false, why: 'is not in the allow-list' };
  }

  /** Gate 2: an address the host resolved to (or the IP literal itself), before connecting to it. */
  checkAddress(address: string): HostDecision {
    const because = protectedBecause(address);
    if (because === null || this.addressListed(address)) return { allowed: true };
    return { allowed: false, why: `${because}, and no address or CIDR entry of the allow-list covers it` };
  }
}
