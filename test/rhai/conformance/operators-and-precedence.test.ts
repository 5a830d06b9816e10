/** Conformance: operators and precedence (cases in ./cases/operators-and-precedence.ts). */
import { operatorsAndPrecedenceCases } from './cases/operators-and-precedence.js';
import { defineCases } from './harness.js';

defineCases('operators and precedence', operatorsAndPrecedenceCases);
