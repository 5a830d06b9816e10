/** Conformance: string-slices (cases in ./cases/string-slices.ts). */
import { stringSlicesCases } from './cases/string-slices.js';
import { defineCases } from './harness.js';

defineCases('string-slices', stringSlicesCases);
