/** Conformance: if switch (cases in ./cases/if-switch.ts). */
import { ifSwitchCases } from './cases/if-switch.js';
import { defineCases } from './harness.js';

defineCases('if switch', ifSwitchCases);
