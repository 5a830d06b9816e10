/** Conformance: errors-and-exact-ints (cases in ./cases/errors-and-exact-ints.ts). */
import { errorsAndExactIntsCases } from './cases/errors-and-exact-ints.js';
import { defineCases } from './harness.js';

defineCases('errors-and-exact-ints', errorsAndExactIntsCases);
