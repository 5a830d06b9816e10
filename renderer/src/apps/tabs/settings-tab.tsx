/**
 * An app's settings: name and description, its slug (checked live as one types; a rename keeps the old
 * slug redirecting), which browser origins may call its endpoints (CORS), which hosts its scripts may
 * call, its secrets (write-only), and deleting it.
 */
import { useEffect, useId, useState } from 'preact/hooks';
import { useLocation } from 'wouter-preact';
import { api, errorMessage, seg } from '../../api/client.js';
import type { App, SecretInfo } from '../../api/types.js';
import {
  ActionButton,
  ActionForm,
  Dialog,
  Empty,
  Field,
  formValues,
  Loaded,
  Notice,
  TextAreaField,
} from '../../ui/components.js';
import { useAsync } from '../../ui/use-async.js';
import type { AppTabProps } from '../app-detail.js';
import { ExportCard } from '../bundle-cards.js';
import { linesOf, RelativeTime, useDebounced } from './tab-helpers.js';

/** The API's slug rule (server/manager/schemas.ts): a DNS label, never shaped like a UUID. */
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The API's secret-name rule (server/manager/secrets/secret-store.ts). */
const SECRET_NAME = '[A-Za-z_][A-Za-z0-9_.\\-]{0,127}';

export function SettingsTab(props: AppTabProps) {
  return (
    <div class="settings-grid settings-tab">
      <GeneralCard {...props} />
      <SlugCard {...props} />
      <CorsCard {...props} />
      <OutboundCard {...props} />
      <SecretsCard app={props.app} />
      <ExportCard app={props.app} />
      <DangerZone app={props.app} />
    </div>
  );
}

function GeneralCard({ app, reloadApp }: AppTabProps) {
  return (
    <section class="card" aria-labelledby="settings-general">
      <h2 id="settings-general">General</h2>
      <ActionForm
        submitLabel="Save"
        onSubmit={async (form) => {
          const values = formValues(form);
          const name = values.name.trim();
          if (!name) throw new Error('The name cannot be empty');
          await api<App>('PATCH', `/admin/apps/${seg(app.id)}`, {
            name,
            description: values.description.trim(),
          });
          await reloadApp();
          return 'Saved.';
        }}
      >
        <Field label="Name" name="name" required maxLength={200} defaultValue={app.name} autoComplete="off" />
        <TextAreaField
          label="Description"
          name="description"
          maxLength={2000}
          rows={3}
          class="prose"
          defaultValue={app.description}
        />
      </ActionForm>
    </section>
  );
}

interface SlugCheck {
  slug: string;
  available: boolean;
  conflict?: { reason: 'taken' | 'retired'; app: { id: string; slug: string } };
}

type SlugStatus =
  | { tone: 'none' | 'pending'; text: string }
  | { tone: 'bad'; text: string }
  | { tone: 'ok'; text: string; check: SlugCheck }
  | { tone: 'warn'; text: string; check: SlugCheck; other: string };

/** Asks the API whether a slug is free, 300 ms after typing stops; only the latest answer counts. */
function useSlugStatus(app: App, typed: string): SlugStatus {
  const wanted = typed.trim().toLowerCase();
  const settled = useDebounced(wanted, 300);
  const [answer, setAnswer] = useState<{ slug: string; check?: SlugCheck; error?: unknown } | null>(null);
  const valid = SLUG.test(settled) && !UUID.test(settled);
  useEffect(() => {
    if (!valid || settled === app.slug) return;
    let current = true;
    api<SlugCheck>('POST', `/admin/apps/${seg(app.id)}/slug:check`, { slug: settled }).then(
      (check) => current && setAnswer({ slug: settled, check }),
      (error) => current && setAnswer({ slug: settled, error }),
    );
    return () => {
      current = false;
    };
  }, [app.id, app.slug, settled, valid]);

  if (wanted === app.slug) return { tone: 'none', text: 'This is the current slug.' };
  if (!wanted) return { tone: 'bad', text: 'A slug cannot be empty.' };
  if (UUID.test(wanted)) return { tone: 'bad', text: 'A slug cannot look like an id (a UUID).' };
  if (!SLUG.test(wanted)) {
    return {
      tone: 'bad',
      text: 'Use letters, digits and dashes (not first or last), at most 63 characters.',
    };
  }
  if (answer?.slug !== wanted) return { tone: 'pending', text: 'Checking…' };
  if (answer.error !== undefined) return { tone: 'bad', text: errorMessage(answer.error) };
  const check = answer.check!;
  if (check.available) return { tone: 'ok', text: `✓ “${check.slug}” is free.`, check };
  const other = check.conflict?.app.slug ?? 'another app';
  if (check.conflict?.reason === 'retired') {
    return {
      tone: 'warn',
      text: `“${check.slug}” is an old slug of “${other}” and still redirects there. Taking it ends that redirect.`,
      check,
      other,
    };
  }
  return { tone: 'bad', text: `✗ “${check.slug}” is used by the app “${other}”.` };
}

function SlugCard({ app, reloadApp }: AppTabProps) {
  const [typed, setTyped] = useState(app.slug);
  const [, navigate] = useLocation();
  const status = useSlugStatus(app, typed);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const statusId = useId();
  const inputId = useId();
  const canRename = status.tone === 'ok' || status.tone === 'warn';

  return (
    <section class="card" aria-labelledby="settings-slug">
      <h2 id="settings-slug">Slug</h2>
      <p class="small muted">
        The app's name in panel links and the API (<code>/api/v1/admin/apps/{app.slug}</code>). After a rename
        the old slug keeps redirecting to this app, so bookmarks and scripts calling the API keep working.
      </p>
      <form
        class="stack"
        aria-label="Rename the app"
        onSubmit={async (event) => {
          event.preventDefault();
          if (!canRename) return;
          if (
            status.tone === 'warn' &&
            !window.confirm(
              `Take over “${status.check.slug}”? Links to it will stop reaching “${status.other}”.`,
            )
          ) {
            return;
          }
          setBusy(true);
          setError(undefined);
          setDone(undefined);
          try {
            const renamed = await api<App>('PATCH', `/admin/apps/${seg(app.id)}`, {
              slug: status.check.slug,
              force: status.tone === 'warn' ? true : undefined,
            });
            setDone(`Renamed from “${app.slug}” to “${renamed.slug}”; “${app.slug}” now redirects here.`);
            // Reload first: the page would otherwise see the new slug in the URL with the old app and
            // bounce back. Replace: the old URL redirects anyway, so Back should not land on it.
            await reloadApp();
            navigate(`/apps/${renamed.slug}/settings`, { replace: true });
          } catch (caught) {
            setError(caught);
          } finally {
            setBusy(false);
          }
        }}
      >
        <div class="field">
          <label for={inputId}>Slug</label>
          <input
            id={inputId}
            name="slug"
            class="mono"
            required
            maxLength={63}
            autoComplete="off"
            spellcheck={false}
            value={typed}
            aria-describedby={statusId}
            aria-invalid={status.tone === 'bad'}
            onInput={(event) => {
              setTyped(event.currentTarget.value);
              setDone(undefined);
            }}
          />
          <small id={statusId} class={`slug-status ${status.tone}`} aria-live="polite">
            {status.text}
          </small>
        </div>
        <div class="row">
          <button type="submit" class="primary" disabled={busy || !canRename}>
            {busy ? 'Renaming…' : status.tone === 'warn' ? 'Take over and rename' : 'Rename'}
          </button>
        </div>
        <Notice error={error}>{done}</Notice>
      </form>
    </section>
  );
}

/** One list setting edited as one entry per line; the server's normalised list comes back into the box. */
function ListSettingForm({
  app,
  reloadApp,
  field,
  label,
  hint,
  placeholder,
  describe,
}: AppTabProps & {
  field: 'cors_origins' | 'http_allow_hosts';
  label: string;
  hint: string;
  placeholder: string;
  describe: (list: string[]) => string;
}) {
  // What the server holds: the PATCH answer once saved (normalised), else the app as loaded.
  const [saved, setSaved] = useState(app[field] ?? []);
  const [text, setText] = useState(saved.join('\n'));
  return (
    <>
      <p class="small">
        <strong>Now:</strong> {describe(saved)}
      </p>
      <ActionForm
        submitLabel="Save"
        onSubmit={async () => {
          const list = linesOf(text);
          // The API takes [] for "none"; null is refused.
          const updated = await api<App>('PATCH', `/admin/apps/${seg(app.id)}`, { [field]: list });
          setSaved(updated[field] ?? []);
          setText((updated[field] ?? []).join('\n'));
          await reloadApp();
          return 'Saved. It applies to the next request.';
        }}
      >
        <TextAreaField
          label={label}
          name={field}
          rows={4}
          spellcheck={false}
          placeholder={placeholder}
          value={text}
          onInput={(event) => setText(event.currentTarget.value)}
          hint={hint}
        />
      </ActionForm>
    </>
  );
}

function CorsCard(props: AppTabProps) {
  return (
    <section class="card" aria-labelledby="settings-cors">
      <h2 id="settings-cors">Browser access (CORS)</h2>
      <p class="small muted">
        Web pages served from other origins — a dashboard on another machine, a dev server — may call this
        app's endpoints only from the origins listed here. PiCloud then answers their preflight requests and
        adds the CORS headers.
      </p>
      <ListSettingForm
        {...props}
        field="cors_origins"
        label="Allowed origins, one per line"
        placeholder={'http://phone.lan:3000\nhttps://dashboard.example.com'}
        hint='scheme://host[:port] with nothing after the port, or "*" for any origin. Empty: PiCloud adds no CORS headers (scripts may answer OPTIONS themselves).'
        describe={(list) =>
          list.length === 0
            ? 'no CORS handling.'
            : list.includes('*')
              ? 'any origin may call.'
              : `${list.length} origin${list.length === 1 ? '' : 's'} may call.`
        }
      />
    </section>
  );
}

function OutboundCard(props: AppTabProps) {
  return (
    <section class="card" aria-labelledby="settings-outbound">
      <h2 id="settings-outbound">Outbound HTTP</h2>
      <p class="small muted">
        The hosts this app's scripts may call with <code>http::request</code>.
      </p>
      <ListSettingForm
        {...props}
        field="http_allow_hosts"
        label="Allowed hosts, one per line"
        placeholder={'api.open-meteo.com\n*.example.com\n192.168.1.0/24'}
        hint="A name, a *.wildcard, an IP address or a CIDR — no scheme, port or path. Empty: any public internet host. A list allows only what it names; LAN devices and this machine need an address or CIDR entry (192.168.1.0/24, 127.0.0.1)."
        describe={(list) =>
          list.length === 0
            ? 'any host on the public internet (not the LAN, not this appliance).'
            : `only ${list.length} listed host${list.length === 1 ? '' : 's'}.`
        }
      />
    </section>
  );
}

/** A password input with a show/hide toggle: secrets are long and pasted, seeing them helps. */
function SecretValueField({ label, autoFocus }: { label: string; autoFocus?: boolean }) {
  const [shown, setShown] = useState(false);
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <div class="input-with-unit">
        <input
          id={id}
          name="value"
          type={shown ? 'text' : 'password'}
          required
          autoComplete="new-password"
          spellcheck={false}
          // biome-ignore lint/a11y/noAutofocus: in a dialog, the field the user came to fill; showModal() focuses it.
          autoFocus={autoFocus}
          aria-describedby={`${id}-hint`}
        />
        <button type="button" aria-pressed={shown} onClick={() => setShown(!shown)}>
          {shown ? 'Hide' : 'Show'}
        </button>
      </div>
      <small id={`${id}-hint`} class="muted">
        Stored encrypted; it can be replaced but never read back here.
      </small>
    </div>
  );
}

function SecretsCard({ app }: { app: App }) {
  const base = `/admin/apps/${seg(app.id)}/secrets`;
  const secrets = useAsync(() => api<{ items: SecretInfo[] }>('GET', base), [base]);
  const [rotating, setRotating] = useState<SecretInfo | null>(null);
  const names = new Set((secrets.data?.items ?? []).map((secret) => secret.name));

  return (
    <section class="card" aria-labelledby="settings-secrets">
      <h2 id="settings-secrets">Secrets</h2>
      <p class="small muted">
        API keys and passwords this app's scripts read with <code>secret::get("NAME")</code>. Values are
        write-only: the panel and the API show names and versions, never values.
      </p>
      <Loaded state={secrets}>
        {({ items }) =>
          items.length === 0 ? (
            <Empty>No secrets yet.</Empty>
          ) : (
            <div class="table-wrap">
              <table class="data">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Version</th>
                    <th scope="col">Set</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((secret) => (
                    <tr key={secret.name}>
                      <td class="key-cell">{secret.name}</td>
                      <td>v{secret.version}</td>
                      <td class="nowrap">
                        <RelativeTime iso={secret.updated_at} />
                      </td>
                      <td class="actions-cell">
                        <div class="row">
                          <button
                            type="button"
                            class="small"
                            aria-label={`Replace the value of ${secret.name}`}
                            onClick={() => setRotating(secret)}
                          >
                            Replace
                          </button>
                          <ActionButton
                            class="danger small"
                            label={`Delete secret ${secret.name}`}
                            confirm={`Delete the secret ${secret.name}? Scripts will read () for it.`}
                            action={async () => {
                              await api('DELETE', `${base}/${seg(secret.name)}`);
                              await secrets.reload();
                            }}
                          >
                            Delete
                          </ActionButton>
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
      <h3>Add a secret</h3>
      <ActionForm
        submitLabel="Save secret"
        label="Add a secret"
        onSubmit={async (form) => {
          const { name, value } = formValues(form);
          if (names.has(name) && !window.confirm(`${name} exists already. Replace its value?`)) return;
          const saved = await api<SecretInfo>('PUT', `${base}/${seg(name)}`, { value });
          form.reset();
          await secrets.reload();
          return `Saved ${saved.name} (version ${saved.version}).`;
        }}
      >
        <Field
          label="Name"
          name="name"
          required
          maxLength={128}
          pattern={SECRET_NAME}
          autoComplete="off"
          spellcheck={false}
          placeholder="WEATHER_API_KEY"
          hint='Letters, digits, "_", "." and "-", starting with a letter or "_". Case matters.'
        />
        <SecretValueField label="Value" />
      </ActionForm>
      <Dialog
        title={rotating ? `Replace ${rotating.name}` : 'Replace secret'}
        open={rotating !== null}
        onClose={() => setRotating(null)}
      >
        {rotating !== null && (
          <ActionForm
            submitLabel="Replace value"
            onSubmit={async (form) => {
              await api('PUT', `${base}/${seg(rotating.name)}`, { value: formValues(form).value });
              setRotating(null);
              await secrets.reload();
            }}
          >
            <p class="small muted">
              Every script reads the new value from its next call; the old one is gone for good.
            </p>
            <SecretValueField label="New value" autoFocus />
          </ActionForm>
        )}
      </Dialog>
    </section>
  );
}

function DangerZone({ app }: { app: App }) {
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [, navigate] = useLocation();
  const confirmId = useId();
  const matches = typed.trim() === app.slug;
  return (
    <section class="card danger-zone" aria-labelledby="settings-danger">
      <h2 id="settings-danger">Delete this app</h2>
      <p class="small">
        Deletes <strong>{app.name || app.slug}</strong> and everything it owns: scripts and their versions,
        routes, domains, KV data, triggers and queued messages, secrets, logs and its old slugs. This cannot
        be undone.
      </p>
      <form
        class="stack"
        aria-label="Delete the app"
        onSubmit={async (event) => {
          event.preventDefault();
          if (!matches) return;
          setBusy(true);
          setError(undefined);
          try {
            await api('DELETE', `/admin/apps/${seg(app.id)}`);
            navigate('/');
          } catch (caught) {
            setError(caught);
            setBusy(false);
          }
        }}
      >
        <div class="field">
          <label for={confirmId}>
            Type <span class="mono">{app.slug}</span> to confirm
          </label>
          <input
            id={confirmId}
            class="mono"
            autoComplete="off"
            spellcheck={false}
            value={typed}
            onInput={(event) => setTyped(event.currentTarget.value)}
          />
        </div>
        <div class="row">
          <button type="submit" class="danger-solid" disabled={!matches || busy}>
            {busy ? 'Deleting…' : 'Delete this app'}
          </button>
        </div>
        <Notice error={error} />
      </form>
    </section>
  );
}
