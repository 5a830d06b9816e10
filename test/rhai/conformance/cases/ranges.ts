/** Book: language/ranges.md — `a..b` and `a..=b`. */
import type { ConformanceCase } from '../harness.js';

/** Ranges: types, properties, `in`, iteration, precedence and range-taking functions. */
export const rangesCases: readonly ConformanceCase[] = [
  { name: 'exclusive range type', script: '1..3', type: 'range' },
  { name: 'inclusive range type', script: '1..=3', type: 'range=' },
  { name: 'start property', script: '(2..7).start', value: 2 },
  { name: 'end property', script: '(2..7).end', value: 7 },
  { name: 'start method', script: '(2..=7).start()', value: 2 },
  { name: 'end of inclusive range', script: '(2..=7).end', value: 7 },
  { name: 'is_inclusive on inclusive range', script: '(1..=2).is_inclusive', value: true },
  { name: 'is_inclusive on exclusive range', script: '(1..2).is_inclusive', value: false },
  { name: 'is_exclusive on exclusive range', script: '(1..2).is_exclusive', value: true },
  { name: 'contains', script: '(1..10).contains(5)', value: true },
  { name: 'in exclusive range excludes the end', script: '3 in 1..3', value: false },
  { name: 'in exclusive range includes the start', script: '1 in 1..3', value: true },
  { name: 'in inclusive range includes the end', script: '3 in 1..=3', value: true },
  { name: 'book: in with negative bounds', script: '42 in -100..100', value: true },
  { name: 'below the start is not in the range', script: '0 in 1..3', value: false },
  { name: 'range of variables', script: 'let a = 2; let b = 5; let r = a..b; r.end - r.start', value: 3 },
  { name: 'range binds looser than +', script: 'let r = 1..2 + 3; r.end', value: 5 },
  { name: 'range binds tighter than comparison via in', script: '4 in 1..2 + 3', value: true },
  { name: 'display exclusive', script: 'print(2..7);', output: ['2..7'] },
  { name: 'display inclusive', script: 'print(0..=15);', output: ['0..=15'] },
  {
    name: 'for over exclusive range',
    script: 'let s = []; for i in 1..4 { s.push(i); } s',
    value: [1, 2, 3],
  },
  {
    name: 'for over inclusive range',
    script: 'let s = []; for i in 1..=4 { s.push(i); } s',
    value: [1, 2, 3, 4],
  },
  { name: 'empty range does not iterate', script: 'let n = 0; for i in 5..1 { n += 1; } n', value: 0 },
  { name: 'equal bounds exclusive is empty', script: 'let n = 0; for i in 3..3 { n += 1; } n', value: 0 },
  {
    name: 'equal bounds inclusive has one item',
    script: 'let n = 0; for i in 3..=3 { n += 1; } n',
    value: 1,
  },
  {
    name: 'negative range iteration',
    script: 'let s = []; for i in -2..1 { s.push(i); } s',
    value: [-2, -1, 0],
  },
  { name: 'range() function', script: 'let s = []; for i in range(0, 3) { s.push(i); } s', value: [0, 1, 2] },
  {
    name: 'range() with a step',
    script: 'let s = []; for i in range(0, 10, 3) { s.push(i); } s',
    value: [0, 3, 6, 9],
  },
  {
    name: 'range() stepping backwards',
    script: 'let s = []; for i in range(10, 0, -3) { s.push(i); } s',
    value: [10, 7, 4, 1],
  },
  {
    name: 'range() over a range with a step',
    script: 'let s = []; for i in range(8..18, 3) { s.push(i); } s',
    value: [8, 11, 14, 17],
  },
  {
    name: 'range used in a switch',
    script: 'switch 42 { 0..10 => "small", 10..100 => "medium", _ => "large" }',
    value: 'medium',
  },
  { name: 'inclusive range in a switch', script: 'switch 10 { 0..=10 => "low", _ => "high" }', value: 'low' },
  { name: 'range for bit-fields', script: 'let x = 0b111100; x[2..6]', value: 0b1111 },
  { name: 'range for array extract', script: '[0, 1, 2, 3, 4, 5].extract(2..4)', value: [2, 3] },
  { name: 'range for sub_string', script: '"hello, world".sub_string(4..=6)', value: 'o, ' },
  { name: 'ranges of floats are not ranges', script: '1.0..2.0', error: 'any' },
];
