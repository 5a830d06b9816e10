/**
 * The app's routes: which method and path run which endpoint script, optionally only for one host and
 * only for callers with an API token of a given scope. Each route shows the URLs that reach it on the
 * LAN, with copy and a QR code for phones.
 */
import { useState } from 'preact/hooks';
import { api, seg } from '../../api/client.js';
import { OFFERED_SCOPES } from '../../api/scopes.js';
import type { NodeInfo, RouteInfo, ScriptSummary } from '../../api/types.js';
import { ActionButton, ActionForm, Dialog, Empty, Field, formValues, Loaded } from '../../ui/components.js';
import { useAsync } from '../../ui/use-async.js';
import type { AppTabProps } from '../app-detail.js';
import { EndpointLinks } from '../endpoint-links.js';
import { nodeInfo } from '../endpoint-urls.js';
import { useAppScripts } from './scripts-tab.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

export function RoutesTab({ app }: AppTabProps) {
  const routes = useAsync(
    () => api<{ items: RouteInfo[] }>('GET', `/admin/apps/${seg(app.id)}/routes`),
    [app.id],
  );
  const scripts = useAppScripts(app.id);
  const node = useAsync(nodeInfo, []);
  const [editing, setEditing] = useState<RouteInfo | 'new' | null>(null);
  const endpoints = (scripts.data?.items ?? []).filter((script) => script.kind === 'endpoint');

  return (
    <section aria-labelledby="routes-title">
      <div class="row spread">
        <h2 id="routes-title">Routes</h2>
        <button
          type="button"
          class="primary"
          onClick={() => setEditing('new')}
          disabled={endpoints.length === 0}
        >
          Add route
        </button>
      </div>
      {scripts.data && endpoints.length === 0 && <p class="muted">Create an endpoint script first.</p>}
      <Loaded state={routes}>
        {({ items }) =>
          items.length === 0 ? (
            <Empty>No routes yet. A route makes an endpoint script answer at a path.</Empty>
          ) : (
            <ul class="stack plain" aria-label="Routes">
              {items.map((route) => (
                <li key={route.id} class="card">
                  <div class="row spread">
                    <div class="grow">
                      <strong class="mono">
                        {route.methods.join(', ')} {route.path}
                      </strong>
                      <div class="small muted">
                        runs <span class="mono">{route.script_name}</span>
                        {route.host && (
                          <>
                            {' '}
                            · host <span class="mono">{route.host}</span>
                          </>
                        )}
                        {' · '}
                        {route.required_scope
                          ? `needs a token with ${route.required_scope}`
                          : 'anyone may call'}
                      </div>
                    </div>
                    <div class="row">
                      <button
                        type="button"
                        onClick={() => setEditing(route)}
                        aria-label={`Edit route ${route.path}`}
                      >
                        Edit
                      </button>
                      <ActionButton
                        class="danger"
                        label={`Delete route ${route.path}`}
                        confirm={`Delete the route ${route.methods.join(', ')} ${route.path}?`}
                        action={async () => {
                          await api('DELETE', `/admin/apps/${seg(app.id)}/routes/${route.id}`);
                          await routes.reload();
                        }}
                      >
                        Delete
                      </ActionButton>
                    </div>
                  </div>
                  {node.data && <EndpointLinks app={app} node={node.data as NodeInfo} route={route} />}
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
      <Dialog
        title={editing === 'new' ? 'Add route' : 'Edit route'}
        open={editing !== null}
        onClose={() => setEditing(null)}
      >
        {editing !== null && (
          <RouteForm
            route={editing === 'new' ? null : editing}
            endpoints={endpoints}
            hosts={app.domains.filter((domain) => domain.kind === 'exact').map((domain) => domain.pattern)}
            onSave={async (body) => {
              if (editing === 'new') await api('POST', `/admin/apps/${seg(app.id)}/routes`, body);
              else await api('PATCH', `/admin/apps/${seg(app.id)}/routes/${editing.id}`, body);
              setEditing(null);
              await routes.reload();
            }}
          />
        )}
      </Dialog>
    </section>
  );
}

function RouteForm({
  route,
  endpoints,
  hosts,
  onSave,
}: {
  route: RouteInfo | null;
  endpoints: ScriptSummary[];
  hosts: string[];
  onSave: (body: Record<string, unknown>) => Promise<void>;
}) {
  const selected = new Set(route?.methods ?? ['GET']);
  return (
    <ActionForm
      submitLabel={route ? 'Save route' : 'Add route'}
      onSubmit={async (form) => {
        const values = formValues(form);
        const methods = new FormData(form).getAll('methods').map(String);
        if (methods.length === 0) throw new Error('Choose at least one method');
        await onSave({
          script: values.script,
          methods,
          path: values.path.trim(),
          host: values.host || null,
          required_scope: values.required_scope || null,
        });
      }}
    >
      <div class="field">
        <label for="route-script">Script</label>
        <select id="route-script" name="script" required>
          {endpoints.map((script) => (
            <option key={script.id} value={script.id} selected={script.id === route?.script_id}>
              {script.name}
            </option>
          ))}
        </select>
      </div>
      <fieldset class="row">
        <legend>Methods</legend>
        {METHODS.map((method) => (
          <label key={method} class="check">
            <input type="checkbox" name="methods" value={method} checked={selected.has(method)} /> {method}
          </label>
        ))}
      </fieldset>
      <Field
        label="Path"
        name="path"
        required
        value={route?.path ?? '/'}
        pattern="/.*"
        hint='Starts with "/". ":name" captures a segment (ctx.params.name); a trailing "*" captures the rest.'
      />
      <div class="field">
        <label for="route-host">Host</label>
        <select id="route-host" name="host">
          <option value="">Any host of the app</option>
          {hosts.map((host) => (
            <option key={host} value={host} selected={host === route?.host}>
              {host}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="route-scope">Who may call</label>
        <select id="route-scope" name="required_scope">
          <option value="">Anyone on the network</option>
          {OFFERED_SCOPES.map((scope) => (
            <option key={scope} value={scope} selected={scope === route?.required_scope}>
              Callers with an API token holding {scope}
            </option>
          ))}
        </select>
      </div>
    </ActionForm>
  );
}
