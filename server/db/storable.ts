/**
 * What PostgreSQL cannot store: `text` and `jsonb` refuse the character U+0000, `jsonb` refuses a lone
 * UTF-16 surrogate (`\ud800` in JSON), and JSON has no form for a number that is not finite (`1e309`
 * parses to Infinity). Such values must be refused at the edge with a client error (the HTTP layer's
 * validation does it for every parameter, query and body) or, where text is only recorded, replaced
 * (logs): reaching a query they are a 500.
 *
 * Knows nothing about PiCloud: values in, a verdict out.
 */

/** U+0000, or a lone surrogate. */
const UNSTORABLE_CHARACTER = /[\u0000\p{Cs}]/u;
const UNSTORABLE_CHARACTERS = /[\u0000\p{Cs}]/gu;

/** Why a string cannot be stored, or null when it can. */
export function unstorableText(text: string): string | null {
  return UNSTORABLE_CHARACTER.test(text) ? 'must not contain U+0000 or a lone surrogate' : null;
}

/** `text` with U+0000 and lone surrogates replaced by U+FFFD (for text that is only recorded). */
export function storableText(text: string): string {
  return UNSTORABLE_CHARACTER.test(text) ? text.replace(UNSTORABLE_CHARACTERS, '\uFFFD') : text;
}

/** A value's first part PostgreSQL cannot store: its JSON pointer (`/a/0`) and why. */
export interface Unstorable {
  path: string;
  message: string;
}

function pointer(path: string, key: string | number): string {
  // The pointer itself ends up in an error body and a log line: no NUL in it either.
  return `${path}/${storableText(String(key)).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/**
 * The first string, object key or number in `value` that PostgreSQL cannot store, or null. Walks with
 * an explicit stack: any nesting is checked without recursion.
 * @example unstorable({ a: ['ok', 'b\u0000'] }) // { path: '/a/1', message: 'must not contain U+0000 or a lone surrogate' }
 */
export function unstorable(value: unknown): Unstorable | null {
  const pending: { value: unknown; path: string }[] = [{ value, path: '' }];
  while (pending.length > 0) {
    const { value: current, path } = pending.pop() as { value: unknown; path: string };
    if (typeof current === 'string') {
      const message = unstorableText(current);
      if (message) return { path, message };
    } else if (typeof current === 'number') {
      if (!Number.isFinite(current)) return { path, message: 'must be a finite number' };
    } else if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) {
        pending.push({ value: current[index], path: pointer(path, index) });
      }
    } else if (typeof current === 'object' && current !== null) {
      const entries = Object.entries(current);
      for (let index = entries.length - 1; index >= 0; index--) {
        const [key, child] = entries[index];
        const message = unstorableText(key);
        if (message) return { path: pointer(path, key), message: `its key ${message}` };
        pending.push({ value: child, path: pointer(path, key) });
      }
    }
  }
  return null;
}
