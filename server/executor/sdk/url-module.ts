/**
 * `url::` — URLs (SDK 1.2): percent-encoding of one component (RFC 3986: everything but the
 * unreserved `A–Z a–z 0–9 - . _ ~` is encoded, so the result is safe in a path segment, a query value
 * or a signature base string), a query string from a map, and the parts of a URL as WHATWG's `URL`
 * (Node's) reads them.
 */
import { type HostModule, isFloat, isInt, RChar, typeOf, type Value } from '../../rhai/index.js';
import { chargeBytes, checkMapSize } from '../../rhai/stdlib/support.js';
import { bytesArg, sdkFunction, stringArg, stringOf } from './sdk-values.js';
import { invalidArgument } from './service-binding.js';

/** RFC 3986 §2.3 unreserved characters, as bytes. */
function unreserved(byte: number): boolean {
  return (
    (byte >= 0x30 && byte <= 0x39) || // 0-9
    (byte >= 0x41 && byte <= 0x5a) || // A-Z
    (byte >= 0x61 && byte <= 0x7a) || // a-z
    byte === 0x2d || // -
    byte === 0x2e || // .
    byte === 0x5f || // _
    byte === 0x7e // ~
  );
}

const HEX = '0123456789ABCDEF';

/** Percent-encodes every byte that is not unreserved. */
export function percentEncode(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    out += unreserved(byte) ? String.fromCharCode(byte) : `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

/** A query value: text, or a number or bool written as the script would print it. */
function queryValue(label: string, key: string, v: Value): string {
  if (typeof v === 'string') return v;
  if (v instanceof RChar) return v.str;
  if (typeof v === 'boolean' || isInt(v)) return String(v);
  if (isFloat(v)) return String(typeof v === 'number' ? v : v.value);
  throw invalidArgument(
    label,
    `the value of "${key}" must be a string, a number, a bool, () or an array of them, not ${typeOf(v)}`,
  );
}

/** The parts of `text` as a map (see docs/sdk/script-sdk.md). */
function parse(text: string, label: string): Map<string, Value> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Never the text itself: URLs carry API keys, and the message reaches the endpoint's caller.
    throw invalidArgument(label, 'the text is not an absolute URL');
  }
  const query = new Map<string, Value>();
  for (const [key, value] of url.searchParams) {
    const seen = query.get(key);
    if (seen === undefined) query.set(key, value);
    else if (Array.isArray(seen)) seen.push(value);
    else query.set(key, [seen, value]);
  }
  const orUnit = (s: string): Value => (s === '' ? undefined : s);
  // `URL` keeps user info percent-encoded, even a malformed `%zz`, which is then shown as it is.
  const decoded = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return new Map<string, Value>([
    ['scheme', url.protocol.slice(0, -1)],
    ['username', orUnit(decoded(url.username))],
    ['password', orUnit(decoded(url.password))],
    ['host', orUnit(url.hostname)],
    ['port', url.port === '' ? undefined : Number(url.port)],
    ['path', url.pathname],
    ['query', query],
    ['fragment', url.hash === '' ? undefined : url.hash.slice(1)],
  ]);
}

/** The `url` module. */
export function urlModule(): HostModule {
  return {
    functions: [
      sdkFunction('url', 'encode', 1, (ctx, [data], label) => {
        const bytes = bytesArg(label, 'the text', data);
        chargeBytes(ctx, bytes.length * 3);
        return stringOf(ctx, percentEncode(bytes));
      }),
      sdkFunction('url', 'decode', 1, (ctx, [value], label) => {
        const text = stringArg(label, 'the text', value);
        chargeBytes(ctx, text.length);
        try {
          return decodeURIComponent(text);
        } catch {
          throw invalidArgument(
            label,
            'malformed percent-encoding (a "%" not followed by two hex digits, or bytes that are not UTF-8)',
          );
        }
      }),
      sdkFunction('url', 'parse', 1, (ctx, [value], label) => {
        const text = stringArg(label, 'the URL', value);
        chargeBytes(ctx, text.length);
        const parts = parse(text, label);
        checkMapSize(ctx, (parts.get('query') as Map<string, Value>).size);
        return parts;
      }),
      sdkFunction('url', 'query', 1, (ctx, [value], label) => {
        if (!(value instanceof Map))
          throw invalidArgument(label, `expects a map of parameters, not ${typeOf(value)}`);
        const pairs: string[] = [];
        const add = (key: string, v: Value) => {
          pairs.push(
            `${percentEncode(Buffer.from(key))}=${percentEncode(Buffer.from(queryValue(label, key, v)))}`,
          );
        };
        // In key order, as Rhai's maps (BTreeMap) iterate: the same map always gives the same text.
        const keys = [...value.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        for (const key of keys) {
          const v = value.get(key);
          if (v === undefined) continue;
          if (!Array.isArray(v)) {
            add(key, v);
            continue;
          }
          for (const item of v) if (item !== undefined) add(key, item);
        }
        const text = pairs.join('&');
        chargeBytes(ctx, text.length);
        return stringOf(ctx, text);
      }),
    ],
  };
}
