/**
 * The editor's logic without a browser: what completes where (ctx fields, service functions, the
 * app's module names after `import "`), and where a diagnostic's line/column lands in the text.
 */
import { CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { EditorState, Text } from '@codemirror/state';
import { describe, expect, it } from 'vitest';
import { diagnosticRange } from '../../renderer/src/editor/code-editor.js';
import { rhaiCompletions } from '../../renderer/src/editor/rhai-completions.js';
import { ServiceBinding, sdkModules } from '../../server/executor/sdk/index.js';

/** Completes at the end of `before` (explicit: as Ctrl+Space would). */
function complete(before: string, modules: string[] = []): CompletionResult | null {
  const state = EditorState.create({ doc: before });
  const result = rhaiCompletions(() => modules)(new CompletionContext(state, before.length, true));
  return result instanceof Promise ? null : result;
}

const labels = (result: CompletionResult | null) => result?.options.map((option) => option.label) ?? [];

describe('editor completions', () => {
  it('ctx. offers the request fields, from after the dot', () => {
    const result = complete('let m = ctx.me');
    expect(labels(result)).toEqual(
      expect.arrayContaining(['method', 'path', 'params', 'query', 'body', 'trigger']),
    );
    expect(result?.from).toBe('let m = ctx.'.length);
  });

  it('service paths offer their functions', () => {
    expect(labels(complete('kv::'))).toEqual(['get', 'set', 'delete', 'list', 'incr']);
    expect(labels(complete('queue::se'))).toEqual(['send']);
    expect(labels(complete('http::'))).toEqual(['request', 'get', 'post']);
    expect(labels(complete('secret::'))).toEqual(['get']);
  });

  it('every SDK module offers exactly the functions the SDK defines', () => {
    const sdk = sdkModules(new ServiceBinding());
    for (const [module, host] of Object.entries(sdk)) {
      const defined = [...new Set((host.functions ?? []).map((def) => def.name))].sort();
      expect(labels(complete(`${module}::`)).sort(), module).toEqual(defined);
    }
    expect(labels(complete('ctx.'))).toContain('raw_body');
  });

  it('import " offers the app\'s modules', () => {
    const result = complete('import "ut', ['utils', 'units']);
    expect(labels(result)).toEqual(['utils', 'units']);
    expect(result?.from).toBe('import "'.length);
  });

  it('a bare word offers ctx, the services and keywords; nothing inside a number', () => {
    const words = labels(complete('le'));
    expect(words).toEqual(
      expect.arrayContaining(['ctx', 'kv', 'queue', 'crypto', 'time', 'let', 'fn', 'print']),
    );
    expect(complete('let x = 12')).toBeNull();
  });
});

describe('diagnostic positions', () => {
  const doc = Text.of(['let a = 1;', 'let b = a + ;', 'b']);

  it('marks the word at the line and column', () => {
    // Line 2, column 5 is "b".
    const range = diagnosticRange(doc, 2, 5);
    expect(doc.sliceString(range.from, range.to)).toBe('b');
  });

  it('marks a character at an operator, and the last character at the end of a line', () => {
    const operator = diagnosticRange(doc, 2, 13);
    expect(doc.sliceString(operator.from, operator.to)).toBe(';');
    const end = diagnosticRange(doc, 1, 11);
    expect(doc.sliceString(end.from, end.to)).toBe(';');
  });

  it('clamps lines and columns outside the text, and marks the start without a position', () => {
    const past = diagnosticRange(doc, 99, 1);
    expect(doc.lineAt(past.from).number).toBe(3);
    expect(diagnosticRange(doc, null, null)).toEqual({ from: 0, to: 1 });
  });
});
