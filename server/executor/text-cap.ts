/**
 * The one cap on text a run produces for the log and the caller — its print/debug output and its
 * error's message — measured in UTF-8 bytes (the budget is the job's `maxOutputBytes`). Text over the
 * budget keeps its longest head of whole characters that fits, followed by a note saying so.
 */

const encoder = new TextEncoder();

/** The longest head of `text` that fits in `maxBytes` of UTF-8, cut between whole characters. */
export function headWithin(text: string, maxBytes: number): string {
  // Every UTF-16 unit takes at most 3 bytes (a surrogate pair, 4 for two units).
  if (text.length * 3 <= maxBytes) return text;
  if (maxBytes <= 0) return '';
  const { read } = encoder.encodeInto(text, new Uint8Array(maxBytes));
  return read === text.length ? text : text.slice(0, read);
}

/** The note that ends text cut at `budget` bytes. */
export function truncationNote(what: 'output' | 'message', budget: number): string {
  return `… ${what} truncated at ${budget} bytes`;
}

/** `text` unchanged when it fits in `budget` bytes, else its head that fits and the note. */
export function capText(text: string, budget: number, what: 'output' | 'message'): string {
  const head = headWithin(text, budget);
  return head === text ? text : `${head}${truncationNote(what, budget)}`;
}
