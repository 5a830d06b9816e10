/** String subtraction (issue 16): `s - x` and `s -= x` remove every occurrence of a string or char. */
import type { ConformanceCase } from '../harness.js';

export const stringSubtractionCases: readonly ConformanceCase[] = [
  { name: 'minus a string', script: '"banana" - "an"', value: 'ba' },
  { name: 'minus a char', script: '"mississippi" - \'s\'', value: 'miiippi' },
  { name: 'minus-assign a char', script: 'let s = "a,b,c"; s -= \',\'; s', value: 'abc' },
  { name: 'minus-assign a string', script: 'let s = "x--y--z"; s -= "--"; s', value: 'xyz' },
  { name: 'nothing to remove', script: '"abc" - "z"', value: 'abc' },
  { name: 'minus the empty string', script: '"abc" - ""', value: 'abc' },
  { name: 'non-ASCII', script: '"€1€2" - \'€\'', value: '12' },
  { name: 'minus a number is not defined', script: '"abc" - 1', error: 'ErrorFunctionNotFound' },
];
