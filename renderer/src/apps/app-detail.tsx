/**
 * One app: its tabs (overview, scripts, routes, domains, KV, triggers, logs, settings). The URL names
 * the app by slug; when the API answers for another slug (the app was renamed and the old slug
 * redirects), the URL is rewritten so bookmarks keep working.
 */
import { useEffect } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { api, seg } from '../api/client.js';
import type { App } from '../api/types.js';
import { LogsView } from '../logs/logs-page.js';
import { Loaded } from '../ui/components.js';
import { useAsync } from '../ui/use-async.js';
import { DomainsTab } from './tabs/domains-tab.js';
import { KvTab } from './tabs/kv-tab.js';
import { OverviewTab } from './tabs/overview-tab.js';
import { RoutesTab } from './tabs/routes-tab.js';
import { ScriptsTab } from './tabs/scripts-tab.js';
import { SettingsTab } from './tabs/settings-tab.js';
import { TriggersTab } from './tabs/triggers-tab.js';

/** What every tab receives. */
export interface AppTabProps {
  app: App;
  /** Fetch the app again (after a change to its slug, domains or settings). */
  reloadApp: () => Promise<void>;
}

const TABS = [
  ['overview', 'Overview'],
  ['scripts', 'Scripts'],
  ['routes', 'Routes'],
  ['domains', 'Domains'],
  ['kv', 'KV'],
  ['triggers', 'Triggers'],
  ['logs', 'Logs'],
  ['settings', 'Settings'],
] as const;

export function AppDetail({ appRef, tab = 'overview' }: { appRef: string; tab?: string }) {
  const state = useAsync(() => api<App>('GET', `/admin/apps/${seg(appRef)}`), [appRef]);
  const [, navigate] = useLocation();
  const app = state.data;
  useEffect(() => {
    if (app && app.slug !== appRef)
      navigate(`/apps/${app.slug}${tab === 'overview' ? '' : `/${tab}`}`, { replace: true });
  }, [app, appRef, tab, navigate]);
  useEffect(() => {
    if (app) document.title = `${app.name || app.slug} · PiCloud`;
  }, [app]);

  return (
    <Loaded state={state}>
      {(app) => (
        <section>
          <p class="small muted">
            <Link href="/">Apps</Link> / {app.slug}
          </p>
          <h1>{app.name || app.slug}</h1>
          <nav class="tabs" aria-label="App sections">
            {TABS.map(([id, label]) => (
              <Link
                key={id}
                href={`/apps/${app.slug}${id === 'overview' ? '' : `/${id}`}`}
                aria-current={id === tab ? 'page' : undefined}
              >
                {label}
              </Link>
            ))}
          </nav>
          <AppTab tab={tab} app={app} reloadApp={state.reload} />
        </section>
      )}
    </Loaded>
  );
}

function AppTab({ tab, ...props }: AppTabProps & { tab: string }) {
  switch (tab) {
    case 'scripts':
      return <ScriptsTab {...props} />;
    case 'routes':
      return <RoutesTab {...props} />;
    case 'domains':
      return <DomainsTab {...props} />;
    case 'kv':
      return <KvTab {...props} />;
    case 'triggers':
      return <TriggersTab {...props} />;
    case 'logs':
      return <LogsView app={props.app} />;
    case 'settings':
      return <SettingsTab {...props} />;
    default:
      return <OverviewTab {...props} />;
  }
}
