/** Conformance: string interpolation (cases in ./cases/string-interpolation.ts). */
import { stringInterpolationCases } from './cases/string-interpolation.js';
import { defineCases } from './harness.js';

defineCases('string interpolation', stringInterpolationCases);
