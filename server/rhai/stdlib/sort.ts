/**
 * A stable merge sort for script values. `Array.prototype.sort` cannot be used with script
 * comparators: it never passes `undefined` (Rhai's `()`) to the comparator and moves such
 * elements to the end, which would change the meaning of `sort(|a, b| ...)` on arrays holding `()`.
 */
import type { Value } from '../runtime/value.js';

/** Sort `items` in place with `compare` (negative: a before b); stable; `compare` may throw. */
export function mergeSort(items: Value[], compare: (a: Value, b: Value) => number): void {
  const n = items.length;
  if (n < 2) return;
  const buffer: Value[] = new Array(n);
  sortRange(items, buffer, 0, n, compare);
}

const INSERTION_THRESHOLD = 12;

function sortRange(
  items: Value[],
  buffer: Value[],
  lo: number,
  hi: number,
  compare: (a: Value, b: Value) => number,
) {
  if (hi - lo <= INSERTION_THRESHOLD) {
    for (let i = lo + 1; i < hi; i++) {
      const x = items[i];
      let j = i - 1;
      while (j >= lo && compare(items[j], x) > 0) {
        items[j + 1] = items[j];
        j--;
      }
      items[j + 1] = x;
    }
    return;
  }
  const mid = (lo + hi) >>> 1;
  sortRange(items, buffer, lo, mid, compare);
  sortRange(items, buffer, mid, hi, compare);
  // Already ordered halves need no merge (common for nearly sorted input).
  if (compare(items[mid - 1], items[mid]) <= 0) return;
  for (let i = lo; i < hi; i++) buffer[i] = items[i];
  let a = lo;
  let b = mid;
  for (let k = lo; k < hi; k++) {
    if (a < mid && (b >= hi || compare(buffer[a], buffer[b]) <= 0)) items[k] = buffer[a++];
    else items[k] = buffer[b++];
  }
}
