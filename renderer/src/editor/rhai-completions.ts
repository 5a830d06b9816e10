/**
 * Completion of what a PiCloud script can name: `ctx.` fields, the SDK's modules (`kv::`, `secret::`,
 * `http::`, `queue::`, `time::`, `crypto::`, `base64::`, `hex::`, `url::`), the app's own modules after
 * `import "`, and the language's keywords. The lists follow docs/sdk/script-sdk.md (a test compares
 * them with the SDK's functions).
 */
import type { Completion, CompletionContext, CompletionResult } from '@codemirror/autocomplete';
import { RHAI_KEYWORDS } from './rhai-language.js';

const CTX_FIELDS: Completion[] = [
  { label: 'method', type: 'property', detail: 'string', info: 'GET, POST, …' },
  { label: 'path', type: 'property', detail: 'string', info: 'The path, without the query string' },
  {
    label: 'params',
    type: 'property',
    detail: 'map',
    info: 'Route parameters: /users/:id gives ctx.params.id',
  },
  { label: 'query', type: 'property', detail: 'map', info: 'Query string; a repeated key gives an array' },
  { label: 'headers', type: 'property', detail: 'map', info: 'Request headers, lower-case names' },
  { label: 'body', type: 'property', detail: 'any', info: 'Parsed by content type; () without a body' },
  {
    label: 'raw_body',
    type: 'property',
    detail: 'blob',
    info: "The body's exact bytes (sign these); () without a body",
  },
  { label: 'app', type: 'property', detail: 'map', info: '#{ id, slug } of the app' },
  {
    label: 'request_id',
    type: 'property',
    detail: 'string',
    info: 'Also the X-Request-Id header and in the log',
  },
  {
    label: 'trigger',
    type: 'property',
    detail: 'map',
    info: 'Why the script runs: kind http, execute, cron or queue',
  },
  { label: 'sdk_version', type: 'property', detail: 'string', info: 'The SDK version, e.g. "1.2"' },
];

function fns(entries: [string, string, string][]): Completion[] {
  return entries.map(([label, signature, info]) => ({
    label,
    type: 'function',
    detail: signature,
    info,
    apply: `${label}(`,
  }));
}

/** Functions of each SDK module. */
export const SDK_FUNCTIONS: Record<string, Completion[]> = {
  kv: fns([
    ['get', '(collection, key)', 'The value, or () when there is none'],
    ['set', '(collection, key, value, #{ ttl })', 'Store a value (optionally expiring after ttl seconds)'],
    ['delete', '(collection, key)', 'true when an entry was deleted'],
    ['list', '(collection, #{ prefix, cursor, limit })', '#{ items, next_cursor }: one page in key order'],
    ['incr', '(collection, key, by)', 'Add atomically; returns the new value'],
  ]),
  secret: fns([['get', '(name)', "The secret's value, or () when the app has none of that name"]]),
  http: fns([
    ['request', '(#{ method, url, headers, body, timeout })', '#{ status, headers, body }'],
    ['get', '(url, #{ headers, timeout })', 'A GET request'],
    ['post', '(url, body, #{ headers, timeout })', 'A POST request'],
  ]),
  queue: fns([
    ['send', '(name, payload)', "Send a message to a queue the app consumes; returns the message's id"],
  ]),
  time: fns([
    ['now', '()', 'The wall clock: milliseconds since 1970-01-01T00:00:00Z'],
    ['iso', '(ts)', 'RFC 3339 text in UTC: "2024-07-01T12:00:00.000Z"'],
    ['parse', '(text)', 'The time of an RFC 3339 date and time, in milliseconds'],
    ['format', '(ts, pattern, zone)', 'Written by a pattern ("%Y-%m-%d %H:%M") in an IANA time zone'],
  ]),
  crypto: fns([
    ['sha256', '(data)', 'SHA-256 digest, hex'],
    ['sha1', '(data)', 'SHA-1 digest, hex'],
    ['md5', '(data)', 'MD5 digest, hex'],
    ['hmac_sha256', '(key, data)', 'HMAC-SHA-256, hex'],
    ['hmac_sha256_blob', '(key, data)', 'HMAC-SHA-256 as a BLOB'],
    ['equal', '(a, b)', 'Constant-time comparison (for signatures)'],
    ['random_bytes', '(n)', 'n random bytes (a BLOB)'],
    ['uuid', '()', 'A random version 4 UUID'],
    ['random_int', '(lo, hi)', 'A random integer from lo to hi, both included'],
  ]),
  base64: fns([
    ['encode', '(data)', 'Base 64, standard alphabet, padded'],
    ['decode', '(text)', 'The bytes of standard Base 64 (a BLOB)'],
    ['encode_url', '(data)', 'Base 64, URL-safe alphabet, no padding'],
    ['decode_url', '(text)', 'The bytes of URL-safe Base 64 (a BLOB)'],
  ]),
  hex: fns([
    ['encode', '(data)', 'Lower-case hexadecimal'],
    ['decode', '(text)', 'The bytes of hexadecimal text (a BLOB)'],
  ]),
  url: fns([
    ['encode', '(text)', 'Percent-encoded as one URL component'],
    ['decode', '(text)', 'Percent-encoding decoded'],
    ['parse', '(text)', '#{ scheme, username, password, host, port, path, query, fragment }'],
    ['query', '(map)', 'A query string: a=1&b=2'],
  ]),
};

const MODULE_NAMES: Completion[] = Object.keys(SDK_FUNCTIONS).map((name) => ({
  label: name,
  type: 'namespace',
  apply: `${name}::`,
  detail: 'SDK module',
}));

/** `kv::ge` — an SDK module's name, `::` and the start of a function name. */
const SDK_CALL = new RegExp(`\\b(${Object.keys(SDK_FUNCTIONS).join('|')})::\\w*`);

const KEYWORDS: Completion[] = [...RHAI_KEYWORDS, 'true', 'false'].map((label) => ({
  label,
  type: 'keyword',
}));
const GLOBALS: Completion[] = [
  { label: 'ctx', type: 'variable', detail: 'the request', apply: 'ctx' },
  ...fns([
    ['print', '(value)', 'Write a line to the captured output (in the log)'],
    ['debug', '(value)', 'Write the debug form of a value to the output'],
    ['parse_json', '(text)', 'Parse JSON text into a value'],
    ['to_json', '(value)', 'The JSON text of a value'],
    ['type_of', '(value)', 'The type name of a value'],
    ['timestamp', '()', 'The current instant'],
  ]),
];

/** The completion source; `moduleNames` gives the names of the app's modules (loaded with the editor). */
export function rhaiCompletions(moduleNames: () => string[]) {
  return (context: CompletionContext): CompletionResult | null => {
    const importPath = context.matchBefore(/import\s+"[\w.-]*/);
    if (importPath) {
      const quote = importPath.text.indexOf('"');
      return {
        from: importPath.from + quote + 1,
        options: moduleNames().map((name) => ({
          label: name,
          type: 'namespace',
          detail: 'module of this app',
        })),
        validFor: /^[\w.-]*$/,
      };
    }
    const ctxField = context.matchBefore(/\bctx\.\w*/);
    if (ctxField) {
      return { from: ctxField.from + 4, options: CTX_FIELDS, validFor: /^\w*$/ };
    }
    const call = context.matchBefore(SDK_CALL);
    if (call) {
      const name = call.text.slice(0, call.text.indexOf(':'));
      return {
        from: call.from + name.length + 2,
        options: SDK_FUNCTIONS[name] ?? [],
        validFor: /^\w*$/,
      };
    }
    const word = context.matchBefore(/\w+/);
    if (!word && !context.explicit) return null;
    if (word && /^\d/.test(word.text)) return null;
    return {
      from: word ? word.from : context.pos,
      options: [...GLOBALS, ...MODULE_NAMES, ...KEYWORDS],
      validFor: /^\w*$/,
    };
  };
}
