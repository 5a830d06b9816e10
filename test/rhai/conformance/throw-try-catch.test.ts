/** Conformance: throw try catch (cases in ./cases/throw-try-catch.ts). */
import { throwTryCatchCases } from './cases/throw-try-catch.js';
import { defineCases } from './harness.js';

defineCases('throw try catch', throwTryCatchCases);
