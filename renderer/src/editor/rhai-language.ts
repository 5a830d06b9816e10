/**
 * Rhai syntax highlighting for CodeMirror: a stream tokenizer (Rhai has no Lezer grammar) that knows
 * the keywords, strings (with backtick templates and their `${}` parts), characters, numbers, nested
 * block comments and `module::` paths. Colours come from CSS variables so both themes can style them.
 */
import { HighlightStyle, StreamLanguage, type StringStream, syntaxHighlighting } from '@codemirror/language';
import { tags } from '@lezer/highlight';
import { FUNCTION_KEYWORDS, KEYWORDS } from '../../../server/rhai/parser/tokens.js';

const ATOMS: ReadonlySet<string> = new Set(['true', 'false']);

/**
 * The engine's own word lists (server/rhai is self-contained: its token module imports nothing at
 * run time), so the editor highlights exactly what the engine treats as keywords.
 */
export const RHAI_KEYWORDS = [...KEYWORDS].filter((word) => !ATOMS.has(word));

interface RhaiState {
  /** Depth of nested block comments we are inside. */
  commentDepth: number;
  /** Inside a backtick string (which may span lines); the brace depth of an open `${` within it. */
  template: boolean;
  interpolation: number;
}

function blockComment(stream: StringStream, state: RhaiState): string {
  while (!stream.eol()) {
    if (stream.match('/*')) state.commentDepth++;
    else if (stream.match('*/')) state.commentDepth--;
    else stream.next();
    if (state.commentDepth === 0) break;
  }
  return 'comment';
}

function quoted(stream: StringStream, quote: string): void {
  let escaped = false;
  for (;;) {
    const next = stream.next();
    if (next === undefined || (next === quote && !escaped)) return;
    escaped = !escaped && next === '\\';
  }
}

/** Text of a backtick string up to its end or the next `${` (which starts an interpolation token). */
function templateText(stream: StringStream, state: RhaiState): string {
  if (stream.match('${')) {
    state.interpolation = 1;
    return 'meta';
  }
  while (!stream.eol()) {
    if (stream.match('${', false)) return 'string';
    if (stream.next() === '`') {
      state.template = false;
      return 'string';
    }
  }
  return 'string';
}

export const rhaiLanguage = StreamLanguage.define<RhaiState>({
  name: 'rhai',
  startState: () => ({ commentDepth: 0, template: false, interpolation: 0 }),
  copyState: (state) => ({ ...state }),
  token(stream, state) {
    if (state.commentDepth > 0) return blockComment(stream, state);
    if (state.template && state.interpolation === 0) return templateText(stream, state);
    if (stream.eatSpace()) return null;
    if (state.template && state.interpolation > 0) {
      if (stream.peek() === '{') state.interpolation++;
      if (stream.peek() === '}') {
        state.interpolation--;
        if (state.interpolation === 0) {
          stream.next();
          return 'meta';
        }
      }
    }
    if (stream.match('//')) {
      stream.skipToEnd();
      return 'comment';
    }
    if (stream.match('/*')) {
      state.commentDepth = 1;
      return blockComment(stream, state);
    }
    const char = stream.peek();
    if (char === '"') {
      stream.next();
      quoted(stream, '"');
      return 'string';
    }
    if (char === "'") {
      stream.next();
      quoted(stream, "'");
      return 'string.special';
    }
    if (char === '`') {
      stream.next();
      state.template = true;
      state.interpolation = 0;
      return templateText(stream, state);
    }
    if (stream.match(/^0x[0-9a-fA-F_]+|^0o[0-7_]+|^0b[01_]+/)) return 'number';
    if (stream.match(/^\d[\d_]*(\.\d[\d_]*)?([eE][+-]?\d+)?/)) return 'number';
    if (stream.match('#{')) return 'bracket';
    if (stream.match(/^[A-Za-z_][A-Za-z0-9_]*/)) {
      const word = stream.current();
      if (stream.match('::', false)) return 'namespace';
      if (ATOMS.has(word)) return 'atom';
      if (KEYWORDS.has(word)) return 'keyword';
      if (FUNCTION_KEYWORDS.has(word)) return 'standard';
      if (stream.match(/^\s*\(/, false)) return 'function';
      return 'variableName';
    }
    if (stream.match(/^(::|=>|->|\?\.|\?\?|\.\.=?|[-+*/%=!<>&|^]=?|\*\*)/)) return 'operator';
    stream.next();
    return null;
  },
  languageData: {
    commentTokens: { line: '//', block: { open: '/*', close: '*/' } },
    closeBrackets: { brackets: ['(', '[', '{', '"', '`'] },
  },
  tokenTable: {
    namespace: tags.namespace,
    function: tags.function(tags.variableName),
    standard: tags.standard(tags.variableName),
    'string.special': tags.special(tags.string),
  },
});

/** Token colours as CSS variables (defined for light and dark in panel.css). */
export const rhaiHighlighting = syntaxHighlighting(
  HighlightStyle.define([
    { tag: tags.keyword, color: 'var(--cm-keyword)', fontWeight: '600' },
    { tag: [tags.atom, tags.bool], color: 'var(--cm-atom)' },
    { tag: tags.number, color: 'var(--cm-number)' },
    { tag: [tags.string, tags.special(tags.string)], color: 'var(--cm-string)' },
    { tag: tags.comment, color: 'var(--cm-comment)', fontStyle: 'italic' },
    { tag: tags.namespace, color: 'var(--cm-namespace)' },
    {
      tag: [tags.function(tags.variableName), tags.standard(tags.variableName)],
      color: 'var(--cm-function)',
    },
    { tag: tags.meta, color: 'var(--cm-keyword)' },
    { tag: tags.operator, color: 'var(--cm-operator)' },
  ]),
);
