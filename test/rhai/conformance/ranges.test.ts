/** Conformance: ranges (cases in ./cases/ranges.ts). */
import { rangesCases } from './cases/ranges.js';
import { defineCases } from './harness.js';

defineCases('ranges', rangesCases);
