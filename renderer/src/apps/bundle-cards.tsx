/**
 * App bundles in the panel: an app's Settings → Export (download its .picloud.tgz) and the apps list's
 * Import (upload one: a dry run shows the plan and any conflict, then Import creates the app — all or
 * nothing; "Import as" takes another slug and leaves out hosts other apps claim).
 */
import { useState } from 'preact/hooks';
import { apiBytes, query, saveBlob, seg } from '../api/client.js';
import type { App } from '../api/types.js';
import { ActionForm, Field, formValues } from '../ui/components.js';

interface ImportResult {
  plan: {
    app: { slug: string };
    scripts: { name: string; action: string }[];
    routes: { action: string }[];
    domains: { pattern: string; action: string; reason?: string }[];
    conflicts: { kind: string; value: string; app: { slug: string } }[];
  };
  applied: boolean;
  kv_entries: number;
  secrets: string;
  secret_names: string[];
}

function checkbox(form: HTMLFormElement, name: string): boolean {
  return (form.elements.namedItem(name) as HTMLInputElement).checked;
}

/** Settings → Export of one app. */
export function ExportCard({ app }: { app: App }) {
  return (
    <section class="card" aria-labelledby="settings-export">
      <h2 id="settings-export">Export</h2>
      <ActionForm
        label="Export"
        submitLabel="Download bundle"
        onSubmit={async (form) => {
          const { passphrase } = formValues(form);
          const blob = await apiBytes<Blob>(
            'GET',
            `/admin/apps/${seg(app.id)}/export${query({ history: checkbox(form, 'history'), kv: checkbox(form, 'kv') })}`,
            { download: true, headers: passphrase ? { 'x-picloud-passphrase': passphrase } : {} },
          );
          saveBlob(blob, `${app.slug}.picloud.tgz`);
          return `Downloaded ${app.slug}.picloud.tgz.`;
        }}
      >
        <label class="check">
          <input type="checkbox" name="history" /> Every version of each script
        </label>
        <label class="check">
          <input type="checkbox" name="kv" /> KV data
        </label>
        <Field
          label="Passphrase to include the secrets' values (optional)"
          name="passphrase"
          type="password"
          autoComplete="new-password"
        />
      </ActionForm>
    </section>
  );
}

/** The apps list's Import: dry run first, then import. */
export function ImportCard({ onImported }: { onImported: () => void }) {
  const [plan, setPlan] = useState<ImportResult | null>(null);
  const send = async (form: HTMLFormElement, dryRun: boolean) => {
    const file = (form.elements.namedItem('bundle') as HTMLInputElement).files?.[0];
    if (!file) throw new Error('Choose an app bundle (.picloud.tgz)');
    const { as, passphrase } = formValues(form);
    return apiBytes<ImportResult>('POST', `/admin/apps:import${query({ as: as?.trim(), dry_run: dryRun })}`, {
      body: file,
      headers: passphrase ? { 'x-picloud-passphrase': passphrase } : {},
    });
  };
  return (
    <section class="card" aria-labelledby="import-title">
      <h2 id="import-title">Import an app</h2>
      <ActionForm
        label="Import an app"
        submitLabel={plan && plan.plan.conflicts.length === 0 ? 'Import' : 'Check'}
        onSubmit={async (form) => {
          if (!plan || plan.plan.conflicts.length > 0) {
            const checked = await send(form, true);
            setPlan(checked);
            return checked.plan.conflicts.length > 0
              ? undefined
              : 'Checked: nothing changes until you import.';
          }
          const done = await send(form, false);
          setPlan(null);
          form.reset();
          onImported();
          return `Imported ${done.plan.app.slug}.${done.secrets === 'names-only' ? ` Set its secrets again: ${done.secret_names.join(', ')}.` : ''}`;
        }}
      >
        <label class="field">
          <span>App bundle</span>
          <input
            type="file"
            name="bundle"
            accept=".tgz,application/gzip"
            required
            onChange={() => setPlan(null)}
          />
        </label>
        <Field
          label="Import under another name (optional)"
          name="as"
          autoComplete="off"
          onInput={() => setPlan(null)}
        />
        <Field
          label="Passphrase (for the secrets' values)"
          name="passphrase"
          type="password"
          autoComplete="off"
        />
        {plan && (
          <div class="stack" data-testid="import-plan">
            <p>
              App <strong>{plan.plan.app.slug}</strong>: {plan.plan.scripts.length} script(s),{' '}
              {plan.plan.routes.length} route(s),{' '}
              {plan.plan.domains.filter((d) => d.action === 'create').length} domain(s), {plan.kv_entries} KV
              entries.
            </p>
            {plan.plan.domains
              .filter((d) => d.action === 'skipped')
              .map((d) => (
                <p key={d.pattern} class="muted">
                  {d.pattern} is left out ({d.reason}).
                </p>
              ))}
            {plan.plan.conflicts.map((c) => (
              <p key={c.value} class="inline-error" role="alert">
                Conflict: app "{c.app.slug}" already has the {c.kind} {c.value}. Import it under another slug.
              </p>
            ))}
          </div>
        )}
      </ActionForm>
    </section>
  );
}
