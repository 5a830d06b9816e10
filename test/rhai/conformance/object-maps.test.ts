/** Conformance: object maps (cases in ./cases/object-maps.ts). */
import { objectMapsCases } from './cases/object-maps.js';
import { defineCases } from './harness.js';

defineCases('object maps', objectMapsCases);
