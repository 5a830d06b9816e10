/**
 * Opening the panel and then the script editor must cost under 300 KB of gzipped JavaScript: the entry
 * chunk and everything it imports, plus the editor's lazily loaded chunk and its imports. Measured on
 * the build `npm run build` made (renderer/dist), from Vite's manifest.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PANEL_DIR } from '../../server/paths.js';

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}

const BUDGET_BYTES = 300 * 1024;

function manifest(): Record<string, ManifestChunk> {
  return JSON.parse(readFileSync(join(PANEL_DIR, '.vite', 'manifest.json'), 'utf8'));
}

/** The files a chunk needs before it runs: itself and its static imports, transitively. */
function staticClosure(
  chunks: Record<string, ManifestChunk>,
  key: string,
  into = new Set<string>(),
): Set<string> {
  const chunk = chunks[key];
  if (!chunk || into.has(chunk.file)) return into;
  into.add(chunk.file);
  for (const imported of chunk.imports ?? []) staticClosure(chunks, imported, into);
  return into;
}

function gzippedSize(files: Iterable<string>): number {
  let total = 0;
  for (const file of files) total += gzipSync(readFileSync(join(PANEL_DIR, file)), { level: 9 }).length;
  return total;
}

describe('panel JavaScript budget', () => {
  const chunks = manifest();
  const entryKey = Object.keys(chunks).find((key) => chunks[key].isEntry);
  const editorKey = Object.keys(chunks).find((key) => key.endsWith('editor/script-editor-page.tsx'));

  it('the editor is a chunk of its own, loaded on demand', () => {
    expect(entryKey).toBeDefined();
    expect(editorKey).toBeDefined();
    expect(chunks[entryKey!].dynamicImports).toContain(editorKey);
    // CodeMirror is not in what the first screen loads.
    const first = [...staticClosure(chunks, entryKey!)].map((file) =>
      readFileSync(join(PANEL_DIR, file), 'utf8'),
    );
    expect(first.join('\n')).not.toContain('cm-editor');
  });

  it('panel + editor stay under 300 KB of gzipped JavaScript', () => {
    const first = staticClosure(chunks, entryKey!);
    const withEditor = staticClosure(chunks, editorKey!, new Set(first));
    const firstBytes = gzippedSize(first);
    const totalBytes = gzippedSize(withEditor);
    console.log(
      `panel JavaScript (gzip): first screen ${(firstBytes / 1024).toFixed(1)} KB, with the editor ${(totalBytes / 1024).toFixed(1)} KB (budget ${BUDGET_BYTES / 1024} KB)`,
    );
    expect(totalBytes).toBeLessThan(BUDGET_BYTES);
  });
});
