/** Conformance: raw-strings (cases in ./cases/raw-strings.ts). */
import { rawStringsCases } from './cases/raw-strings.js';
import { defineCases } from './harness.js';

defineCases('raw-strings', rawStringsCases);
