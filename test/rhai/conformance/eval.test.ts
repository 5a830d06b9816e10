/** Conformance: eval (cases in ./cases/eval.ts). */
import { evalCases } from './cases/eval.js';
import { defineCases } from './harness.js';

defineCases('eval', evalCases);
