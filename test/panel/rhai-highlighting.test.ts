/**
 * The editor's Rhai highlighting, tokenised headlessly: each construct gets the right highlight class,
 * including template strings with interpolations, nested block comments and module paths.
 */
import { classHighlighter, highlightTree } from '@lezer/highlight';
import { describe, expect, it } from 'vitest';
import { rhaiLanguage } from '../../renderer/src/editor/rhai-language.js';

/** [text, classes] for each highlighted span of the source. */
function spans(source: string): [string, string][] {
  const tree = rhaiLanguage.parser.parse(source);
  const out: [string, string][] = [];
  highlightTree(tree, classHighlighter, (from, to, classes) => out.push([source.slice(from, to), classes]));
  return out;
}

function classOf(source: string, text: string): string | undefined {
  return spans(source).find(([span]) => span === text)?.[1];
}

describe('Rhai highlighting', () => {
  it('keywords, literals, comments and calls', () => {
    const source = 'let x = 42; // answer\nif x > 1 { print("big") } else { false }';
    expect(classOf(source, 'let')).toBe('tok-keyword');
    expect(classOf(source, 'if')).toBe('tok-keyword');
    expect(classOf(source, '42')).toBe('tok-number');
    expect(classOf(source, '// answer')).toBe('tok-comment');
    expect(classOf(source, '"big"')).toBe('tok-string');
    expect(classOf(source, 'false')).toBe('tok-atom');
  });

  it('a template string: text and interpolation markers, with code inside', () => {
    const source = 'let s = `Hi, ${name}!`;\nlet t = 1;';
    const all = spans(source);
    expect(all).toContainEqual(['`Hi, ', 'tok-string']);
    expect(all).toContainEqual(['${', 'tok-meta']);
    expect(all).toContainEqual(['}', 'tok-meta']);
    expect(all).toContainEqual(['!`', 'tok-string']);
    // After the string closes, code is code again.
    expect(all.filter(([text]) => text === 'let').length).toBe(2);
    expect(classOf(source, '1')).toBe('tok-number');
  });

  it('nested block comments and multi-line templates carry over lines', () => {
    const source = '/* a /* b */ still comment */ let y = `line one\nline two`; 7';
    expect(classOf(source, '/* a /* b */ still comment */')).toBe('tok-comment');
    expect(spans(source)).toContainEqual(['line two`', 'tok-string']);
    expect(classOf(source, '7')).toBe('tok-number');
  });

  it('service paths and built-in functions', () => {
    const source = 'kv::set("c", "k", 1); print(type_of(x));';
    expect(classOf(source, 'kv')).toBe('tok-namespace');
    expect(classOf(source, 'set')).toContain('tok-variableName');
    expect(classOf(source, 'type_of')).toContain('tok-variableName');
  });
});
