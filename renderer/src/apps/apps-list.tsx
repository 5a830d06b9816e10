/** The home screen: every app with its domains and a way to create one. */
import { useEffect, useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { api } from '../api/client.js';
import type { App, Page } from '../api/types.js';
import { ActionForm, Dialog, Empty, Field, formValues, Loaded } from '../ui/components.js';
import { useAsync } from '../ui/use-async.js';
import { ImportCard } from './bundle-cards.js';

export function AppsList() {
  const state = useAsync(() => api<Page<App>>('GET', '/admin/apps?limit=200'), []);
  const [creating, setCreating] = useState(false);
  const [, navigate] = useLocation();
  useEffect(() => {
    document.title = 'Apps · PiCloud';
  }, []);
  return (
    <section>
      <div class="row spread">
        <h1>Apps</h1>
        <button type="button" class="primary" onClick={() => setCreating(true)}>
          New app
        </button>
      </div>
      <p class="muted">
        An app groups scripts, routes, domains, KV data and logs. Each app is isolated from the others.
      </p>
      <Loaded state={state}>
        {(page) =>
          page.items.length === 0 ? (
            <Empty>No apps yet. Create one to start writing endpoints.</Empty>
          ) : (
            <ul class="cards plain" aria-label="Apps">
              {page.items.map((app) => (
                <li key={app.id} class="card">
                  <h2 class="card-title">
                    <Link href={`/apps/${app.slug}`}>{app.name || app.slug}</Link>
                  </h2>
                  <p class="small muted mono">{app.slug}</p>
                  {app.description && <p class="small">{app.description}</p>}
                  <p class="small">
                    {app.domains.length === 0
                      ? 'No domains'
                      : app.domains.map((domain) => domain.pattern).join(', ')}
                  </p>
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
      <ImportCard onImported={() => void state.reload()} />
      <Dialog title="New app" open={creating} onClose={() => setCreating(false)}>
        <ActionForm
          submitLabel="Create app"
          onSubmit={async (form) => {
            const values = formValues(form);
            const app = await api<App>('POST', '/admin/apps', {
              slug: values.slug.trim(),
              name: values.name.trim() || undefined,
              description: values.description.trim() || undefined,
            });
            setCreating(false);
            navigate(`/apps/${app.slug}`);
          }}
        >
          <Field
            label="Slug"
            name="slug"
            required
            pattern="[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?"
            hint="Lower-case letters, digits and dashes; used in URLs and the API."
            autoFocus
          />
          <Field label="Name" name="name" hint="Shown in the panel (optional)." />
          <Field label="Description" name="description" />
        </ActionForm>
      </Dialog>
    </section>
  );
}
