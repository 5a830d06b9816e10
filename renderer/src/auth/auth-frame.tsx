/** The centred card around the set-up and sign-in forms. */
import type { ComponentChildren } from 'preact';
import { Logo } from '../ui/logo.js';

export function AuthFrame({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <main class="auth">
      <div class="card">
        <div class="brand">
          <Logo />
          <span>PiCloud</span>
        </div>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}
