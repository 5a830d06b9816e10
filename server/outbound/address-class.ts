/**
 * Is an IP address globally routable? The special-purpose ranges (IANA's registries: loopback,
 * private, carrier-grade NAT, unique-local, link-local, multicast, documentation, benchmarking …) come
 * from `ipaddr.js`, which keeps them up to date, rather than from a hand-kept list; only
 * `unicast` — what ipaddr.js calls an address in no special range — counts as global.
 *
 * IPv6 forms that carry an IPv4 address are judged by the address they carry, since that is where a
 * connection to them ends up: IPv4-mapped (`::ffff:127.0.0.1`), SIIT (`::ffff:0:a.b.c.d`), NAT64's
 * well-known prefix (`64:ff9b::/96`), 6to4 (`2002:AABB:CCDD::/48`) and the deprecated IPv4-compatible
 * form (`::127.0.0.1`, which ipaddr.js calls plain unicast). `64:ff9b:1::/48`, NAT64 for local use, is
 * not global whatever it carries.
 *
 * Knows nothing about PiCloud: an address in, a class out.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** How an address is classed. */
export interface AddressClass {
  /** True for a globally routable unicast address (the IPv4 address it carries, for the forms above). */
  readonly global: boolean;
  /** ipaddr.js's range of the deciding address: `unicast`, `loopback`, `private`, `linkLocal` … */
  readonly range: string;
  /** The IPv4 address an IPv6 address carries, in dotted form, when it is one of the forms above. */
  readonly embedded: string | null;
}

/** Ranges that carry an IPv4 address in their last 32 bits. */
const LAST_32_BITS = new Set(['ipv4Mapped', 'rfc6145']);

/**
 * An address as Node writes it (WHATWG URL serialisation): `::127.0.0.1` becomes `::7f00:1`, zone ids
 * go. ipaddr.js alone would read `::127.0.0.1` as IPv4-mapped.
 */
function canonical(address: string): string {
  const plain = address.split('%')[0];
  if (isIP(plain) !== 6) return plain;
  try {
    return new URL(`http://[${plain}]/`).hostname.slice(1, -1);
  } catch {
    return plain;
  }
}

/** The IPv4 address carried by `address`, or null when it carries none. */
function embeddedIPv4(address: ipaddr.IPv6, range: string): ipaddr.IPv4 | null {
  const bytes = address.toByteArray();
  const fromBytes = (start: number) => new ipaddr.IPv4(bytes.slice(start, start + 4));
  if (LAST_32_BITS.has(range)) return fromBytes(12);
  if (range === 'rfc6052') {
    // Only the well-known /96 prefix carries the address in its last 32 bits; 64:ff9b:1::/48 is local.
    return address.match(ipaddr.IPv6.parse('64:ff9b::'), 96) ? fromBytes(12) : null;
  }
  if (range === '6to4') return fromBytes(2);
  // IPv4-compatible ::a.b.c.d: 96 zero bits, then an address other than :: and ::1.
  if (range === 'unicast' && bytes.slice(0, 12).every((byte) => byte === 0)) return fromBytes(12);
  return null;
}

/**
 * Classifies an IP address (either family, any textual form Node accepts).
 * @throws Error when `address` is not an IP address.
 * @example classifyAddress('64:ff9b::7f00:1') // { global: false, range: 'loopback', embedded: '127.0.0.1' }
 */
export function classifyAddress(address: string): AddressClass {
  const parsed = ipaddr.parse(canonical(address));
  if (parsed.kind() === 'ipv4') {
    const range = parsed.range();
    return { global: range === 'unicast', range, embedded: null };
  }
  const v6 = parsed as ipaddr.IPv6;
  const range = v6.range();
  const carried = embeddedIPv4(v6, range);
  if (carried) {
    const carriedRange = carried.range();
    return { global: carriedRange === 'unicast', range: carriedRange, embedded: carried.toString() };
  }
  // NAT64 for local use, or a form that carries nothing usable: never global.
  return { global: range === 'unicast', range: range === 'rfc6052' ? 'reserved' : range, embedded: null };
}
