/** Conformance: loops (cases in ./cases/loops.ts). */
import { loopsCases } from './cases/loops.js';
import { defineCases } from './harness.js';

defineCases('loops', loopsCases);
