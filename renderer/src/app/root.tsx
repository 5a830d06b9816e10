/**
 * Decides what the visitor sees: the set-up screen on a fresh install, the sign-in screen without a
 * session, the panel otherwise. A 401 from any call (the session expired) brings back the sign-in.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, onUnauthorized, setCsrfToken } from '../api/client.js';
import type { AuthStatus, SignedIn } from '../api/types.js';
import { LoginScreen } from '../auth/login-screen.js';
import { SetupScreen } from '../auth/setup-screen.js';
import { Notice } from '../ui/components.js';
import { Shell } from './shell.js';

type View =
  | { kind: 'loading' }
  | { kind: 'unreachable'; error: unknown }
  | { kind: 'setup'; codeRequired: boolean }
  | { kind: 'login' }
  | { kind: 'panel'; username: string };

export function Root() {
  const [view, setView] = useState<View>({ kind: 'loading' });

  const refresh = useCallback(async () => {
    try {
      const status = await api<AuthStatus>('GET', '/auth/status');
      setCsrfToken(status.csrf_token);
      if (status.setup_required) setView({ kind: 'setup', codeRequired: status.setup_code_required });
      else if (status.via === 'session' && status.user)
        setView({ kind: 'panel', username: status.user.username });
      else setView({ kind: 'login' });
    } catch (error) {
      setView({ kind: 'unreachable', error });
    }
  }, []);

  useEffect(() => {
    void refresh();
    return onUnauthorized(() => {
      setCsrfToken(null);
      setView({ kind: 'login' });
    });
  }, [refresh]);

  const signedIn = (session: SignedIn) => {
    setCsrfToken(session.csrf_token);
    setView({ kind: 'panel', username: session.user.username });
  };

  switch (view.kind) {
    case 'loading':
      return <p class="boot">Loading PiCloud…</p>;
    case 'unreachable':
      return (
        <main class="auth">
          <h1>PiCloud</h1>
          <Notice error={view.error} />
          <button type="button" onClick={refresh}>
            Try again
          </button>
        </main>
      );
    case 'setup':
      return <SetupScreen codeRequired={view.codeRequired} onDone={signedIn} />;
    case 'login':
      return <LoginScreen onDone={signedIn} />;
    case 'panel':
      return (
        <Shell
          username={view.username}
          onSignedOut={() => {
            setCsrfToken(null);
            setView({ kind: 'login' });
          }}
        />
      );
  }
}
