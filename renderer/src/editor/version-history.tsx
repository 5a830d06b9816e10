/**
 * A script's versions, newest first: pick one to see what differs from the text in the editor, and
 * roll back to it (which saves it again as a new version, so history only grows).
 */
import { diffLines } from 'diff';
import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { Page, Script, ScriptVersion } from '../api/types.js';
import { ActionButton, Loaded } from '../ui/components.js';
import { formatRelative } from '../ui/format.js';
import { useAsync } from '../ui/use-async.js';

export function VersionHistory({
  script,
  draft,
  onRolledBack,
}: {
  script: Script;
  draft: string;
  onRolledBack: (script: Script) => void;
}) {
  const versions = useAsync(
    () => api<Page<ScriptVersion>>('GET', `/admin/scripts/${script.id}/versions?limit=100`),
    [script.id, script.version],
  );
  const [selected, setSelected] = useState<number | null>(null);
  const chosen = useAsync(
    async () =>
      selected === null
        ? null
        : api<ScriptVersion>('GET', `/admin/scripts/${script.id}/versions/${selected}`),
    [script.id, selected],
  );

  return (
    <div class="stack">
      <Loaded state={versions}>
        {(page) => (
          <ol class="plain versions" aria-label="Versions">
            {page.items.map((version) => (
              <li key={version.version}>
                <button
                  type="button"
                  class={`version ${selected === version.version ? 'selected' : ''}`}
                  aria-pressed={selected === version.version}
                  onClick={() => setSelected(version.version)}
                >
                  <strong>v{version.version}</strong>
                  {version.version === script.version && <span class="badge">live</span>}{' '}
                  <span class="small muted">{formatRelative(version.created_at)}</span>
                  {version.message && <span class="small version-message">{version.message}</span>}
                </button>
              </li>
            ))}
          </ol>
        )}
      </Loaded>
      {selected !== null && chosen.data && (
        <div class="stack">
          <div class="row spread">
            <h3>v{chosen.data.version} → editor</h3>
            {chosen.data.version !== script.version && (
              <ActionButton
                class="primary"
                confirm={`Roll back to version ${chosen.data.version}? It becomes the live version (saved as a new version).`}
                action={async () => {
                  const next = await api<Script>('POST', `/admin/scripts/${script.id}/rollback`, {
                    version: chosen.data!.version,
                  });
                  setSelected(null);
                  onRolledBack(next);
                }}
              >
                Roll back to v{chosen.data.version}
              </ActionButton>
            )}
          </div>
          <Diff before={chosen.data.source ?? ''} after={draft} />
        </div>
      )}
    </div>
  );
}

/** A line diff: removed lines (in the old version), added lines (in the editor), context between. */
function Diff({ before, after }: { before: string; after: string }) {
  const parts = diffLines(before, after);
  if (parts.every((part) => !part.added && !part.removed)) {
    return <p class="muted small">Same as the text in the editor.</p>;
  }
  return (
    <section aria-label="Differences">
      <pre class="diff">
        {parts.flatMap((part, index) =>
          part.value
            .replace(/\n$/, '')
            .split('\n')
            .map((line, lineIndex) => (
              <span
                key={`${index}-${lineIndex}`}
                class={part.added ? 'diff-add' : part.removed ? 'diff-del' : 'diff-same'}
              >
                <span aria-hidden="true">{part.added ? '+ ' : part.removed ? '- ' : '  '}</span>
                <span class="sr-only">{part.added ? 'added: ' : part.removed ? 'removed: ' : ''}</span>
                {line}
                {'\n'}
              </span>
            )),
        )}
      </pre>
    </section>
  );
}
