/**
 * The app's host claims: which `Host` names reach this app. Exact hosts and `*.suffix` wildcards; the
 * most specific claim wins, so the list shows exact claims first, then wildcards from longest down.
 */
import { useEffect } from 'preact/hooks';
import { api, seg } from '../../api/client.js';
import type { Domain } from '../../api/types.js';
import { ActionButton, ActionForm, Empty, Field, formValues, Loaded } from '../../ui/components.js';
import { useAsync } from '../../ui/use-async.js';
import type { AppTabProps } from '../app-detail.js';
import { RelativeTime, TabSection } from './tab-helpers.js';

/** Most specific first: the order in which claims win. */
function bySpecificity(a: Domain, b: Domain): number {
  if (a.kind !== b.kind) return a.kind === 'exact' ? -1 : 1;
  if (a.kind === 'wildcard' && a.pattern.length !== b.pattern.length)
    return b.pattern.length - a.pattern.length;
  return a.pattern.localeCompare(b.pattern);
}

/** Whether PiCloud answers for an exact `.local` claim on the LAN (mDNS), or who does instead. */
function LanState({ lan }: { lan: Domain['lan'] }) {
  if (!lan) return <span class="muted">—</span>;
  if (lan.state === 'announced') return <span class="badge badge-ok">answered on the LAN</span>;
  if (lan.state === 'probing') return <span class="badge">checking the LAN…</span>;
  return (
    <span
      class="badge badge-error"
      title="Another device on the network answers for this name, so PiCloud does not"
    >
      conflict: used by {lan.conflict_with ?? 'another device'}
    </span>
  );
}

export function DomainsTab({ app, reloadApp }: AppTabProps) {
  const domains = useAsync(
    () => api<{ items: Domain[] }>('GET', `/admin/apps/${seg(app.id)}/domains`),
    [app.id],
  );
  const probing = domains.data?.items.some((domain) => domain.lan?.state === 'probing') ?? false;
  useEffect(() => {
    if (!probing) return;
    // Probing a .local name takes about a second (RFC 6762): read its outcome once, then stop.
    const timer = setTimeout(() => void domains.reload(), 1_500);
    return () => clearTimeout(timer);
  }, [probing]);
  // The app carries its domains too (overview, routes): both are refreshed after a change.
  const refresh = async () => {
    await Promise.all([domains.reload(), reloadApp()]);
  };

  return (
    <div class="stack">
      <TabSection id="domains-title" title="Domains">
        <p class="lead muted">
          A claim sends requests whose <code>Host</code> matches it to this app. Claim an exact host (
          <code>api.home.lan</code>, <code>nas</code>, <code>192.168.1.20</code>) or a wildcard such as{' '}
          <code>*.home.lan</code>, which covers every name in front of <code>home.lan</code> but not{' '}
          <code>home.lan</code> itself. When several apps' claims match, the most specific wins: an exact host
          beats a wildcard, a longer wildcard beats a shorter one. The names must also resolve to this machine
          (your router's DNS or a hosts file) — except exact names under <code>.local</code> such as{' '}
          <code>garden.local</code>, which PiCloud answers for itself on the LAN (mDNS) once it has checked
          that no other device uses them.
        </p>
        <ActionForm
          class="row inline-form"
          label="Claim a domain"
          submitLabel="Claim"
          onSubmit={async (form) => {
            const pattern = formValues(form).pattern.trim();
            if (!pattern) throw new Error('Type a host name or a wildcard such as *.home.lan');
            const claimed = await api<Domain>('POST', `/admin/apps/${seg(app.id)}/domains`, { pattern });
            form.reset();
            await refresh();
            return `${app.slug} now answers ${claimed.pattern}.`;
          }}
        >
          <Field
            label="Host or wildcard"
            name="pattern"
            required
            maxLength={255}
            placeholder="api.home.lan or *.home.lan"
            autoComplete="off"
            spellcheck={false}
          />
        </ActionForm>
      </TabSection>

      <Loaded state={domains}>
        {({ items }) =>
          items.length === 0 ? (
            <Empty>No domains yet, so no request reaches this app by host name. Claim one above.</Empty>
          ) : (
            <div class="table-wrap">
              <table class="data">
                <caption class="visually-hidden">Domains claimed by {app.slug}, most specific first</caption>
                <thead>
                  <tr>
                    <th scope="col">Pattern</th>
                    <th scope="col">Kind</th>
                    <th scope="col">On the LAN</th>
                    <th scope="col">Claimed</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {[...items].sort(bySpecificity).map((domain) => (
                    <tr key={domain.id}>
                      <td class="key-cell">{domain.pattern}</td>
                      <td>
                        <span class={`badge badge-${domain.kind}`}>{domain.kind}</span>
                      </td>
                      <td>
                        <LanState lan={domain.lan} />
                      </td>
                      <td>
                        <RelativeTime iso={domain.created_at} />
                      </td>
                      <td class="actions-cell">
                        <ActionButton
                          class="danger small"
                          label={`Release ${domain.pattern}`}
                          confirm={`Release ${domain.pattern}? Requests for it will no longer reach ${app.slug}.`}
                          action={async () => {
                            await api('DELETE', `/admin/apps/${seg(app.id)}/domains/${seg(domain.id)}`);
                            await refresh();
                          }}
                        >
                          Release
                        </ActionButton>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
    </div>
  );
}
