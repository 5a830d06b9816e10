/**
 * The key used to match `switch` cases. Cases match by type and value (like Rhai's hashing), so
 * `1` never matches `1.0`: integers, booleans and most strings are their own key; every other value
 * gets a tagged string key.
 */
import { debugString, typeOf, type Value } from './value.js';

/** The switch key of a value (the compiler computes case labels with the same function). */
export function swKey(v: Value): number | string | boolean | undefined {
  switch (typeof v) {
    case 'number':
      if (Number.isInteger(v)) return v;
      break;
    case 'string':
      return v.charCodeAt(0) === 1 ? `\u0001s${v}` : v;
    case 'boolean':
    case 'undefined':
      return v;
    default:
      break;
  }
  return `\u0001${typeOf(v)}:${debugString(v)}`;
}
