/** Conformance: optional-chaining (cases in ./cases/optional-chaining.ts). */
import { optionalChainingCases } from './cases/optional-chaining.js';
import { defineCases } from './harness.js';

defineCases('optional-chaining', optionalChainingCases);
