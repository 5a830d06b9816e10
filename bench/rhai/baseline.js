/**
 * The Rhai benchmark algorithms written in plain JavaScript, step for step the same as the `.rhai`
 * sources next to this file, so `run.js` can report how far the interpreter is from native JS and
 * check that both sides compute the same result.
 */

/** fibonacci.rhai: fib(28) computed 5 times. */
export function fibonacci() {
  const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));
  let result = 0;
  for (let i = 0; i < 5; i++) result = fib(28);
  return result;
}

/** loop.rhai: 1,000,000 iterations of integer arithmetic. */
export function loop() {
  let sum = 0;
  let i = 0;
  while (i < 1_000_000) {
    sum += i % 7;
    i += 1;
  }
  return sum;
}

/** primes.rhai: sieve of Eratosthenes up to 1,000,000. */
export function primes() {
  const max = 1_000_000;
  const mask = new Array(max + 1).fill(true);
  mask[0] = false;
  mask[1] = false;
  let total = 0;
  for (let p = 2; p <= max; p++) {
    if (!mask[p]) continue;
    total += 1;
    for (let i = 2 * p; i <= max; i += p) mask[i] = false;
  }
  return total;
}

/** mat-mul.rhai: multiply two 50x50 float matrices, return the centre element. */
export function matMul() {
  const size = 50;
  const newMat = (x, y) => Array.from({ length: x }, () => new Array(y).fill(0.0));
  const matGen = (n) => {
    const tmp = 1.0 / n / n;
    const m = newMat(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m[i][j] = tmp * (i - j) * (i + j);
    return m;
  };
  const mul = (a, b) => {
    const b2 = newMat(a[0].length, b[0].length);
    for (let i = 0; i < a[0].length; i++) for (let j = 0; j < b[0].length; j++) b2[j][i] = b[i][j];
    const c = newMat(a.length, b[0].length);
    for (let i = 0; i < c.length; i++) {
      for (let j = 0; j < c[i].length; j++) {
        let sum = 0.0;
        for (let z = 0; z < a[i].length; z++) sum += a[i][z] * b2[j][z];
        c[i][j] = sum;
      }
    }
    return c;
  };
  const c = mul(matGen(size), matGen(size));
  return c[Math.trunc(size / 2)][Math.trunc(size / 2)];
}

/** string-build.rhai: build a 200,000-character string piece by piece. */
export function stringBuild() {
  let s = '';
  for (let i = 0; i < 100_000; i++) {
    s += 'x';
    s += String(i % 10);
  }
  return s.length + s.indexOf('x9x0');
}

/** Benchmark name (file stem) -> baseline implementation. */
export const baselines = {
  fibonacci,
  loop,
  primes,
  'mat-mul': matMul,
  'string-build': stringBuild,
};
