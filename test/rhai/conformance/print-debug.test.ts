/** Conformance: print debug (cases in ./cases/print-debug.ts). */
import { printDebugCases } from './cases/print-debug.js';
import { defineCases } from './harness.js';

defineCases('print debug', printDebugCases);
