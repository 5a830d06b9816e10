/** Conformance: functions (cases in ./cases/functions.ts). */
import { functionsCases } from './cases/functions.js';
import { defineCases } from './harness.js';

defineCases('functions', functionsCases);
