/**
 * Unsaved editor text, kept in the browser (localStorage) as it is typed: leaving the editor by any
 * way the panel cannot stop — a link, the breadcrumb, the browser's Back button, a crash — loses
 * nothing, and the editor offers the draft back when the script is opened again. A save or a discard
 * removes it.
 */

/** One kept draft. */
export interface Draft {
  source: string;
  /** The saved version the draft was edited from (0 for a script not created yet). */
  baseVersion: number;
  /** When it was last written (ISO). */
  savedAt: string;
}

const PREFIX = 'picloud.draft.';

/** The draft key of a saved script, or of a new one not created yet. */
export function draftKey(script: { id: string; app_id: string; name: string }): string {
  return script.id === '' ? `new:${script.app_id}:${script.name}` : script.id;
}

/** The draft kept under `key`, or null. */
export function readDraft(key: string): Draft | null {
  try {
    const value = JSON.parse(localStorage.getItem(PREFIX + key) ?? 'null') as Draft | null;
    return value && typeof value.source === 'string' ? value : null;
  } catch {
    return null;
  }
}

/** Keeps `source` as the draft of `key`. A full storage (quota) is not an error: the tab still works. */
export function writeDraft(key: string, source: string, baseVersion: number): void {
  try {
    localStorage.setItem(
      PREFIX + key,
      JSON.stringify({ source, baseVersion, savedAt: new Date().toISOString() } satisfies Draft),
    );
  } catch {
    // Storage full or disabled: the draft is not kept, the editor goes on.
  }
}

/** Forgets the draft of `key`. */
export function clearDraft(key: string): void {
  try {
    localStorage.removeItem(PREFIX + key);
  } catch {
    // Storage disabled: there is nothing to forget.
  }
}
