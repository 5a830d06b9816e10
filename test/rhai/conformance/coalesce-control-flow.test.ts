/** Conformance: coalesce-control-flow (cases in ./cases/coalesce-control-flow.ts). */
import { coalesceControlFlowCases } from './cases/coalesce-control-flow.js';
import { defineCases } from './harness.js';

defineCases('coalesce-control-flow', coalesceControlFlowCases);
