/** Small building blocks every screen uses: messages, fields, buttons, dialogs, empty states. */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { errorMessage } from '../api/client.js';

/** An error (role=alert, read out at once) or a confirmation (role=status). */
export function Notice({ error, children }: { error?: unknown; children?: ComponentChildren }) {
  if (error !== undefined && error !== null) {
    return (
      <p class="notice notice-error" role="alert">
        {errorMessage(error)}
      </p>
    );
  }
  if (!children) return null;
  return (
    <p class="notice notice-ok" role="status">
      {children}
    </p>
  );
}

/** Shows children once `loading` is over, or the error that stopped them. */
export function Loaded<T>({
  state,
  children,
}: {
  state: { data: T | undefined; error: unknown; loading: boolean };
  children: (data: T) => ComponentChildren;
}) {
  if (state.data !== undefined) return <>{children(state.data)}</>;
  if (state.error !== undefined) return <Notice error={state.error} />;
  return (
    <p class="muted" aria-busy="true">
      Loading…
    </p>
  );
}

type InputProps = JSX.InputHTMLAttributes<HTMLInputElement> & { label: string; hint?: string };

/** A labelled input; the hint is tied to it with aria-describedby. */
export function Field({ label, hint, id, ...input }: InputProps) {
  const generated = useId();
  const inputId = (id as string | undefined) ?? generated;
  return (
    <div class="field">
      <label for={inputId}>{label}</label>
      <input id={inputId} aria-describedby={hint ? `${inputId}-hint` : undefined} {...input} />
      {hint && (
        <small id={`${inputId}-hint`} class="muted">
          {hint}
        </small>
      )}
    </div>
  );
}

type TextAreaProps = JSX.TextareaHTMLAttributes<HTMLTextAreaElement> & { label: string; hint?: string };

export function TextAreaField({ label, hint, id, ...area }: TextAreaProps) {
  const generated = useId();
  const areaId = (id as string | undefined) ?? generated;
  return (
    <div class="field">
      <label for={areaId}>{label}</label>
      <textarea id={areaId} aria-describedby={hint ? `${areaId}-hint` : undefined} {...area} />
      {hint && (
        <small id={`${areaId}-hint`} class="muted">
          {hint}
        </small>
      )}
    </div>
  );
}

/**
 * Runs an async action on submit, disables the form meanwhile and shows its error. The action's
 * result message (if any) is shown as a confirmation.
 */
export function ActionForm({
  onSubmit,
  children,
  submitLabel,
  class: className,
  label,
}: {
  onSubmit: (form: HTMLFormElement) => Promise<unknown>;
  children: ComponentChildren;
  submitLabel: string;
  class?: string;
  label?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  return (
    <form
      class={className ?? 'stack'}
      aria-label={label}
      onSubmit={async (event) => {
        event.preventDefault();
        const form = event.currentTarget;
        setBusy(true);
        setError(undefined);
        setDone(undefined);
        try {
          const message = await onSubmit(form);
          if (typeof message === 'string') setDone(message);
        } catch (caught) {
          setError(caught);
        } finally {
          setBusy(false);
        }
      }}
    >
      {children}
      <div class="row">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Working…' : submitLabel}
        </button>
      </div>
      <Notice error={error}>{done}</Notice>
    </form>
  );
}

/** The form's non-empty text values by field name. */
export function formValues(form: HTMLFormElement): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of new FormData(form)) if (typeof value === 'string') values[name] = value;
  return values;
}

/** A button that runs an async action and reports its failure next to itself. */
export function ActionButton({
  action,
  children,
  class: className,
  confirm,
  label,
}: {
  action: () => Promise<unknown>;
  children: ComponentChildren;
  class?: string;
  /** Asks before acting (destructive actions). */
  confirm?: string;
  label?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  return (
    <span class="action">
      <button
        type="button"
        class={className}
        aria-label={label}
        disabled={busy}
        onClick={async () => {
          if (confirm && !window.confirm(confirm)) return;
          setBusy(true);
          setError(undefined);
          try {
            await action();
          } catch (caught) {
            setError(caught);
          } finally {
            setBusy(false);
          }
        }}
      >
        {children}
      </button>
      {error !== undefined && (
        <span class="inline-error" role="alert">
          {errorMessage(error)}
        </span>
      )}
    </span>
  );
}

/** A modal dialog (native <dialog>: focus trap, Escape closes, focus returns to the opener). */
export function Dialog({
  title,
  open,
  onClose,
  children,
}: {
  title: string;
  open: boolean;
  onClose: () => void;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={onClose}>
      <header class="row spread">
        <h2 id={titleId}>{title}</h2>
        <button type="button" class="ghost" aria-label="Close" onClick={onClose}>
          ✕
        </button>
      </header>
      {open && children}
    </dialog>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** Status of a run as a coloured badge with text (colour is never the only signal). */
export function StatusBadge({ status, http }: { status: string; http?: number | null }) {
  return (
    <span class={`badge badge-${status}`}>
      {status}
      {http ? ` · ${http}` : ''}
    </span>
  );
}
