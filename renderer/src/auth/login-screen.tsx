/** Sign-in with the account's user name and password; the server sets the session cookie. */
import { api } from '../api/client.js';
import type { SignedIn } from '../api/types.js';
import { ActionForm, Field, formValues } from '../ui/components.js';
import { AuthFrame } from './auth-frame.js';

export function LoginScreen({ onDone }: { onDone: (s: SignedIn) => void }) {
  return (
    <AuthFrame title="Sign in">
      <ActionForm
        submitLabel="Sign in"
        label="Sign in"
        onSubmit={async (form) => {
          onDone(await api<SignedIn>('POST', '/auth/login', formValues(form)));
        }}
      >
        <Field label="User name" name="username" autoComplete="username" required autoFocus />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required />
      </ActionForm>
      <p class="muted small">
        Forgot the password? On the machine running PiCloud: <code>picloud admin reset-password</code>.
      </p>
    </AuthFrame>
  );
}
