/**
 * The benchmark algorithms in plain JavaScript, step for step the same as the `.rhai` scripts next
 * to this file (same sizes, same value types), so `run.js` can report how far the engine is from
 * plain JS and check that both sides compute the same result.
 */

/** fibonacci.rhai: fib(28), computed 5 times. */
export function fibonacci() {
  const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));
  let result = 0;
  for (let run = 0; run < 5; run++) result = fib(28);
  return result;
}

/** loop.rhai: one million iterations of a counting-down while loop. */
export function loop() {
  let x = 1_000_000;
  while (x > 0) x -= 1;
  return x;
}

/** primes.rhai: sieve of Eratosthenes up to 1,000,000. */
export function primes() {
  const limit = 1_000_000;
  const composite = new Array(limit + 1).fill(false);
  composite[0] = true;
  composite[1] = true;
  let count = 0;
  for (let n = 2; n <= limit; n++) {
    if (composite[n]) continue;
    count += 1;
    for (let multiple = 2 * n; multiple < limit + 1; multiple += n) composite[multiple] = true;
  }
  return count;
}

/** array.rhai: push 1,000,000 integers, then add them up. */
export function array() {
  const items = [];
  for (let i = 0; i < 1_000_000; i++) items.push(i);
  let total = 0;
  for (const item of items) total += item;
  return total;
}

/** mat-mul.rhai: two 50x50 float matrices (arrays of arrays) multiplied. */
export function matMul() {
  const n = 50;
  const zeros = (rows, cols) => {
    const row = new Array(cols).fill(0.0);
    const m = [];
    for (let r = 0; r < rows; r++) m.push(row.slice());
    return m;
  };
  const sample = () => {
    const scale = 1.0 / n / n;
    const m = zeros(n, n);
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) m[r][c] = scale * (r - c) * (r + c);
    return m;
  };
  const multiply = (x, y) => {
    const yt = zeros(x[0].length, y[0].length);
    for (let r = 0; r < x[0].length; r++) for (let c = 0; c < y[0].length; c++) yt[c][r] = y[r][c];
    const out = zeros(x.length, y[0].length);
    for (let r = 0; r < out.length; r++) {
      for (let c = 0; c < out[r].length; c++) {
        out[r][c] = 0.0;
        for (let k = 0; k < x[r].length; k++) out[r][c] += x[r][k] * yt[c][k];
      }
    }
    return out;
  };
  const product = multiply(sample(), sample());
  return product[Math.trunc(n / 2)][Math.trunc(n / 2)];
}

/** strings-map.rhai: 230,400 generated string keys inserted, read back and removed. */
export function stringsMap() {
  const syllables = [
    'ba',
    'ce',
    'di',
    'fo',
    'gu',
    'ha',
    'je',
    'ki',
    'lo',
    'mu',
    'na',
    'pe',
    'ri',
    'so',
    'tu',
    'va',
  ];
  const words = [];
  for (const first of syllables)
    for (const second of syllables) if (first !== second) words.push(first + second);
  const qualities = words.map((w) => `${w}ish`);
  const creatures = words.map((w) => `${w}ling`);
  const degrees = ['barely', 'rather', 'quite', 'utterly'];
  const keys = [];
  for (const creature of creatures)
    for (const quality of qualities)
      for (const degree of degrees) keys.push(`${degree} ${quality} ${creature}`);
  const map = new Map();
  let i = 0;
  for (const key of keys) {
    map.set(key, i);
    i += 1;
  }
  let sum = 0;
  for (const key of keys) sum += map.get(key);
  for (const key of keys) map.delete(key);
  return sum + map.size;
}

/** Benchmark name (file stem) -> baseline implementation. */
export const baselines = {
  fibonacci,
  loop,
  primes,
  array,
  'mat-mul': matMul,
  'strings-map': stringsMap,
};
