/** Conformance: standard library math (cases in ./cases/standard-library-math.ts). */
import { standardLibraryMathCases } from './cases/standard-library-math.js';
import { defineCases } from './harness.js';

defineCases('standard library math', standardLibraryMathCases);
