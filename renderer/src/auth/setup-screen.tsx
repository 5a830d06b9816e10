/** First start: the owner creates the only account, proving with the set-up code that they run the machine. */
import { api } from '../api/client.js';
import type { SignedIn } from '../api/types.js';
import { ActionForm, Field, formValues } from '../ui/components.js';
import { AccountFields } from './account-fields.js';
import { AuthFrame } from './auth-frame.js';

export function SetupScreen({
  codeRequired,
  onDone,
}: {
  codeRequired: boolean;
  onDone: (s: SignedIn) => void;
}) {
  return (
    <AuthFrame title="Set up this appliance">
      <p>
        No account exists yet. Create the owner's account: from now on it is the only way into this panel and
        its API.
      </p>
      <ActionForm
        submitLabel="Create account"
        label="Set up"
        onSubmit={async (form) => {
          const values = formValues(form);
          const body: Record<string, string> = { username: values.username, password: values.password };
          if (codeRequired) body.setup_code = values.setup_code.trim().toUpperCase();
          onDone(await api<SignedIn>('POST', '/auth/setup', body));
        }}
      >
        <AccountFields username="admin" />
        {codeRequired && (
          <Field
            label="Set-up code"
            name="setup_code"
            autoComplete="one-time-code"
            placeholder="XXXX-XXXX-XXXX"
            required
            hint="Printed in the console (or the desktop app's log) where PiCloud started."
          />
        )}
      </ActionForm>
    </AuthFrame>
  );
}
