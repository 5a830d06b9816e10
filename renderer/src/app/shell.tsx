/**
 * The signed-in panel: header with navigation, theme switch and sign-out, and the screen the URL names.
 * URLs are hash-based (`#/apps/blog/scripts/…`) so the server needs to know no panel paths, and apps are
 * named by slug — a renamed app's old links are redirected by the API and rewritten here.
 */
import { Link, Route, Router, Switch, useLocation } from 'wouter-preact';
import { useHashLocation } from 'wouter-preact/use-hash-location';
import { api } from '../api/client.js';
import { AppDetail } from '../apps/app-detail.js';
import { AppsList } from '../apps/apps-list.js';
import { AccountPage } from '../auth/account-page.js';
import { NodesPage } from '../cluster/nodes-page.js';
import { LogDetailPage, LogsPage } from '../logs/logs-page.js';
import { NodePage } from '../node/node-page.js';
import { BackupsPage } from '../settings/backups-page.js';
import { ActionButton } from '../ui/components.js';
import { Logo } from '../ui/logo.js';
import { LazyScriptEditor } from './lazy-editor.js';
import { ThemeToggle } from './theme-toggle.js';

function NavLink({ href, children }: { href: string; children: string }) {
  const [location] = useLocation();
  const current =
    href === '/'
      ? location === '/' || location.startsWith('/apps')
      : location === href || location.startsWith(`${href}/`);
  return (
    <Link href={href} aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  );
}

export function Shell({ username, onSignedOut }: { username: string; onSignedOut: () => void }) {
  return (
    <Router hook={useHashLocation}>
      <button type="button" class="skip-link" onClick={skipToMain}>
        Skip to content
      </button>
      <header class="topbar">
        <Link href="/" class="brand" aria-label="PiCloud home">
          <Logo />
          <span>PiCloud</span>
        </Link>
        <nav aria-label="Main">
          <NavLink href="/">Apps</NavLink>
          <NavLink href="/logs">Logs</NavLink>
          <NavLink href="/node">Node</NavLink>
          <NavLink href="/nodes">Nodes</NavLink>
          <NavLink href="/settings">Settings</NavLink>
          <NavLink href="/account">Account</NavLink>
        </nav>
        <div class="topbar-end">
          <ThemeToggle />
          <span class="muted user" title="Signed in">
            {username}
          </span>
          <ActionButton
            class="ghost"
            action={async () => {
              await api('POST', '/auth/logout');
              onSignedOut();
            }}
          >
            Sign out
          </ActionButton>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Switch>
          <Route path="/">
            <AppsList />
          </Route>
          <Route path="/apps">
            <AppsList />
          </Route>
          <Route path="/apps/:app/new-script/:kind/:name">
            {(params) => (
              <LazyScriptEditor
                appRef={params.app}
                newScript={{ kind: params.kind === 'module' ? 'module' : 'endpoint', name: params.name }}
              />
            )}
          </Route>
          <Route path="/apps/:app/scripts/:id/line/:line/:column?">
            {(params) => (
              <LazyScriptEditor
                appRef={params.app}
                scriptId={params.id}
                line={Number(params.line)}
                column={params.column === undefined ? undefined : Number(params.column)}
              />
            )}
          </Route>
          <Route path="/apps/:app/scripts/:id">
            {(params) => <LazyScriptEditor appRef={params.app} scriptId={params.id} />}
          </Route>
          <Route path="/apps/:app/:tab?">
            {(params) => <AppDetail key={params.app} appRef={params.app} tab={params.tab} />}
          </Route>
          <Route path="/settings">
            <BackupsPage />
          </Route>
          <Route path="/logs/:id">{(params) => <LogDetailPage id={params.id} />}</Route>
          <Route path="/logs">
            <LogsPage />
          </Route>
          <Route path="/node">
            <NodePage />
          </Route>
          <Route path="/nodes">
            <NodesPage />
          </Route>
          <Route path="/account">
            <AccountPage />
          </Route>
          <Route>
            <section>
              <h1>Not found</h1>
              <p>
                Nothing here. <Link href="/">Back to the apps</Link>
              </p>
            </section>
          </Route>
        </Switch>
      </main>
    </Router>
  );
}

/** The skip link is a button: a `#main` link would replace the hash route. */
function skipToMain() {
  document.getElementById('main')?.focus();
}
