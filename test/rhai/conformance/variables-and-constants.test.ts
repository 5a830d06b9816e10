/** Conformance: variables and constants (cases in ./cases/variables-and-constants.ts). */
import { variablesAndConstantsCases } from './cases/variables-and-constants.js';
import { defineCases } from './harness.js';

defineCases('variables and constants', variablesAndConstantsCases);
