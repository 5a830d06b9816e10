/** An app at a glance: its endpoints on the LAN, traffic and errors of the last hour, recent failures. */
import { Link } from 'wouter-preact';
import { api, query, seg } from '../../api/client.js';
import type { LogRecord, Page, RequestStats, RouteInfo } from '../../api/types.js';
import { Empty, Loaded, StatusBadge } from '../../ui/components.js';
import { formatRelative, plural } from '../../ui/format.js';
import { Sparkline } from '../../ui/sparkline.js';
import { useAsync } from '../../ui/use-async.js';
import type { AppTabProps } from '../app-detail.js';
import { EndpointLinks } from '../endpoint-links.js';
import { nodeInfo } from '../endpoint-urls.js';

export function OverviewTab({ app }: AppTabProps) {
  const routes = useAsync(
    () => api<{ items: RouteInfo[] }>('GET', `/admin/apps/${seg(app.id)}/routes`),
    [app.id],
  );
  const node = useAsync(nodeInfo, []);
  const stats = useAsync(
    () => api<RequestStats>('GET', `/admin/stats/requests${query({ app: app.id, minutes: 60 })}`),
    [app.id],
  );
  const failures = useAsync(
    () => api<Page<LogRecord>>('GET', `/admin/logs${query({ app: app.id, status: 'error', limit: 5 })}`),
    [app.id],
  );

  return (
    <div class="stack">
      {app.description && <p>{app.description}</p>}
      <div class="cards">
        <div class="card">
          <h2 class="card-title">Last hour</h2>
          <Loaded state={stats}>
            {(data) => {
              const mine = data.apps.find((entry) => entry.app_id === app.id);
              const requests = mine?.buckets.map((bucket) => bucket.requests) ?? [];
              const errors = mine?.buckets.map((bucket) => bucket.errors) ?? [];
              const totals = `${plural(mine?.requests ?? 0, 'request')} · ${plural(mine?.errors ?? 0, 'error')}`;
              const minutes = data.bucket_s / 60;
              return (
                <>
                  <p class="request-totals">{totals}</p>
                  <Sparkline
                    values={requests}
                    second={errors}
                    label={`Requests per ${minutes === 1 ? 'minute' : plural(minutes, 'minute')} over the last hour: ${totals}`}
                  />
                </>
              );
            }}
          </Loaded>
        </div>
        <div class="card">
          <h2 class="card-title">Domains</h2>
          {app.domains.length === 0 ? (
            <p class="muted">None</p>
          ) : (
            <ul class="plain">
              {app.domains.map((domain) => (
                <li key={domain.id} class="mono small">
                  {domain.pattern}
                </li>
              ))}
            </ul>
          )}
          <Link href={`/apps/${app.slug}/domains`}>Manage domains</Link>
        </div>
      </div>

      <h2>Endpoints</h2>
      <Loaded state={routes}>
        {({ items }) =>
          items.length === 0 ? (
            <Empty>
              No routes yet. <Link href={`/apps/${app.slug}/scripts`}>Write a script</Link>, then{' '}
              <Link href={`/apps/${app.slug}/routes`}>add a route</Link>.
            </Empty>
          ) : (
            <ul class="stack plain">
              {items.map((route) => (
                <li key={route.id} class="card">
                  <strong class="mono">
                    {route.methods.join(', ')} {route.path}
                  </strong>{' '}
                  <span class="small muted">
                    → <Link href={`/apps/${app.slug}/scripts/${route.script_id}`}>{route.script_name}</Link>
                  </span>
                  {node.data && <EndpointLinks app={app} node={node.data} route={route} />}
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>

      <h2>Recent failures</h2>
      <Loaded state={failures}>
        {({ items }) =>
          items.length === 0 ? (
            <p class="muted">No failed runs.</p>
          ) : (
            <ul class="plain stack">
              {items.map((log) => (
                <li key={log.id} class="row">
                  <StatusBadge status={log.status} http={log.http_status} />
                  <Link href={`/logs/${log.id}`} class="grow">
                    {log.error?.message ?? 'Failed'}
                  </Link>
                  <span class="small muted">{formatRelative(log.started_at)}</span>
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </div>
  );
}
