/** Conformance: float-comparison (cases in ./cases/float-comparison.ts). */
import { floatComparisonCases } from './cases/float-comparison.js';
import { defineCases } from './harness.js';

defineCases('float-comparison', floatComparisonCases);
