/** Conformance: function pointers and closures (cases in ./cases/function-pointers-and-closures.ts). */
import { functionPointersAndClosuresCases } from './cases/function-pointers-and-closures.js';
import { defineCases } from './harness.js';

defineCases('function pointers and closures', functionPointersAndClosuresCases);
