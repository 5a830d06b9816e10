/** Conformance: function-names-and-callbacks (cases in ./cases/function-names-and-callbacks.ts). */
import { functionNamesAndCallbacksCases } from './cases/function-names-and-callbacks.js';
import { defineCases } from './harness.js';

defineCases('function-names-and-callbacks', functionNamesAndCallbacksCases);
