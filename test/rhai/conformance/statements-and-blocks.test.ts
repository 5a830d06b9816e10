/** Conformance: statements and blocks (cases in ./cases/statements-and-blocks.ts). */
import { statementsAndBlocksCases } from './cases/statements-and-blocks.js';
import { defineCases } from './harness.js';

defineCases('statements and blocks', statementsAndBlocksCases);
