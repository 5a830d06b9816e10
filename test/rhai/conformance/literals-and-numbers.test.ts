/** Conformance: literals and numbers (cases in ./cases/literals-and-numbers.ts). */
import { literalsAndNumbersCases } from './cases/literals-and-numbers.js';
import { defineCases } from './harness.js';

defineCases('literals and numbers', literalsAndNumbersCases);
