/** Conformance: type conversions (cases in ./cases/type-conversions.ts). */
import { typeConversionsCases } from './cases/type-conversions.js';
import { defineCases } from './harness.js';

defineCases('type conversions', typeConversionsCases);
