/**
 * Host claims of apps: an exact host ("api.home.lan", "192.168.1.20", "localhost") or a wildcard
 * ("*.home.lan", matching one or more labels in front of home.lan). Parsing, normalisation and the
 * shape key that makes two identical claims collide; no PiCloud types, so the manager (validation)
 * and the orchestrator (Host → app) share it.
 */

import { isIPv6 } from 'node:net';

/** A validated claim. */
export interface HostClaim {
  /** The normalised claim as stored and shown ("*.home.lan"). */
  pattern: string;
  kind: 'exact' | 'wildcard';
  /** Unique key per claim shape: equal keys are the same claim. */
  shapeKey: string;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Lower case, no trailing dot, no surrounding space. */
function normalise(input: string): string {
  return input.trim().toLowerCase().replace(/\.$/, '');
}

function isHostName(host: string): boolean {
  const labels = host.split('.');
  // An all-numeric last label is never a host name: "192.168.1.256" is a mistyped address, and a
  // wildcard such as "*.1.20" would capture IP addresses.
  return (
    host.length <= 253 &&
    labels.every((label) => LABEL.test(label)) &&
    !/^\d+$/.test(labels[labels.length - 1])
  );
}

/**
 * Parses a claim, or returns a human-readable reason it is invalid.
 * @example parseHostClaim('*.Home.LAN') // { pattern: '*.home.lan', kind: 'wildcard', shapeKey: '*.home.lan' }
 */
export function parseHostClaim(input: string): HostClaim | { error: string } {
  const pattern = normalise(input);
  if (pattern === '') return { error: 'a host is required' };
  if (pattern.includes(':') || pattern.includes('/'))
    return { error: 'a claim is a host name without scheme, port or path' };
  if (pattern.startsWith('*.')) {
    const suffix = pattern.slice(2);
    if (suffix.includes('*')) return { error: 'only one leading "*." is allowed in a wildcard claim' };
    if (!isHostName(suffix) || IPV4.test(suffix)) return { error: `"${suffix}" is not a valid host name` };
    return { pattern, kind: 'wildcard', shapeKey: pattern };
  }
  if (pattern.includes('*'))
    return { error: 'a wildcard claim must start with "*." (for example *.home.lan)' };
  if (!IPV4.test(pattern) && !isHostName(pattern))
    return { error: `"${pattern}" is not a valid host name or IPv4 address` };
  return { pattern, kind: 'exact', shapeKey: pattern };
}

/**
 * The host part of a Host header: lower case, without port or trailing dot; IPv6 literals keep their
 * brackets. Returns null for a header that is not a plausible host.
 */
export function hostFromHeader(header: string | undefined): string | null {
  if (!header) return null;
  const value = header.trim().toLowerCase();
  if (value.startsWith('[')) {
    // Only an IPv6 literal, optionally with a port: "[]", "[name]" or "[::1]junk" are not hosts.
    const literal = /^\[([0-9a-f:.]+)\](?::\d*)?$/.exec(value);
    return literal && isIPv6(literal[1]) ? `[${literal[1]}]` : null;
  }
  const host = normalise(value.replace(/:\d*$/, ''));
  return host === '' || /[^a-z0-9.-]/.test(host) ? null : host;
}

/** True when `host` (normalised) is covered by `claim`. */
export function claimCovers(claim: Pick<HostClaim, 'pattern' | 'kind'>, host: string): boolean {
  if (claim.kind === 'exact') return claim.pattern === host;
  return host.endsWith(claim.pattern.slice(1)) && host.length > claim.pattern.length - 1;
}

/**
 * Resolves hosts to owners with the most specific claim winning: an exact claim beats any wildcard, a
 * longer wildcard suffix beats a shorter one. Lookups cost one map probe per label.
 */
export class HostTable<Owner> {
  private readonly exact = new Map<string, Owner>();
  private readonly wildcard = new Map<string, Owner>();

  /** Adds a claim (later additions of the same shape replace earlier ones). */
  add(claim: Pick<HostClaim, 'pattern' | 'kind'>, owner: Owner): void {
    if (claim.kind === 'exact') this.exact.set(claim.pattern, owner);
    else this.wildcard.set(claim.pattern.slice(2), owner);
  }

  /** Every exact host claimed (e.g. to announce the `.local` ones over mDNS). */
  exactHosts(): IterableIterator<string> {
    return this.exact.keys();
  }

  /** The owner of `host`, or undefined. */
  resolve(host: string): Owner | undefined {
    const exact = this.exact.get(host);
    if (exact !== undefined) return exact;
    for (let dot = host.indexOf('.'); dot !== -1; dot = host.indexOf('.', dot + 1)) {
      const owner = this.wildcard.get(host.slice(dot + 1));
      if (owner !== undefined) return owner;
    }
    return undefined;
  }
}
