/** Conformance: strings and chars (cases in ./cases/strings-and-chars.ts). */
import { stringsAndCharsCases } from './cases/strings-and-chars.js';
import { defineCases } from './harness.js';

defineCases('strings and chars', stringsAndCharsCases);
