/** Conformance: oop object maps (cases in ./cases/oop-object-maps.ts). */
import { oopObjectMapsCases } from './cases/oop-object-maps.js';
import { defineCases } from './harness.js';

defineCases('oop object maps', oopObjectMapsCases);
