/** Conformance: bit fields (cases in ./cases/bit-fields.ts). */
import { bitFieldsCases } from './cases/bit-fields.js';
import { defineCases } from './harness.js';

defineCases('bit fields', bitFieldsCases);
