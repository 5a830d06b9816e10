/** Conformance: methods and this (cases in ./cases/methods-and-this.ts). */
import { methodsAndThisCases } from './cases/methods-and-this.js';
import { defineCases } from './harness.js';

defineCases('methods and this', methodsAndThisCases);
