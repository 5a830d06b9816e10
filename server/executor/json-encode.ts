/**
 * JSON text for script results. Unlike JSON.stringify it writes 64-bit integers (bigint) exactly, and
 * maps non-finite floats to null as JSON requires.
 */

/** Encodes a JS value made by the Rhai engine's `toJs` (objects, arrays, strings, numbers, bigints...). */
export function encodeJson(value: unknown): string {
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map(encodeJson).join(',')}]`;
      if (value instanceof Uint8Array) return `[${Array.from(value).join(',')}]`;
      const entries = Object.entries(value as Record<string, unknown>).map(
        ([k, v]) => `${JSON.stringify(k)}:${encodeJson(v)}`,
      );
      return `{${entries.join(',')}}`;
    }
    default:
      return 'null';
  }
}
