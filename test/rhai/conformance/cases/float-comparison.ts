/**
 * FLOAT comparisons (issue 16) follow Rhai's epsilon rule: with ε the f64 machine epsilon, numbers
 * closer than max(|x|, |y|) × ε — or ε when one of them is zero — are equal, and orderings hold
 * only beyond that distance. INT comparisons stay exact.
 */
import type { ConformanceCase } from '../harness.js';

export const floatComparisonCases: readonly ConformanceCase[] = [
  { name: 'rounding error is equality', script: '0.1 + 0.2 == 0.3', value: true },
  { name: 'rounding error is not inequality', script: '0.7 + 0.1 != 0.8', value: false },
  { name: 'tiny number equals zero', script: '1e-17 == 0', value: true },
  { name: 'tiny number is not above zero', script: '1e-16 > 0', value: false },
  { name: 'zero is not below a tiny number', script: '0 < 1e-16', value: false },
  { name: 'tiny number is at most zero', script: '1e-16 <= 0.0', value: true },
  { name: 'a number above epsilon is above zero', script: '3e-15 > 0', value: true },
  { name: 'small numbers far apart relatively', script: '4e-30 > 3e-30', value: true },
  { name: 'relative tolerance for large numbers', script: '1e20 + 1000.0 == 1e20', value: true },
  { name: 'relative difference above epsilon', script: '1.0 + 1e-15 > 1.0', value: true },
  { name: 'mixed INT and FLOAT', script: '3 == 3.0000000000000001', value: true },
  { name: 'INT comparison stays exact', script: '9007199254740993 > 9007199254740992', value: true },
  { name: 'infinity equals infinity', script: '1.0 / 0.0 == 1.0 / 0.0', value: true },
  { name: 'NaN is not equal to itself', script: 'let n = 0.0 / 0.0; n == n', value: false },
  { name: 'NaN is unequal to itself', script: 'let n = 0.0 / 0.0; n != n', value: true },
  { name: 'arrays compare elements within epsilon', script: '[0.1 + 0.2, 1] == [0.3, 1]', value: true },
  { name: 'in uses the same equality', script: '0.3 in [0.1 + 0.2]', value: true },
  {
    name: 'variables compare the same as literals',
    script: 'let a = 0.1; let b = 0.2; a + b >= 0.3',
    value: true,
  },
];
