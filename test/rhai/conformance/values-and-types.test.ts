/** Conformance: values and types (cases in ./cases/values-and-types.ts). */
import { valuesAndTypesCases } from './cases/values-and-types.js';
import { defineCases } from './harness.js';

defineCases('values and types', valuesAndTypesCases);
