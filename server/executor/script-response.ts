/**
 * How a script's return value becomes an HTTP response (SDK 1.x):
 * - a map whose keys are only `status`, `headers` and/or `body` is a response description;
 * - a string is text/plain; a BLOB is application/octet-stream; `()` is 204 No Content;
 * - anything else is JSON.
 * A response `body` follows the same rules (string → text, BLOB → bytes, other → JSON).
 */
import type { ScriptResponse } from '../contracts/executor.js';
import { RBlob, toJs, typeOf, type Value } from '../rhai/index.js';
import { encodeJson } from './json-encode.js';

const RESPONSE_KEYS = new Set(['status', 'headers', 'body']);
const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';
const BYTES = 'application/octet-stream';

/** A response the script described wrongly (bad status, bad header); reported as a runtime error. */
export class ResponseShapeError extends Error {}

function isResponseMap(value: Value): value is Map<string, Value> {
  if (!(value instanceof Map) || value.size === 0) return false;
  for (const key of value.keys()) if (!RESPONSE_KEYS.has(key)) return false;
  return true;
}

function body(value: Value): { body: string | Uint8Array | null; type: string | null } {
  if (value === undefined) return { body: null, type: null };
  if (typeof value === 'string') return { body: value, type: TEXT };
  if (value instanceof RBlob) return { body: value.toUint8Array(), type: BYTES };
  return { body: encodeJson(toJs(value)), type: JSON_TYPE };
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers that frame the HTTP message or the connection: the server sets them, a script may not. */
const MANAGED_HEADERS = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-connection',
  'x-request-id',
]);

/** Converts a script's result to a response. */
export function toScriptResponse(value: Value): ScriptResponse {
  if (!isResponseMap(value)) {
    if (value === undefined) return { status: 204, headers: {}, body: null };
    const converted = body(value);
    return {
      status: 200,
      headers: converted.type ? { 'content-type': converted.type } : {},
      body: converted.body,
    };
  }
  const statusValue = value.get('status');
  let status = 200;
  if (statusValue !== undefined) {
    if (
      typeof statusValue !== 'number' ||
      !Number.isInteger(statusValue) ||
      statusValue < 200 ||
      statusValue > 599
    ) {
      throw new ResponseShapeError(
        `status must be an integer from 200 to 599, not ${typeOf(statusValue)} ${String(statusValue)}`,
      );
    }
    status = statusValue;
  }
  const headers: Record<string, string> = {};
  const headersValue = value.get('headers');
  if (headersValue !== undefined) {
    if (!(headersValue instanceof Map))
      throw new ResponseShapeError(`headers must be a map, not ${typeOf(headersValue)}`);
    for (const [name, v] of headersValue) {
      if (!HEADER_NAME.test(name)) throw new ResponseShapeError(`"${name}" is not a valid header name`);
      if (MANAGED_HEADERS.has(name.toLowerCase()))
        throw new ResponseShapeError(`header "${name}" is set by PiCloud, not by scripts`);
      const text = typeof v === 'string' ? v : String(toJs(v));
      if (/[\r\n\0]/.test(text)) throw new ResponseShapeError(`header "${name}" contains a line break`);
      headers[name.toLowerCase()] = text;
    }
  }
  const converted = body(value.get('body'));
  if (converted.type && !headers['content-type']) headers['content-type'] = converted.type;
  return { status, headers, body: status === 204 || status === 304 ? null : converted.body };
}

/** Size of a response body in bytes. */
export function bodyBytes(response: ScriptResponse): number {
  if (response.body === null) return 0;
  return typeof response.body === 'string' ? Buffer.byteLength(response.body) : response.body.byteLength;
}
