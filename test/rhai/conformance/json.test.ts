/** Conformance: json (cases in ./cases/json.ts). */
import { jsonCases } from './cases/json.js';
import { defineCases } from './harness.js';

defineCases('json', jsonCases);
