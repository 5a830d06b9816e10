/**
 * The app's scripts (endpoints and modules): open one in the editor, or start a new one there — it is
 * created by its first save, so that save is version 1.
 */
import { useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { api, query } from '../../api/client.js';
import type { Page, ScriptSummary } from '../../api/types.js';
import { ActionForm, Dialog, Empty, Field, formValues, Loaded } from '../../ui/components.js';
import { formatRelative } from '../../ui/format.js';
import { useAsync } from '../../ui/use-async.js';
import type { AppTabProps } from '../app-detail.js';

/** Lists an app's scripts, endpoints first. */
export function useAppScripts(appId: string) {
  return useAsync(
    () => api<Page<ScriptSummary>>('GET', `/admin/scripts${query({ app: appId, limit: 200 })}`),
    [appId],
  );
}

export function ScriptsTab({ app }: AppTabProps) {
  const state = useAppScripts(app.id);
  const [creating, setCreating] = useState(false);
  const [, navigate] = useLocation();
  return (
    <section aria-labelledby="scripts-title">
      <div class="row spread">
        <h2 id="scripts-title">Scripts</h2>
        <button type="button" class="primary" onClick={() => setCreating(true)}>
          New script
        </button>
      </div>
      <Loaded state={state}>
        {(page) =>
          page.items.length === 0 ? (
            <Empty>No scripts yet. An endpoint script answers HTTP requests once a route points at it.</Empty>
          ) : (
            <div class="table-wrap">
              <table class="data">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Version</th>
                    <th scope="col">Changed</th>
                  </tr>
                </thead>
                <tbody>
                  {[...page.items]
                    .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name))
                    .map((script) => (
                      <tr key={script.id}>
                        <td>
                          <Link href={`/apps/${app.slug}/scripts/${script.id}`}>{script.name}</Link>
                          {script.description && <div class="small muted">{script.description}</div>}
                        </td>
                        <td>
                          <span class={`badge badge-${script.kind}`}>{script.kind}</span>
                        </td>
                        <td>v{script.version}</td>
                        <td title={script.updated_at}>{formatRelative(script.updated_at)}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
      <Dialog title="New script" open={creating} onClose={() => setCreating(false)}>
        <ActionForm
          submitLabel="Open in the editor"
          onSubmit={async (form) => {
            const values = formValues(form);
            const name = values.name.trim();
            if (state.data?.items.some((script) => script.name === name)) {
              throw new Error(`The app already has a script named "${name}"`);
            }
            setCreating(false);
            navigate(
              `/apps/${app.slug}/new-script/${values.kind === 'module' ? 'module' : 'endpoint'}/${name}`,
            );
          }}
        >
          <Field
            label="Name"
            name="name"
            required
            autoFocus
            pattern="[A-Za-z_][A-Za-z0-9_\-]{0,63}"
            hint="Letters, digits, dashes and underscores, starting with a letter or underscore."
          />
          <fieldset class="row">
            <legend>Kind</legend>
            <label>
              <input type="radio" name="kind" value="endpoint" checked /> Endpoint (answers requests)
            </label>
            <label>
              <input type="radio" name="kind" value="module" /> Module (imported by other scripts)
            </label>
          </fieldset>
          <p class="small muted">It is created when you first save it.</p>
        </ActionForm>
      </Dialog>
    </section>
  );
}
