/**
 * What the appliance's CA may vouch for. Its certificate carries a critical Name Constraints extension
 * (RFC 5280 §4.2.1.10) that permits only these names and addresses, so a client that honours the
 * extension (Chromium, Firefox/NSS, OpenSSL, Apple, Windows, Android) refuses any certificate the CA
 * signed for a public site — even should its key be stolen. A leaf certificate is valid only when
 * every one of its names is inside, so names outside (an app's claim on a public domain, a public IPv6
 * address) are left out of the leaf rather than spoiling it: serve those through Caddy with ACME.
 */
import ipaddr from 'ipaddr.js';
import { parse as parseDomain } from 'tldts';

/**
 * DNS suffixes for local names: mDNS (`.local`, RFC 6762), the home network's special-use domain
 * (`.home.arpa`, RFC 8375), the private-use TLD ICANN reserved (`.internal`), the common router default
 * `.lan`, and `localhost`. A permitted `lan` covers `lan` and every name under it.
 */
export const LOCAL_DNS_SUFFIXES: readonly string[] = ['local', 'home.arpa', 'internal', 'lan', 'localhost'];

/**
 * Private address ranges: IPv4 private (RFC 1918), loopback and link-local; IPv6 loopback, unique local
 * (fc00::/7) and link-local.
 */
export const PRIVATE_ADDRESS_RANGES: readonly string[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
];

/** The names and ranges one CA permits. */
export interface PermittedNames {
  /** DNS subtrees: a name is inside when it equals one or ends with `.` + one. */
  dns: readonly string[];
  /** Address ranges in CIDR notation. */
  ip: readonly string[];
}

/**
 * The permitted names of a CA made on the machine called `hostName`: the local suffixes, the private
 * ranges, and the bare host name when it is a single label that is not a public top-level domain (a host
 * called `raspberrypi` gets `raspberrypi` and names under it; one called `dev` — a real TLD — does not,
 * as that would let the CA sign for every `.dev` site).
 */
export function permittedNamesFor(hostName: string): PermittedNames {
  const label = hostName.trim().toLowerCase();
  const extra =
    /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(label) &&
    !LOCAL_DNS_SUFFIXES.includes(label) &&
    !parseDomain(label).isIcann
      ? [label]
      : [];
  return { dns: [...LOCAL_DNS_SUFFIXES, ...extra], ip: PRIVATE_ADDRESS_RANGES };
}

/** True when `name` (a DNS name, `*.` wildcard allowed, lower case) is inside one of `permitted.dns`. */
export function dnsNameIsPermitted(name: string, permitted: PermittedNames): boolean {
  const bare = name.startsWith('*.') ? name.slice(2) : name;
  return permitted.dns.some((suffix) => bare === suffix || bare.endsWith(`.${suffix}`));
}

/** True when `address` (an IPv4 or IPv6 literal) is inside one of `permitted.ip`. */
export function addressIsPermitted(address: string, permitted: PermittedNames): boolean {
  // Parsed as written: an IPv4-mapped IPv6 address is an IPv6 name in a certificate, checked against
  // the IPv6 ranges as clients do.
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  return permitted.ip.some((range) => {
    const [base, bits] = ipaddr.parseCIDR(range);
    return base.kind() === parsed.kind() && parsed.match([base, bits]);
  });
}
