/** Conformance: assignments (cases in ./cases/assignments.ts). */
import { assignmentsCases } from './cases/assignments.js';
import { defineCases } from './harness.js';

defineCases('assignments', assignmentsCases);
