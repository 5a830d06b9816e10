/**
 * The CodeMirror 6 editor for Rhai scripts: highlighting, completion, live diagnostics from the
 * server's compile check (line/column markers in the text and the gutter). Saving (Mod-S) is the
 * page's: it works wherever the focus is.
 */
import { autocompletion } from '@codemirror/autocomplete';
import { indentWithTab } from '@codemirror/commands';
import { type Diagnostic as CmDiagnostic, linter, lintGutter, setDiagnostics } from '@codemirror/lint';
import { EditorState, type Text } from '@codemirror/state';
import { keymap } from '@codemirror/view';
import { basicSetup, EditorView } from 'codemirror';
import type { Diagnostic } from '../api/types.js';
import { rhaiCompletions } from './rhai-completions.js';
import { rhaiHighlighting, rhaiLanguage } from './rhai-language.js';

export interface CodeEditorOptions {
  parent: HTMLElement;
  doc: string;
  /** Accessible name of the text area. */
  label: string;
  onChange: (doc: string) => void;
  /** The server's compile check of a source. */
  check: (source: string) => Promise<Diagnostic[]>;
  moduleNames: () => string[];
  /** Called with the diagnostics after each check, for the list under the editor. */
  onDiagnostics: (diagnostics: Diagnostic[]) => void;
}

/** Pause in typing before the source is checked. */
const CHECK_DELAY_MS = 350;

/** A diagnostic's 1-based line/column as a range of the document (the word at the position). */
export function diagnosticRange(
  doc: Text,
  line: number | null,
  column: number | null,
): { from: number; to: number } {
  if (line === null) return { from: 0, to: Math.min(1, doc.length) };
  const target = doc.line(Math.min(Math.max(line, 1), doc.lines));
  const from = Math.min(target.from + Math.max((column ?? 1) - 1, 0), target.to);
  const rest = doc.sliceString(from, target.to);
  const word = /^\w+/.exec(rest)?.[0].length ?? 1;
  const to = Math.min(from + word, target.to);
  // An error at the end of a line (a missing `;`) marks the last character so it stays visible.
  return to > from
    ? { from, to }
    : { from: Math.max(target.from, from - 1), to: Math.max(from, target.from + 1) };
}

function toCm(doc: Text, diagnostics: Diagnostic[]): CmDiagnostic[] {
  return diagnostics.map((diagnostic) => ({
    ...diagnosticRange(doc, diagnostic.line, diagnostic.column),
    severity: diagnostic.severity === 'warning' ? 'warning' : 'error',
    message: diagnostic.message,
    source: diagnostic.kind,
  }));
}

const editorTheme = EditorView.theme({
  '&': { backgroundColor: 'var(--surface)', color: 'var(--text)', height: '100%' },
  '.cm-content': { caretColor: 'var(--text)', fontFamily: 'var(--mono)' },
  '.cm-gutters': {
    backgroundColor: 'var(--surface-2)',
    color: 'var(--muted)',
    borderRight: '1px solid var(--border)',
  },
  '.cm-activeLine': { backgroundColor: 'var(--cm-active-line)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--cm-active-line)' },
  '&.cm-focused .cm-cursor': { borderLeftColor: 'var(--text)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': {
    backgroundColor: 'var(--cm-selection) !important',
  },
  '.cm-tooltip': {
    backgroundColor: 'var(--surface)',
    color: 'var(--text)',
    border: '1px solid var(--border)',
  },
  '.cm-scroller': { overflow: 'auto' },
});

export interface CodeEditor {
  view: EditorView;
  /** Replaces the whole text (after a rollback or reload), keeping nothing of the old undo history. */
  setDoc: (doc: string) => void;
  /** Moves the cursor to a 1-based line (and column) and shows it. */
  goTo: (line: number, column?: number) => void;
  /** Shows diagnostics the server gave on save. */
  showDiagnostics: (diagnostics: Diagnostic[]) => void;
  destroy: () => void;
}

export function createCodeEditor(options: CodeEditorOptions): CodeEditor {
  const extensions = () => [
    basicSetup,
    keymap.of([indentWithTab]),
    rhaiLanguage,
    rhaiHighlighting,
    autocompletion({ override: [rhaiCompletions(options.moduleNames)] }),
    lintGutter(),
    linter(
      async (view) => {
        const source = view.state.doc.toString();
        try {
          const diagnostics = await options.check(source);
          // The text may have changed while the check ran: its positions would be wrong then.
          if (view.state.doc.toString() !== source) return [];
          options.onDiagnostics(diagnostics);
          return toCm(view.state.doc, diagnostics);
        } catch {
          // A failed check (server unreachable) shows nothing rather than stale markers.
          return [];
        }
      },
      { delay: CHECK_DELAY_MS },
    ),
    EditorView.updateListener.of((update) => {
      if (update.docChanged) options.onChange(update.state.doc.toString());
    }),
    EditorView.contentAttributes.of({ 'aria-label': options.label }),
    editorTheme,
  ];
  const view = new EditorView({
    parent: options.parent,
    state: EditorState.create({ doc: options.doc, extensions: extensions() }),
  });
  return {
    view,
    setDoc(doc) {
      view.setState(EditorState.create({ doc, extensions: extensions() }));
    },
    goTo(line, column = 1) {
      const doc = view.state.doc;
      const target = doc.line(Math.min(Math.max(line, 1), doc.lines));
      const pos = Math.min(target.from + column - 1, target.to);
      view.dispatch({ selection: { anchor: pos }, effects: EditorView.scrollIntoView(pos, { y: 'center' }) });
      view.focus();
    },
    showDiagnostics(diagnostics) {
      view.dispatch(setDiagnostics(view.state, toCm(view.state.doc, diagnostics)));
      options.onDiagnostics(diagnostics);
    },
    destroy() {
      view.destroy();
    },
  };
}
