/** Recognising ids in references that may be an id or a name (`:app`, `script`, `:domain`…). */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `reference` is shaped like a UUID (and so is looked up as an id). */
export function isUuid(reference: string): boolean {
  return UUID.test(reference);
}
