/**
 * The app's KV data, as its scripts see it through `kv::`: collections with their live entry counts,
 * one collection's entries in key order (prefix filter, page by page), and an editor for an entry's
 * JSON value and expiry. JSON is checked in the browser first, so a typo never costs a round trip.
 */
import { useEffect, useId, useState } from 'preact/hooks';
import { api, query, seg } from '../../api/client.js';
import type { KvCollection, KvEntry, Page } from '../../api/types.js';
import { ActionButton, ActionForm, Dialog, Empty, Field, formValues } from '../../ui/components.js';
import type { AppTabProps } from '../app-detail.js';
import {
  firstPagePending,
  JsonField,
  jsonPreview,
  LoadMore,
  type PagedState,
  parseJsonOrThrow,
  RelativeTime,
  TabSection,
  toJsonText,
  useDebounced,
  usePaged,
} from './tab-helpers.js';

/** Ten years, the API's longest TTL. */
const MAX_TTL_SECONDS = 10 * 365 * 24 * 3600;
const TTL_UNITS = [
  ['seconds', 1],
  ['minutes', 60],
  ['hours', 3600],
  ['days', 86_400],
] as const;
const ENTRIES_PER_PAGE = 50;

type Editing = { entry: KvEntry } | { collection: string } | null;

export function KvTab({ app }: AppTabProps) {
  const base = `/admin/apps/${seg(app.id)}/kv`;
  const collections = usePaged(
    (cursor) => api<Page<KvCollection>>('GET', `${base}${query({ cursor, limit: 100 })}`),
    [base],
  );
  const [selected, setSelected] = useState<string | null>(null);
  const [prefixInput, setPrefixInput] = useState('');
  const prefix = useDebounced(prefixInput.trim() === '' ? '' : prefixInput, 300);
  const entries = usePaged(
    (cursor) =>
      selected === null
        ? Promise.resolve({ items: [], next_cursor: null })
        : api<Page<KvEntry>>(
            'GET',
            `${base}/${seg(selected)}${query({ prefix, cursor, limit: ENTRIES_PER_PAGE })}`,
          ),
    [base, selected, prefix],
  );
  const [editing, setEditing] = useState<Editing>(null);

  // Open the first collection by default: most apps have one or two.
  useEffect(() => {
    if (selected === null && collections.items.length > 0) setSelected(collections.items[0].collection);
  }, [selected, collections.items]);

  const count = collections.items.find((item) => item.collection === selected)?.entries;

  return (
    <div class="stack">
      <TabSection
        id="kv-title"
        title="KV data"
        actions={
          <button type="button" class="primary" onClick={() => setEditing({ collection: selected ?? '' })}>
            Add entry
          </button>
        }
      >
        <p class="lead muted">
          What this app's scripts store with <code>kv::set(collection, key, value)</code>: JSON values by
          collection and key. Changes here are seen by the next script call at once.
        </p>
      </TabSection>

      {firstPagePending(collections) ??
        (collections.items.length === 0 ? (
          <Empty>
            No KV data yet. Scripts create collections as they store entries, or add the first entry yourself.
          </Empty>
        ) : (
          <div class="kv-layout">
            <nav class="kv-collections card" aria-labelledby="kv-collections-title">
              <h3 id="kv-collections-title" class="card-title small muted">
                Collections
              </h3>
              <ul class="plain">
                {collections.items.map((item) => (
                  <li key={item.collection}>
                    <button
                      type="button"
                      aria-pressed={item.collection === selected}
                      onClick={() => {
                        setSelected(item.collection);
                        setPrefixInput('');
                      }}
                    >
                      <span class="name" title={item.collection}>
                        {item.collection}
                      </span>
                      <span class="badge">
                        {item.entries}
                        <span class="visually-hidden"> entries</span>
                      </span>
                    </button>
                  </li>
                ))}
              </ul>
              <LoadMore state={collections} label="More collections" />
            </nav>

            {selected !== null && (
              <section class="stack" aria-labelledby="kv-entries-title">
                <div class="row spread">
                  <h3 id="kv-entries-title" class="card-title">
                    <span class="mono">{selected}</span>
                    {count !== undefined && (
                      <span class="muted small">
                        {' '}
                        · {count} {count === 1 ? 'entry' : 'entries'}
                      </span>
                    )}
                  </h3>
                </div>
                <form
                  class="row filters"
                  aria-label="Filter entries"
                  onSubmit={(event) => event.preventDefault()}
                >
                  <Field
                    label="Keys starting with"
                    type="search"
                    value={prefixInput}
                    placeholder="user:"
                    autoComplete="off"
                    spellcheck={false}
                    onInput={(event) => setPrefixInput(event.currentTarget.value)}
                  />
                </form>
                <EntryTable
                  entries={entries}
                  prefix={prefix}
                  onEdit={(entry) => setEditing({ entry })}
                  onDelete={async (entry) => {
                    await api('DELETE', `${base}/${seg(entry.collection)}/${seg(entry.key)}`);
                    entries.update((items) => items.filter((item) => item.key !== entry.key));
                    await collections.reload();
                  }}
                />
              </section>
            )}
          </div>
        ))}

      <Dialog
        title={editing && 'entry' in editing ? `Edit ${editing.entry.key}` : 'Add entry'}
        open={editing !== null}
        onClose={() => setEditing(null)}
      >
        {editing !== null && (
          <EntryEditor
            base={base}
            editing={editing}
            collections={collections.items.map((item) => item.collection)}
            onSaved={async (saved, isNew) => {
              setEditing(null);
              if (!isNew) {
                entries.update((items) => items.map((item) => (item.key === saved.key ? saved : item)));
                return;
              }
              await collections.reload();
              if (saved.collection === selected) await entries.reload();
              else {
                setPrefixInput('');
                setSelected(saved.collection);
              }
            }}
          />
        )}
      </Dialog>
    </div>
  );
}

function EntryTable({
  entries,
  prefix,
  onEdit,
  onDelete,
}: {
  entries: PagedState<KvEntry>;
  prefix: string;
  onEdit: (entry: KvEntry) => void;
  onDelete: (entry: KvEntry) => Promise<void>;
}) {
  const pending = firstPagePending(entries);
  if (pending) return pending;
  if (entries.items.length === 0) {
    return (
      <Empty>
        {prefix ? (
          <>
            No keys start with <code>{prefix}</code>.
          </>
        ) : (
          'No entries left. A collection is listed only while it holds entries.'
        )}
      </Empty>
    );
  }
  return (
    <>
      <div class="table-wrap">
        <table class="data">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Value</th>
              <th scope="col">Expires</th>
              <th scope="col" class="wide-only">
                Updated
              </th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.items.map((entry) => (
              <tr key={entry.key}>
                <td class="key-cell">{entry.key}</td>
                <td>
                  <div class="value-preview" title={jsonPreview(entry.value, 400)}>
                    {jsonPreview(entry.value)}
                  </div>
                </td>
                <td class="nowrap">
                  <RelativeTime iso={entry.expires_at} none="never" />
                </td>
                <td class="nowrap wide-only">
                  <RelativeTime iso={entry.updated_at} />
                </td>
                <td class="actions-cell">
                  <div class="row">
                    <button
                      type="button"
                      class="small"
                      aria-label={`Edit ${entry.key}`}
                      onClick={() => onEdit(entry)}
                    >
                      Edit
                    </button>
                    <ActionButton
                      class="danger small"
                      label={`Delete ${entry.key}`}
                      confirm={`Delete the entry "${entry.key}" from ${entry.collection}? Scripts will read () for it.`}
                      action={() => onDelete(entry)}
                    >
                      Delete
                    </ActionButton>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <LoadMore state={entries} />
    </>
  );
}

type Expiry = 'keep' | 'never' | 'set';

/** The add/edit form: collection and key (new entries), the JSON value and when it expires. */
function EntryEditor({
  base,
  editing,
  collections,
  onSaved,
}: {
  base: string;
  editing: Exclude<Editing, null>;
  collections: string[];
  onSaved: (entry: KvEntry, isNew: boolean) => Promise<void>;
}) {
  const existing = 'entry' in editing ? editing.entry : null;
  const [text, setText] = useState(existing ? toJsonText(existing.value) : '{\n  \n}');
  const [expiry, setExpiry] = useState<Expiry>(existing?.expires_at ? 'keep' : 'never');
  const listId = useId();
  const ttlId = useId();

  return (
    <ActionForm
      submitLabel={existing ? 'Save entry' : 'Add entry'}
      onSubmit={async (form) => {
        const values = formValues(form);
        const value = parseJsonOrThrow(text, 'The value');
        const ttl_seconds = ttlFrom(expiry, values, existing);
        const collection = existing?.collection ?? values.collection.trim();
        const key = existing?.key ?? values.key;
        if (!collection || !key) throw new Error('Give the entry a collection and a key');
        const path = `${base}/${seg(collection)}/${seg(key)}`;
        if (!existing && (await exists(path))) {
          // PUT replaces silently; adding should not overwrite data by accident.
          if (!window.confirm(`"${key}" already exists in ${collection}. Replace its value?`)) return;
        }
        const saved = await api<KvEntry>('PUT', path, { value, ttl_seconds });
        await onSaved(saved, !existing);
      }}
    >
      {existing ? (
        <dl class="facts">
          <dt>Collection</dt>
          <dd class="mono">{existing.collection}</dd>
          <dt>Key</dt>
          <dd class="mono">{existing.key}</dd>
          <dt>Created</dt>
          <dd>
            <RelativeTime iso={existing.created_at} />
          </dd>
          <dt>Updated</dt>
          <dd>
            <RelativeTime iso={existing.updated_at} />
          </dd>
        </dl>
      ) : (
        <>
          <Field
            label="Collection"
            name="collection"
            required
            maxLength={128}
            defaultValue={'collection' in editing ? editing.collection : ''}
            list={listId}
            autoComplete="off"
            spellcheck={false}
            hint="An existing collection or a new name."
          />
          <datalist id={listId}>
            {collections.map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
          <Field label="Key" name="key" required maxLength={256} autoComplete="off" spellcheck={false} />
        </>
      )}
      <JsonField
        label="Value (JSON)"
        name="value"
        value={text}
        onInput={setText}
        rows={10}
        autoFocus={!!existing}
        hint='Any JSON: an object, an array, a string in quotes ("on"), a number, true, false or null.'
      />
      <fieldset class="stack tight">
        <legend>Expires</legend>
        {existing?.expires_at && (
          <label>
            <input
              type="radio"
              name="expiry"
              value="keep"
              checked={expiry === 'keep'}
              onChange={() => setExpiry('keep')}
            />{' '}
            {/* One flex item: the label's gap would otherwise space out the parentheses. */}
            <span>
              Keep the current expiry (<RelativeTime iso={existing.expires_at} />)
            </span>
          </label>
        )}
        <label>
          <input
            type="radio"
            name="expiry"
            value="never"
            checked={expiry === 'never'}
            onChange={() => setExpiry('never')}
          />{' '}
          Never
        </label>
        <label>
          <input
            type="radio"
            name="expiry"
            value="set"
            checked={expiry === 'set'}
            onChange={() => setExpiry('set')}
          />{' '}
          After a time from now
        </label>
        {expiry === 'set' && (
          <div class="field">
            <label for={ttlId}>Time to live</label>
            <div class="input-with-unit">
              <input
                id={ttlId}
                name="ttl"
                type="number"
                min={1}
                step={1}
                required
                defaultValue="1"
                inputMode="numeric"
              />
              {/* Uncontrolled (defaults only): the form re-renders on every keystroke in the value. */}
              <select name="ttl_unit" aria-label="Unit">
                {TTL_UNITS.map(([unit]) => (
                  <option key={unit} value={unit} selected={unit === 'hours'}>
                    {unit}
                  </option>
                ))}
              </select>
            </div>
          </div>
        )}
      </fieldset>
    </ActionForm>
  );
}

/** The `ttl_seconds` to send: PUT without one removes an expiry, so "keep" sends what is left of it. */
function ttlFrom(expiry: Expiry, values: Record<string, string>, existing: KvEntry | null): number | null {
  if (expiry === 'never') return null;
  if (expiry === 'keep') {
    const left = Math.ceil((Date.parse(existing?.expires_at ?? '') - Date.now()) / 1000);
    if (!(left >= 1))
      throw new Error('This entry has expired meanwhile: choose "Never" or a new time to live.');
    return left;
  }
  const amount = Number(values.ttl);
  const unit = TTL_UNITS.find(([name]) => name === values.ttl_unit)?.[1] ?? 1;
  const seconds = amount * unit;
  if (!Number.isInteger(amount) || amount < 1)
    throw new Error('The time to live is a whole number from 1 up.');
  if (seconds > MAX_TTL_SECONDS) throw new Error('The time to live can be at most ten years.');
  return seconds;
}

async function exists(path: string): Promise<boolean> {
  try {
    await api('GET', path);
    return true;
  } catch (caught) {
    if ((caught as { status?: number }).status === 404) return false;
    throw caught;
  }
}
