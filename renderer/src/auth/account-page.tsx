/**
 * The owner's account: change the password (which signs out the other sessions), API tokens for
 * scripts and tools (the token is shown once, at creation), the admin accounts, and the versions of
 * this PiCloud.
 */
import { useEffect, useId, useState } from 'preact/hooks';
import { api, query, seg } from '../api/client.js';
import { OFFERED_SCOPES, SCOPES } from '../api/scopes.js';
import type { App, AuthStatus, Page, Versions } from '../api/types.js';
import { RelativeTime } from '../apps/tabs/tab-helpers.js';
import { ActionButton, ActionForm, Dialog, Empty, Field, formValues, Loaded } from '../ui/components.js';
import { CopyButton } from '../ui/copy-button.js';
import { useAsync } from '../ui/use-async.js';
import { AccountFields } from './account-fields.js';

/** server/security/password-hash.ts MIN_PASSWORD_LENGTH. */
const MIN_PASSWORD_LENGTH = 10;

/** An API token as listed (never the token itself). */
interface ApiToken {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  app_id: string | null;
  created_by: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

interface Account {
  id: string;
  username: string;
  created_at: string;
  password_changed_at: string;
}

const EXPIRIES = [
  ['never', 'Never'],
  ['1', '1 day'],
  ['7', '7 days'],
  ['30', '30 days'],
  ['90', '90 days'],
  ['365', '1 year'],
  ['date', 'On a date…'],
] as const;

export function AccountPage() {
  useEffect(() => {
    document.title = 'Account · PiCloud';
  }, []);
  const status = useAsync(() => api<AuthStatus>('GET', '/auth/status'), []);
  return (
    <section class="stack">
      <h1>Account</h1>
      <div class="settings-grid">
        <PasswordCard username={status.data?.user?.username} />
        <TokensCard />
        <AccountsCard myId={status.data?.user?.id} />
        <VersionsCard />
      </div>
    </section>
  );
}

function PasswordCard({ username }: { username: string | undefined }) {
  return (
    <section class="card" aria-labelledby="account-password">
      <h2 id="account-password">Password</h2>
      <ActionForm
        submitLabel="Change password"
        label="Change password"
        class="stack narrow"
        onSubmit={async (form) => {
          const values = formValues(form);
          if (values.new_password.length < MIN_PASSWORD_LENGTH) {
            throw new Error(`The new password needs at least ${MIN_PASSWORD_LENGTH} characters.`);
          }
          if (values.new_password !== values.repeat) throw new Error('The two new passwords differ.');
          if (values.new_password === values.current_password) {
            throw new Error('The new password is the same as the current one.');
          }
          await api('POST', '/auth/password', {
            current_password: values.current_password,
            new_password: values.new_password,
          });
          form.reset();
          return 'Password changed. Your other sessions (other browsers and devices) were signed out; this one stays signed in.';
        }}
      >
        {/* Lets password managers file the new password under the right account. */}
        <input type="hidden" name="username" autoComplete="username" value={username ?? ''} />
        <Field
          label="Current password"
          name="current_password"
          type="password"
          required
          autoComplete="current-password"
        />
        <Field
          label="New password"
          name="new_password"
          type="password"
          required
          minLength={MIN_PASSWORD_LENGTH}
          autoComplete="new-password"
          hint={`At least ${MIN_PASSWORD_LENGTH} characters. Changing it signs out your other sessions.`}
        />
        <Field
          label="Repeat the new password"
          name="repeat"
          type="password"
          required
          autoComplete="new-password"
        />
      </ActionForm>
    </section>
  );
}

function TokensCard() {
  const [showRevoked, setShowRevoked] = useState(false);
  const tokens = useAsync(
    () =>
      api<{ items: ApiToken[] }>(
        'GET',
        `/admin/tokens${query({ include_revoked: showRevoked ? 'true' : undefined })}`,
      ),
    [showRevoked],
  );
  const apps = useAsync(() => api<Page<App>>('GET', '/admin/apps?limit=200'), []);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<(ApiToken & { token: string }) | null>(null);
  const slugs = new Map((apps.data?.items ?? []).map((app) => [app.id, app.slug]));
  const close = () => {
    setCreating(false);
    setCreated(null);
  };

  return (
    <section class="card" aria-labelledby="account-tokens">
      <div class="row spread">
        <h2 id="account-tokens">API tokens</h2>
        <button type="button" class="primary" onClick={() => setCreating(true)}>
          New token
        </button>
      </div>
      <p class="small muted">
        For the CLI, scripts on other machines and callers of protected routes: send it as{' '}
        <code>Authorization: Bearer …</code>. A token holds only the scopes you give it, optionally for one
        app.
      </p>
      <label class="check small">
        <input
          type="checkbox"
          checked={showRevoked}
          onChange={(event) => setShowRevoked(event.currentTarget.checked)}
        />{' '}
        Show revoked tokens
      </label>
      <Loaded state={tokens}>
        {({ items }) =>
          items.length === 0 ? (
            <Empty>No API tokens. Create one for each tool, so each can be revoked on its own.</Empty>
          ) : (
            <div class="table-wrap">
              <table class="data">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Scopes</th>
                    <th scope="col">App</th>
                    <th scope="col">Expires</th>
                    <th scope="col">Last used</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((token) => {
                    const expired = token.expires_at !== null && Date.parse(token.expires_at) <= Date.now();
                    return (
                      <tr key={token.id} class={token.revoked_at ? 'revoked' : undefined}>
                        <td>
                          <strong>{token.name}</strong>
                          <div class="small muted mono">{token.prefix}…</div>
                          <div class="small muted">
                            by {token.created_by}, <RelativeTime iso={token.created_at} />
                          </div>
                        </td>
                        <td>
                          {token.scopes.map((scope) => (
                            <span key={scope} class="badge badge-scope">
                              {scope}
                            </span>
                          ))}
                        </td>
                        <td class="mono small">
                          {token.app_id ? (
                            (slugs.get(token.app_id) ?? token.app_id)
                          ) : (
                            <span class="muted">all</span>
                          )}
                        </td>
                        <td class="nowrap">
                          <RelativeTime iso={token.expires_at} none="never" />
                          {expired && (
                            <>
                              {' '}
                              <span class="badge badge-error">expired</span>
                            </>
                          )}
                        </td>
                        <td class="nowrap">
                          <RelativeTime iso={token.last_used_at} none="never" />
                        </td>
                        <td class="actions-cell">
                          {token.revoked_at ? (
                            <span class="badge badge-off">
                              revoked <RelativeTime iso={token.revoked_at} />
                            </span>
                          ) : (
                            <ActionButton
                              class="danger small"
                              label={`Revoke token ${token.name}`}
                              confirm={`Revoke the token “${token.name}”? Anything using it is refused from now on.`}
                              action={async () => {
                                await api('DELETE', `/admin/tokens/${seg(token.id)}`);
                                await tokens.reload();
                              }}
                            >
                              Revoke
                            </ActionButton>
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
      <Dialog title={created ? 'Your new token' : 'New API token'} open={creating} onClose={close}>
        {created ? (
          <CreatedToken token={created} onDone={close} />
        ) : (
          <TokenForm
            apps={apps.data?.items ?? []}
            onCreated={async (token) => {
              setCreated(token);
              await tokens.reload();
            }}
          />
        )}
      </Dialog>
    </section>
  );
}

function TokenForm({
  apps,
  onCreated,
}: {
  apps: App[];
  onCreated: (token: ApiToken & { token: string }) => Promise<void>;
}) {
  const [expiry, setExpiry] = useState<string>('90');
  const appId = useId();
  const expiryId = useId();
  return (
    <ActionForm
      submitLabel="Create token"
      onSubmit={async (form) => {
        const values = formValues(form);
        const scopes = new FormData(form).getAll('scopes').map(String);
        if (scopes.length === 0) throw new Error('Choose at least one scope.');
        const token = await api<ApiToken & { token: string }>('POST', '/admin/tokens', {
          name: values.name.trim(),
          scopes,
          app: values.app || undefined,
          expires_at: expiresAt(expiry, values.expires_on),
        });
        await onCreated(token);
      }}
    >
      <Field
        label="Name"
        name="name"
        required
        maxLength={100}
        autoFocus
        autoComplete="off"
        placeholder="backup script on the NAS"
        hint="What uses it, so you know which to revoke."
      />
      <fieldset>
        <legend>Scopes</legend>
        <div class="scope-list">
          {OFFERED_SCOPES.map((scope) => (
            <label key={scope}>
              <input type="checkbox" name="scopes" value={scope} />
              <span>
                <span class="mono">{scope}</span>
                <br />
                <span class="small muted">{SCOPES[scope]}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <div class="field">
        <label for={appId}>App</label>
        <select id={appId} name="app" aria-describedby={`${appId}-hint`}>
          <option value="">All apps</option>
          {apps.map((app) => (
            <option key={app.id} value={app.id}>
              {app.slug}
            </option>
          ))}
        </select>
        <small id={`${appId}-hint`} class="muted">
          A token for one app cannot read or change any other.
        </small>
      </div>
      <div class="row">
        <div class="field">
          <label for={expiryId}>Expires</label>
          <select id={expiryId} value={expiry} onChange={(event) => setExpiry(event.currentTarget.value)}>
            {EXPIRIES.map(([value, text]) => (
              <option key={value} value={value}>
                {text}
              </option>
            ))}
          </select>
        </div>
        {expiry === 'date' && (
          <Field label="Expiry date" name="expires_on" type="date" required min={tomorrow()} />
        )}
      </div>
    </ActionForm>
  );
}

function tomorrow(): string {
  const date = new Date(Date.now() + 86_400_000);
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

/** The ISO time the chosen expiry names; a date means the end of that local day. */
function expiresAt(choice: string, date: string | undefined): string | undefined {
  if (choice === 'never') return undefined;
  if (choice === 'date') {
    if (!date) throw new Error('Choose the expiry date.');
    return new Date(`${date}T23:59:59`).toISOString();
  }
  return new Date(Date.now() + Number(choice) * 86_400_000).toISOString();
}

function CreatedToken({ token, onDone }: { token: ApiToken & { token: string }; onDone: () => void }) {
  const id = useId();
  return (
    <div class="stack">
      <div class="once" role="alert">
        <strong>Copy this token now.</strong> It is shown only this once: PiCloud keeps a hash of it, not the
        token. If it is lost, revoke it and create another.
      </div>
      <div class="field">
        <label for={id}>Token “{token.name}”</label>
        <div class="input-with-unit">
          <input
            id={id}
            class="token-box"
            readOnly
            value={token.token}
            spellcheck={false}
            onFocus={(event) => event.currentTarget.select()}
          />
          <CopyButton text={token.token} label="Copy" />
        </div>
      </div>
      <div class="small muted">
        <p class="tight-top">Send it in the Authorization header, for example:</p>
        <pre>{`curl -H "Authorization: Bearer $TOKEN" ${location.origin}/api/v1/…`}</pre>
      </div>
      <div class="row">
        <button type="button" class="primary" onClick={onDone}>
          I have copied it
        </button>
      </div>
    </div>
  );
}

function AccountsCard({ myId }: { myId: string | undefined }) {
  const accounts = useAsync(() => api<{ items: Account[] }>('GET', '/admin/accounts'), []);
  const [adding, setAdding] = useState(false);
  return (
    <section class="card" aria-labelledby="account-accounts">
      <h2 id="account-accounts">Admin accounts</h2>
      <p class="small muted">
        Each account can do everything. A forgotten password is reset on the machine itself with{' '}
        <code>picloud admin reset-password</code>.
      </p>
      <Loaded state={accounts}>
        {({ items }) => (
          <div class="table-wrap">
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">User name</th>
                  <th scope="col">Created</th>
                  <th scope="col">Password changed</th>
                </tr>
              </thead>
              <tbody>
                {items.map((account) => (
                  <tr key={account.id}>
                    <td>
                      {account.username}
                      {account.id === myId && (
                        <>
                          {' '}
                          <span class="badge">you</span>
                        </>
                      )}
                    </td>
                    <td class="nowrap">
                      <RelativeTime iso={account.created_at} />
                    </td>
                    <td class="nowrap">
                      <RelativeTime iso={account.password_changed_at} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loaded>
      <button type="button" onClick={() => setAdding(true)}>
        Add an admin
      </button>
      <Dialog title="Add an admin account" open={adding} onClose={() => setAdding(false)}>
        <ActionForm
          submitLabel="Add the account"
          onSubmit={async (form) => {
            const values = formValues(form);
            if (values.password !== values.repeat) throw new Error('The two passwords differ');
            await api('POST', '/admin/accounts', { username: values.username, password: values.password });
            setAdding(false);
            accounts.reload();
          }}
        >
          <p class="small muted">
            The new account can do everything this one can; tell its owner its password.
          </p>
          <AccountFields />
          <Field
            label="Password again"
            name="repeat"
            type="password"
            autoComplete="new-password"
            minLength={10}
            required
          />
        </ActionForm>
      </Dialog>
    </section>
  );
}

/** `/version` lives outside /api/v1 (it names the API version itself), so it is fetched directly. */
async function loadVersions(): Promise<Versions> {
  const response = await fetch('/version', { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`The server answered ${response.status} for /version`);
  return (await response.json()) as Versions;
}

function VersionsCard() {
  const versions = useAsync(loadVersions, []);
  return (
    <section class="card" aria-labelledby="account-versions">
      <h2 id="account-versions">About this PiCloud</h2>
      <Loaded state={versions}>
        {(v) => (
          <dl class="facts">
            <dt>PiCloud</dt>
            <dd>{v.product}</dd>
            <dt>Script SDK</dt>
            <dd>{v.sdk}</dd>
            <dt>HTTP API</dt>
            <dd>v{v.api}</dd>
            <dt>Database schema</dt>
            <dd>{v.schema}</dd>
            <dt>Cluster protocol</dt>
            <dd>v{v.wire}</dd>
          </dl>
        )}
      </Loaded>
    </section>
  );
}
