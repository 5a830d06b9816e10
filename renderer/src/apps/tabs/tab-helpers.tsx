/**
 * Pieces the domains, KV, triggers, settings and account screens share: cursor-paged lists with
 * "Load more", JSON typed by hand (checked in the browser before it is sent, with the error's line and
 * column), relative times, a debounced value and switches that save at once.
 */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useId, useRef, useState } from 'preact/hooks';
import type { Page } from '../../api/types.js';
import { Notice } from '../../ui/components.js';
import { formatRelative, formatTime } from '../../ui/format.js';
import '../../styles/app-tabs.css';

/** A list read page by page through `next_cursor`; `loadMore` appends the next page. */
export interface PagedState<T> {
  items: T[];
  error: unknown;
  /** True while the first page or a further one is on its way. */
  loading: boolean;
  /** True once the first page arrived (so an empty list can say so instead of "Loading…"). */
  loaded: boolean;
  hasMore: boolean;
  loadMore: () => Promise<void>;
  /** Starts again from the first page (after a change that may move items between pages). */
  reload: () => Promise<void>;
  /** Changes the loaded items in place (after a change whose answer is the new item). */
  update: (change: (items: T[]) => T[]) => void;
}

export function usePaged<T>(
  load: (cursor: string | undefined) => Promise<Page<T>>,
  deps: unknown[],
): PagedState<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [loaded, setLoaded] = useState(false);
  // An answer for an older filter or a superseded reload must not land in the current list.
  const generation = useRef(0);

  const fetchPage = async (from: string | undefined, append: boolean) => {
    const mine = append ? generation.current : ++generation.current;
    setLoading(true);
    try {
      const page = await load(from);
      if (mine !== generation.current) return;
      setItems((previous) => (append ? [...previous, ...page.items] : page.items));
      setCursor(page.next_cursor);
      setError(undefined);
      setLoaded(true);
    } catch (caught) {
      if (mine === generation.current) setError(caught);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  };

  const reload = useCallback(() => fetchPage(undefined, false), deps);
  useEffect(() => {
    setLoaded(false);
    setItems([]);
    void reload();
    return () => {
      generation.current++;
    };
  }, [reload]);

  return {
    items,
    error,
    loading,
    loaded,
    hasMore: cursor !== null,
    loadMore: () => (cursor === null ? Promise.resolve() : fetchPage(cursor, true)),
    reload,
    update: (change) => setItems(change),
  };
}

/**
 * What a paged list shows until its first page arrives: the error that stopped it, or "Loading…";
 * null once it is loaded.
 */
export function firstPagePending(state: Pick<PagedState<unknown>, 'loaded' | 'error'>) {
  if (state.loaded) return null;
  if (state.error !== undefined) return <Notice error={state.error} />;
  return (
    <p class="muted" aria-busy="true">
      Loading…
    </p>
  );
}

/** The "Load more" button under a paged list, with the error of the last attempt. */
export function LoadMore({
  state,
  label = 'Load more',
}: {
  state: Pick<PagedState<unknown>, 'hasMore' | 'loaded' | 'loading' | 'error' | 'loadMore'>;
  label?: string;
}) {
  if (!state.hasMore && !(state.loaded && state.error !== undefined)) return null;
  return (
    <div class="row load-more">
      {state.hasMore && (
        <button type="button" disabled={state.loading} onClick={() => void state.loadMore()}>
          {state.loading ? 'Loading…' : label}
        </button>
      )}
      {state.loaded && state.error !== undefined && (
        <span class="inline-error" role="alert">
          {state.error instanceof Error ? state.error.message : String(state.error)}
        </span>
      )}
    </div>
  );
}

/** A time as "in 3 hours" / "5 minutes ago", with the exact time on hover and for machines. */
export function RelativeTime({ iso, none = '—' }: { iso: string | null | undefined; none?: string }) {
  if (!iso) return <span class="muted">{none}</span>;
  return (
    <time dateTime={iso} title={formatTime(iso)}>
      {formatRelative(iso)}
    </time>
  );
}

/** `value`, once it has stopped changing for `ms` milliseconds. */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** JSON text checked in the browser: the value, or where and why it does not parse. */
export type JsonCheck =
  | { ok: true; value: unknown }
  | { ok: false; message: string; line: number; column: number; offset: number; sourceLine: string };

/**
 * Parses JSON typed by hand. Browsers word the error differently (Chromium gives an offset, Firefox a
 * line and column), so both are read and turned into one line/column the user can find.
 */
export function checkJson(text: string): JsonCheck {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (caught) {
    const raw = caught instanceof Error ? caught.message : String(caught);
    let offset = text.length;
    const at = /at position (\d+)/.exec(raw);
    const lineColumn = /line (\d+) column (\d+)/.exec(raw);
    if (at) offset = Math.min(Number(at[1]), text.length);
    else if (lineColumn) offset = offsetOf(text, Number(lineColumn[1]), Number(lineColumn[2]));
    const before = text.slice(0, offset).split('\n');
    const line = before.length;
    const column = before[before.length - 1].length + 1;
    const message = text.trim()
      ? raw
          .replace(/^JSON\.parse: /, '')
          .replace(/ (in JSON )?at position \d+.*$/, '')
          .replace(/ at line \d+ column \d+ of the JSON data$/, '')
      : 'Nothing to parse: type a JSON value such as {"on": true}, 42 or "text"';
    return { ok: false, message, line, column, offset, sourceLine: text.split('\n')[line - 1] ?? '' };
  }
}

function offsetOf(text: string, line: number, column: number): number {
  const lines = text.split('\n');
  let offset = 0;
  for (let index = 0; index < line - 1 && index < lines.length; index++) offset += lines[index].length + 1;
  return Math.min(offset + column - 1, text.length);
}

/** Pretty JSON for editing (two spaces), or the text a value that JSON cannot hold gives. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'null';
}

/** A one-line preview of a JSON value for lists. */
export function jsonPreview(value: unknown, max = 80): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * A labelled JSON textarea that says, as one types, whether the text parses — and where it breaks,
 * with the line and a caret under the column. `onCheck` receives the latest result.
 */
export function JsonField({
  label,
  name,
  value,
  onInput,
  hint,
  rows = 8,
  autoFocus,
}: {
  label: string;
  name: string;
  value: string;
  onInput: (text: string) => void;
  hint?: string;
  rows?: number;
  autoFocus?: boolean;
}) {
  const id = useId();
  const check = checkJson(value);
  const area = useRef<HTMLTextAreaElement>(null);
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <textarea
        ref={area}
        id={id}
        name={name}
        rows={rows}
        spellcheck={false}
        // biome-ignore lint/a11y/noAutofocus: in a dialog, the field the user came to fill; showModal() focuses it.
        autoFocus={autoFocus}
        value={value}
        aria-invalid={!check.ok}
        aria-describedby={`${id}-status${hint ? ` ${id}-hint` : ''}`}
        onInput={(event) => onInput(event.currentTarget.value)}
      />
      {hint && (
        <small id={`${id}-hint`} class="muted">
          {hint}
        </small>
      )}
      <div id={`${id}-status`} aria-live="polite">
        {check.ok ? (
          <small class="json-ok">Valid JSON</small>
        ) : (
          <div class="json-error">
            <div class="row spread">
              <small>
                Line {check.line}, column {check.column}: {check.message}
              </small>
              <button
                type="button"
                class="small ghost"
                onClick={() => {
                  // Puts the cursor where the parser stopped, so the fix is one keystroke away.
                  area.current?.focus();
                  area.current?.setSelectionRange(check.offset, check.offset);
                }}
              >
                Go to error
              </button>
            </div>
            {value.trim() && (
              <pre aria-hidden="true" class="json-caret">
                {check.sourceLine.slice(0, 200)}
                {'\n'}
                {`${' '.repeat(Math.min(check.column - 1, 200))}^`}
              </pre>
            )}
          </div>
        )}
      </div>
    </div>
  );
}

/** Throws the parse problem as an Error (ActionForm shows it) or returns the value. */
export function parseJsonOrThrow(text: string, what: string): unknown {
  const check = checkJson(text);
  if (!check.ok)
    throw new Error(
      `${what} is not valid JSON (line ${check.line}, column ${check.column}): ${check.message}`,
    );
  return check.value;
}

/**
 * A checkbox switch that saves at once: disabled while saving, back to the saved state with the
 * reason when the server refuses.
 */
export function SaveSwitch({
  checked,
  label,
  onChange,
  children,
}: {
  checked: boolean;
  /** The accessible name (names the thing switched, e.g. "Enabled: nightly"). */
  label: string;
  onChange: (checked: boolean) => Promise<unknown>;
  children: ComponentChildren;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  return (
    <span class="action">
      <label class="check switch">
        <input
          type="checkbox"
          role="switch"
          aria-checked={checked}
          aria-label={label}
          checked={checked}
          disabled={busy}
          onChange={async (event) => {
            const next = event.currentTarget.checked;
            // Until the server confirms, the checkbox shows the stored state, not the wish.
            event.currentTarget.checked = checked;
            setBusy(true);
            setError(undefined);
            try {
              await onChange(next);
            } catch (caught) {
              setError(caught);
            } finally {
              setBusy(false);
            }
          }}
        />
        {children}
      </label>
      {error !== undefined && (
        <span class="inline-error" role="alert">
          {error instanceof Error ? error.message : String(error)}
        </span>
      )}
    </span>
  );
}

/** Lines of a one-entry-per-line textarea, trimmed, without blanks. */
export function linesOf(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** A section of a tab: a heading with actions on its right, then the content. */
export function TabSection({
  id,
  title,
  actions,
  children,
  class: className,
}: {
  id: string;
  title: string;
  actions?: ComponentChildren;
  children: ComponentChildren;
  class?: string;
}) {
  return (
    <section aria-labelledby={id} class={className ?? 'tab-section'}>
      <div class="row spread">
        <h2 id={id}>{title}</h2>
        {actions && <div class="row">{actions}</div>}
      </div>
      {children}
    </section>
  );
}
