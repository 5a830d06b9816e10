/** Book: language/timestamps.md — `timestamp()`, `elapsed` and timestamp arithmetic. */
import type { ConformanceCase } from '../harness.js';

/** Timestamps: creation, elapsed seconds, arithmetic with seconds and comparisons. */
export const timestampsCases: readonly ConformanceCase[] = [
  { name: 'timestamp() has type timestamp', script: 'timestamp()', type: 'timestamp' },
  { name: 'elapsed is a float', script: 'let t = timestamp(); type_of(t.elapsed)', value: 'f64' },
  { name: 'elapsed method-call style', script: 'let t = timestamp(); type_of(t.elapsed())', value: 'f64' },
  {
    name: 'elapsed right after creation is small and non-negative',
    script: 'let t = timestamp(); let e = t.elapsed; e >= 0.0 && e < 5.0',
    value: true,
  },
  {
    name: 'book: elapsed comparison',
    script: 'let now = timestamp(); if now.elapsed > 30.0 { "slow" } else { "fast" }',
    value: 'fast',
  },
  {
    name: 'adding seconds gives a timestamp',
    script: 'let t = timestamp(); type_of(t + 10)',
    value: 'timestamp',
  },
  {
    name: 'difference of timestamps is seconds',
    script: 'let t = timestamp(); (t + 10) - t',
    value: 10,
    type: 'f64',
  },
  { name: 'adding float seconds', script: 'let t = timestamp(); (t + 1.5) - t', value: 1.5 },
  { name: 'subtracting seconds', script: 'let t = timestamp(); t - (t - 3)', value: 3 },
  { name: 'later timestamp compares greater', script: 'let t = timestamp(); t + 1 > t', value: true },
  { name: 'earlier timestamp compares less', script: 'let t = timestamp(); t - 1 < t', value: true },
  { name: 'timestamp equals itself', script: 'let t = timestamp(); t == t', value: true },
  { name: 'shifted timestamp is not equal', script: 'let t = timestamp(); t != t + 1', value: true },
  { name: '+= seconds', script: 'let t = timestamp(); let u = t; u += 5; u - t', value: 5 },
  { name: '-= seconds', script: 'let t = timestamp(); let u = t; u -= 2; t - u', value: 2 },
  {
    name: 'timestamps are values (copied)',
    script: 'let t = timestamp(); let u = t; u += 5; t == u',
    value: false,
  },
  { name: 'timestamp display', script: 'print(timestamp());', output: ['<timestamp>'] },
  { name: 'subtracting a string from a timestamp is an error', script: 'timestamp() - "x"', error: 'any' },
  {
    name: 'timestamp + string concatenates its display form',
    script: 'timestamp() + "!"',
    value: '<timestamp>!',
  },
];
