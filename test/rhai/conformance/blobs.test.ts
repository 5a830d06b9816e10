/** Conformance: blobs (cases in ./cases/blobs.ts). */
import { blobsCases } from './cases/blobs.js';
import { defineCases } from './harness.js';

defineCases('blobs', blobsCases);
