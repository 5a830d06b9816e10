/** Conformance: eval-scoping (cases in ./cases/eval-scoping.ts). */
import { evalScopingCases } from './cases/eval-scoping.js';
import { defineCases } from './harness.js';

defineCases('eval-scoping', evalScopingCases);
