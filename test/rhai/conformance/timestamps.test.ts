/** Conformance: timestamps (cases in ./cases/timestamps.ts). */
import { timestampsCases } from './cases/timestamps.js';
import { defineCases } from './harness.js';

defineCases('timestamps', timestampsCases);
