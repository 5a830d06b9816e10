/** Conformance: comments (cases in ./cases/comments.ts). */
import { commentsCases } from './cases/comments.js';
import { defineCases } from './harness.js';

defineCases('comments', commentsCases);
