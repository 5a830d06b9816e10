/** Conformance: string-subtraction (cases in ./cases/string-subtraction.ts). */
import { stringSubtractionCases } from './cases/string-subtraction.js';
import { defineCases } from './harness.js';

defineCases('string-subtraction', stringSubtractionCases);
