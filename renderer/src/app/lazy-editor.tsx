/**
 * The script editor (CodeMirror and its language support) is a chunk of its own, fetched when an
 * editor opens: the app list and the other screens load without it.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ScriptEditorProps } from '../editor/script-editor-page.js';
import { Notice } from '../ui/components.js';

type EditorModule = typeof import('../editor/script-editor-page.js');
let loaded: Promise<EditorModule> | null = null;

export function LazyScriptEditor(props: ScriptEditorProps) {
  const [module, setModule] = useState<EditorModule | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    loaded ??= import('../editor/script-editor-page.js');
    loaded.then(setModule, (caught) => {
      loaded = null;
      setError(caught);
    });
  }, []);
  if (error !== undefined) return <Notice error={error} />;
  if (!module) {
    return (
      <p class="muted" aria-busy="true">
        Loading the editor…
      </p>
    );
  }
  return <module.ScriptEditorPage {...props} />;
}
