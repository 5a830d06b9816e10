/**
 * The resource records PiCloud publishes over mDNS, as plain data, and the conversions to and from
 * `dns-packet`'s shapes. TTLs follow RFC 6762 §10: 120 s for records naming a host or carrying its
 * addresses (A, AAAA, SRV), 75 minutes for the others (PTR, TXT).
 */
import type { Answer } from 'dns-packet';

export const HOST_TTL = 120;
export const OTHER_TTL = 4_500;

/** One record PiCloud answers with. `unique`: the cache-flush bit, set on records only we may own. */
export type MdnsRecord =
  | { name: string; type: 'A' | 'AAAA' | 'PTR'; ttl: number; data: string; unique: boolean }
  | { name: string; type: 'SRV'; ttl: number; data: { port: number; target: string }; unique: boolean }
  | { name: string; type: 'TXT'; ttl: number; data: Buffer[]; unique: boolean };

/** Names compare case-insensitively, without a trailing dot (RFC 6762 §16). */
export function sameName(a: string, b: string): boolean {
  return a.toLowerCase().replace(/\.$/, '') === b.toLowerCase().replace(/\.$/, '');
}

/** The A and AAAA records saying `name` is at `addresses`. */
export function addressRecords(name: string, addresses: { ipv4: string[]; ipv6: string[] }): MdnsRecord[] {
  return [
    ...addresses.ipv4.map((data): MdnsRecord => ({ name, type: 'A', ttl: HOST_TTL, data, unique: true })),
    ...addresses.ipv6.map((data): MdnsRecord => ({ name, type: 'AAAA', ttl: HOST_TTL, data, unique: true })),
  ];
}

/** TXT strings (`key=value`) from a map; RFC 6763 §6: each at most 255 bytes, keys without '='. */
export function encodeTxt(txt: Readonly<Record<string, string>>): Buffer[] {
  const strings = Object.entries(txt).map(([key, value]) => {
    if (key === '' || key.includes('=') || !/^[\x20-\x7e]+$/.test(key))
      throw new Error(`bad TXT key "${key}"`);
    const entry = Buffer.from(`${key}=${value}`);
    if (entry.length > 255) throw new Error(`TXT entry "${key}" is longer than 255 bytes`);
    return entry;
  });
  // An empty TXT record still holds one empty string (RFC 6763 §6.1).
  return strings.length > 0 ? strings : [Buffer.alloc(0)];
}

/** A comparable text form of a record's data (for "same record?" and conflict checks). */
export function dataKey(record: { type: string; data: unknown }): string {
  const data = record.data;
  if (Buffer.isBuffer(data)) return data.toString('hex');
  if (Array.isArray(data)) {
    return data
      .map((part) =>
        Buffer.isBuffer(part) ? part.toString('hex') : Buffer.from(String(part)).toString('hex'),
      )
      .join(',');
  }
  if (data && typeof data === 'object') {
    const srv = data as { port?: unknown; target?: unknown };
    return `${String(srv.port)} ${String(srv.target).toLowerCase()}`;
  }
  return String(data).toLowerCase();
}

/** The record as `dns-packet` encodes it. */
export function toAnswer(record: MdnsRecord, ttl = record.ttl): Answer {
  if (record.type === 'SRV') {
    return {
      name: record.name,
      type: 'SRV',
      ttl,
      flush: record.unique,
      data: { port: record.data.port, target: record.data.target, priority: 0, weight: 0 },
    };
  }
  if (record.type === 'TXT')
    return { name: record.name, type: 'TXT', ttl, flush: record.unique, data: record.data };
  return { name: record.name, type: record.type, ttl, flush: record.unique, data: record.data };
}
