/** Conformance: arrays (cases in ./cases/arrays.ts). */
import { arraysCases } from './cases/arrays.js';
import { defineCases } from './harness.js';

defineCases('arrays', arraysCases);
