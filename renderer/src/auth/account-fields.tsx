/** The user name and password of a new admin account, as set-up and the Account page ask for them. */
import { Field } from '../ui/components.js';

export function AccountFields({ username }: { username?: string }) {
  return (
    <>
      <Field
        label="User name"
        name="username"
        autoComplete={username === undefined ? 'off' : 'username'}
        required
        pattern="[a-z0-9][a-z0-9._\-]{0,63}"
        value={username}
        hint="Lower-case letters, digits, dot, dash or underscore."
      />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        minLength={10}
        required
        hint="At least 10 characters."
      />
    </>
  );
}
