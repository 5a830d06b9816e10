/** Book: language/comments.md, language/doc-comments.md — line, block, nested and doc comments. */
import type { ConformanceCase } from '../harness.js';

/** Comments anywhere whitespace may appear; block comments nest; doc comments are accepted. */
export const commentsCases: readonly ConformanceCase[] = [
  {
    name: 'book: intruder block comment',
    script: 'let /* intruder comment */ name = "Bob"; name',
    value: 'Bob',
  },
  { name: 'line comment', script: '// This is a very important one-line comment\n42', value: 42 },
  { name: 'line comment after code', script: 'let x = 1; // trailing\nx + 1', value: 2 },
  { name: 'line comment at end of input without a new-line', script: '7 // done', value: 7 },
  {
    name: 'book: multi-line block comment',
    script:
      '/* This comment spans\n   multiple lines, so it\n   only makes sense that\n   it is even more important */ 5',
    value: 5,
  },
  {
    name: 'book: nested block comments',
    script:
      '/* Fear not, Rhai satisfies all nesting needs with nested comments:\n   /*/*/*/*/**/*/*/*/*/\n*/ 9',
    value: 9,
  },
  {
    name: 'nested comment hides code',
    script: '/* outer /* inner */ still comment; print("no"); */ print("yes");',
    output: ['yes'],
  },
  { name: 'comment inside an expression', script: '1 + /* two */ 2', value: 3 },
  { name: 'comment inside an array literal', script: '[1, // one\n 2 /* two */]', value: [1, 2] },
  {
    name: 'comment markers inside strings are text',
    script: '"// not a comment /* nor this */"',
    value: '// not a comment /* nor this */',
  },
  { name: 'comment markers inside back-tick strings are text', script: '`/* keep */`', value: '/* keep */' },
  { name: 'doc comment before a function', script: '/// Adds one.\nfn inc(x) { x + 1 }\ninc(1)', value: 2 },
  {
    name: 'block doc comment before a function',
    script: '/** Adds two. */\nfn add2(x) { x + 2 }\nadd2(1)',
    value: 3,
  },
  { name: 'module doc comment', script: '//! This module does things.\n1', value: 1 },
  { name: 'long runs of slashes are plain comments', script: '//////////////\n3', value: 3 },
  { name: 'comment-only script is unit', script: '// nothing here', value: null },
  { name: 'division is not a comment', script: '8 / 2 / 2', value: 2 },
  { name: 'comment between statements', script: 'let a = 1; /* gap */ let b = 2; a + b', value: 3 },
  {
    name: 'comment on the line of a position sample',
    script: '/* skip */ let x = nope;',
    error: 'ErrorVariableNotFound',
    at: [1, 20],
  },
  {
    name: 'comments count for line numbers',
    script: '// line 1\n/* line 2\n line 3 */\nnope',
    error: 'ErrorVariableNotFound',
    at: [4, 1],
  },
];
