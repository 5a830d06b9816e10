/**
 * The script editor: CodeMirror with live diagnostics, save (a new version), and side panels to run
 * the script with a built request, browse its versions with a diff and roll back, and edit details.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { ApiError, api, query } from '../api/client.js';
import type {
  App,
  Diagnostic,
  Page,
  RouteInfo,
  Script,
  ScriptCheck,
  ScriptKind,
  ScriptSummary,
} from '../api/types.js';
import { ActionButton, Loaded, Notice } from '../ui/components.js';
import { formatRelative } from '../ui/format.js';
import { useAsync } from '../ui/use-async.js';
import { type CodeEditor, createCodeEditor } from './code-editor.js';
import { clearDraft, type Draft, draftKey, readDraft, writeDraft } from './drafts.js';
import { RunPanel } from './run-panel.js';
import { VersionHistory } from './version-history.js';
import './editor.css';

export interface ScriptEditorProps {
  appRef: string;
  /** The script to edit; absent for a new one. */
  scriptId?: string;
  /** A script not created yet: it is created by its first save (as version 1). */
  newScript?: { kind: ScriptKind; name: string };
  /** Open with the cursor on this 1-based line (from a log entry's error)… */
  line?: number;
  /** …and column. */
  column?: number;
}

/** What a new script starts with. */
const TEMPLATES: Record<ScriptKind, string> = {
  endpoint: `// Runs for each request routed here: ctx holds the request, the last value is the response.
let name = ctx.query.name ?? "world";
#{ message: \`Hello, \${name}!\` }
`,
  module: `// A module: functions and constants other scripts use with  import "name" as m;
fn greet(name) {
    \`Hello, \${name}!\`
}
`,
};

interface EditorData {
  app: App;
  script: Script;
  modules: string[];
  routes: RouteInfo[];
}

async function load(
  appRef: string,
  scriptId: string | undefined,
  newScript: ScriptEditorProps['newScript'],
): Promise<EditorData> {
  const app = await api<App>('GET', `/admin/apps/${encodeURIComponent(appRef)}`);
  const script =
    scriptId !== undefined
      ? await api<Script>('GET', `/admin/scripts/${encodeURIComponent(scriptId)}`)
      : unsavedScript(app, newScript ?? { kind: 'endpoint', name: 'script' });
  const [modules, routes] = await Promise.all([
    api<Page<ScriptSummary>>('GET', `/admin/scripts${query({ app: app.id, kind: 'module', limit: 200 })}`),
    script.id === ''
      ? Promise.resolve({ items: [] as RouteInfo[] })
      : api<{ items: RouteInfo[] }>('GET', `/admin/apps/${app.id}/routes`),
  ]);
  return {
    app,
    script,
    modules: modules.items.map((module) => module.name).filter((name) => name !== script.name),
    routes: routes.items.filter((route) => route.script_id === script.id),
  };
}

/** A script that exists only in the editor until its first save (id ''; version 0). */
function unsavedScript(app: App, { kind, name }: { kind: ScriptKind; name: string }): Script {
  const now = new Date().toISOString();
  return {
    id: '',
    app_id: app.id,
    name,
    kind,
    description: '',
    version: 0,
    created_at: now,
    updated_at: now,
    source: TEMPLATES[kind],
  };
}

export function ScriptEditorPage({ appRef, scriptId, newScript, line, column }: ScriptEditorProps) {
  const state = useAsync(
    () => load(appRef, scriptId, newScript),
    [appRef, scriptId, newScript?.kind, newScript?.name],
  );
  return (
    <Loaded state={state}>
      {(data) => <Editor key={draftKey(data.script)} {...data} line={line} column={column} />}
    </Loaded>
  );
}

type Panel = 'run' | 'versions' | 'details';

function Editor({
  app,
  script: initial,
  modules,
  routes,
  line,
  column,
}: EditorData & { line?: number; column?: number }) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<CodeEditor | null>(null);
  const [script, setScript] = useState(initial);
  const [draft, setDraft] = useState(initial.source);
  const [diagnostics, setDiagnostics] = useState<Diagnostic[]>([]);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState<string | undefined>(undefined);
  const [message, setMessage] = useState('');
  const [panel, setPanel] = useState<Panel>('run');
  const [, navigate] = useLocation();
  const isNew = script.id === '';
  const key = draftKey(initial);
  // A draft left by an earlier visit, offered back until restored or discarded.
  const [offered, setOffered] = useState<Draft | null>(() => {
    const kept = readDraft(key);
    return kept !== null && kept.source !== initial.source ? kept : null;
  });
  const dirty = isNew || draft !== script.source;
  // The CodeMirror callbacks are created once; they read the current state through this ref.
  const live = useRef({ save: () => {}, dirty: false, version: initial.version, source: initial.source });

  async function save(): Promise<Script | null> {
    const source = editor.current?.view.state.doc.toString() ?? draft;
    if ((!isNew && source === script.source) || saving) return null;
    setSaving(true);
    setSaveError(undefined);
    setSaved(undefined);
    try {
      const next = isNew
        ? await api<Script>('POST', '/admin/scripts', {
            app: app.id,
            name: script.name,
            kind: script.kind,
            source,
            message: message.trim() || 'Created in the panel',
          })
        : await api<Script>('PATCH', `/admin/scripts/${script.id}`, {
            source,
            message: message.trim() || undefined,
          });
      clearDraft(key);
      setOffered(null);
      setScript(next);
      setMessage('');
      setSaved(isNew ? `Created as version ${next.version}.` : `Saved as version ${next.version}.`);
      // The new script has an address of its own now (replacing the new-script one in the history).
      if (isNew) navigate(`/apps/${app.slug}/scripts/${next.id}`, { replace: true });
      return next;
    } catch (error) {
      setSaveError(error);
      const details =
        error instanceof ApiError ? (error.details as { diagnostics?: Diagnostic[] } | undefined) : undefined;
      if (details?.diagnostics) editor.current?.showDiagnostics(details.diagnostics);
      return null;
    } finally {
      setSaving(false);
    }
  }
  live.current = { save: () => void save(), dirty, version: script.version, source: script.source };

  useEffect(() => {
    if (!host.current) return;
    const created = createCodeEditor({
      parent: host.current,
      doc: initial.source,
      label: `Source of ${initial.name}`,
      onChange: (source) => {
        setDraft(source);
        // Kept as it is typed: navigating away by any means loses nothing.
        if (source === live.current.source && live.current.version > 0) clearDraft(key);
        else writeDraft(key, source, live.current.version);
      },
      check: async (source) =>
        (
          await api<ScriptCheck>('POST', '/admin/scripts:check', {
            app: initial.app_id,
            kind: initial.kind,
            name: initial.name,
            source,
          })
        ).diagnostics,
      moduleNames: () => modules,
      onDiagnostics: (found) => {
        setDiagnostics(found);
        // A refused save's "does not compile" ends once the text compiles again.
        if (found.length === 0) setSaveError((error: unknown) => (isCompileError(error) ? undefined : error));
      },
    });
    editor.current = created;
    if (line) created.goTo(line, column ?? 1);
    return () => created.destroy();
  }, [initial, modules, line, column, key]);

  useEffect(() => {
    document.title = `${script.name}${dirty ? ' •' : ''} · PiCloud`;
    // Leaving with unsaved changes asks first (closing the tab or reloading).
    const warn = (event: BeforeUnloadEvent) => {
      if (live.current.dirty) event.preventDefault();
    };
    // Ctrl+S / ⌘S saves from anywhere on the page (the editor, the message field…), not the browser's "save page".
    const saveKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 's') {
        event.preventDefault();
        live.current.save();
      }
    };
    window.addEventListener('beforeunload', warn);
    window.addEventListener('keydown', saveKey);
    return () => {
      window.removeEventListener('beforeunload', warn);
      window.removeEventListener('keydown', saveKey);
    };
  }, [script.name, dirty]);

  const reloadFrom = (next: Script) => {
    clearDraft(key);
    setOffered(null);
    setScript(next);
    setDraft(next.source);
    editor.current?.setDoc(next.source);
  };

  return (
    <section class="editor-page">
      <p class="small muted">
        <Link href="/">Apps</Link> / <Link href={`/apps/${app.slug}`}>{app.slug}</Link> /{' '}
        <Link href={`/apps/${app.slug}/scripts`}>scripts</Link> / {script.name}
      </p>
      <div class="row spread editor-toolbar">
        <h1 class="row">
          {script.name} <span class={`badge badge-${script.kind}`}>{script.kind}</span>
          {isNew ? (
            <span class="badge" title="Created by the first save">
              new
            </span>
          ) : (
            <span class="badge" title="The live version">
              v{script.version}
            </span>
          )}
          {dirty && (
            <span class="badge badge-unsaved" role="status">
              unsaved
            </span>
          )}
        </h1>
        <div class="row">
          <label class="sr-only" for="save-message">
            Version message
          </label>
          <input
            id="save-message"
            placeholder="What changed (optional)"
            value={message}
            onInput={(event) => setMessage(event.currentTarget.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter') void save();
            }}
          />
          <button
            type="button"
            class="primary"
            onClick={() => void save()}
            disabled={!dirty || saving}
            aria-keyshortcuts="Control+S"
            title="Save (Ctrl+S / ⌘S)"
          >
            {saving ? 'Saving…' : isNew ? 'Create' : 'Save'}
          </button>
        </div>
      </div>
      {offered && (
        <DraftOffer
          draft={offered}
          version={script.version}
          onRestore={() => {
            editor.current?.setDoc(offered.source);
            setDraft(offered.source);
            writeDraft(key, offered.source, offered.baseVersion);
            setOffered(null);
          }}
          onDiscard={() => {
            clearDraft(key);
            setOffered(null);
          }}
        />
      )}
      <Notice error={saveError}>{saved}</Notice>
      <div class="editor-layout">
        <div class="editor-main">
          <div class="code-host" ref={host} />
          <DiagnosticList
            diagnostics={diagnostics}
            onGo={(d) => d.line && editor.current?.goTo(d.line, d.column ?? 1)}
          />
        </div>
        <aside class="editor-side" aria-label="Script tools">
          <div class="tabs" role="tablist" aria-label="Script tools">
            {(
              [
                ['run', 'Run'],
                ['versions', 'Versions'],
                ['details', 'Details'],
              ] as const
            ).map(([id, label]) => (
              <button
                key={id}
                type="button"
                role="tab"
                id={`tab-${id}`}
                aria-selected={panel === id}
                aria-controls={`panel-${id}`}
                class={panel === id ? 'tab selected' : 'tab'}
                onClick={() => setPanel(id)}
              >
                {label}
              </button>
            ))}
          </div>
          <div role="tabpanel" id={`panel-${panel}`} aria-labelledby={`tab-${panel}`}>
            {isNew ? (
              <p class="muted">
                Save creates the script as version 1; then you can run it, see its versions and edit its
                details.
              </p>
            ) : null}
            {!isNew &&
              panel === 'run' &&
              (script.kind === 'endpoint' ? (
                <RunPanel
                  script={script}
                  routes={routes}
                  dirty={dirty}
                  saveFirst={save}
                  onGoTo={(line, column) => editor.current?.goTo(line, column)}
                />
              ) : (
                <p class="muted">A module does not run by itself: run an endpoint that imports it.</p>
              ))}
            {!isNew && panel === 'versions' && (
              <VersionHistory script={script} draft={draft} onRolledBack={reloadFrom} />
            )}
            {!isNew && panel === 'details' && (
              <Details
                script={script}
                routes={routes}
                onSaved={setScript}
                onDeleted={() => navigate(`/apps/${app.slug}/scripts`)}
              />
            )}
          </div>
        </aside>
      </div>
    </section>
  );
}

/** A refused save because the script did not compile. */
function isCompileError(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'PICLOUD_ERR_SCRIPT_COMPILE';
}

/** Offers back the text left unsaved on an earlier visit. */
function DraftOffer({
  draft,
  version,
  onRestore,
  onDiscard,
}: {
  draft: Draft;
  version: number;
  onRestore: () => void;
  onDiscard: () => void;
}) {
  return (
    <div class="notice notice-warn row spread" role="status" aria-label="Unsaved draft">
      <span>
        You left unsaved changes here {formatRelative(draft.savedAt)}
        {draft.baseVersion > 0 && draft.baseVersion !== version
          ? ` (made on version ${draft.baseVersion}; the script is now at version ${version})`
          : ''}
        .
      </span>
      <span class="row">
        <button type="button" class="primary" onClick={onRestore}>
          Restore them
        </button>
        <button type="button" onClick={onDiscard}>
          Discard
        </button>
      </span>
    </div>
  );
}

function DiagnosticList({ diagnostics, onGo }: { diagnostics: Diagnostic[]; onGo: (d: Diagnostic) => void }) {
  return (
    <div class="diagnostics" aria-live="polite">
      {diagnostics.length === 0 ? (
        <p class="small ok-text">✓ No problems</p>
      ) : (
        <ul class="plain" aria-label="Problems">
          {diagnostics.map((diagnostic, index) => (
            <li key={`${index}-${diagnostic.line}-${diagnostic.column}`} class="diagnostic">
              <button type="button" class="link" onClick={() => onGo(diagnostic)}>
                {diagnostic.line !== null
                  ? `Line ${diagnostic.line}${diagnostic.column !== null ? `, column ${diagnostic.column}` : ''}`
                  : 'Script'}
              </button>
              : {diagnostic.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Details({
  script,
  routes,
  onSaved,
  onDeleted,
}: {
  script: Script;
  routes: RouteInfo[];
  onSaved: (script: Script) => void;
  onDeleted: () => void;
}) {
  const [name, setName] = useState(script.name);
  const [description, setDescription] = useState(script.description);
  return (
    <div class="stack">
      <div class="field">
        <label for="script-name">Name</label>
        <input id="script-name" value={name} onInput={(event) => setName(event.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="script-description">Description</label>
        <textarea
          id="script-description"
          value={description}
          onInput={(event) => setDescription(event.currentTarget.value)}
        />
      </div>
      <ActionButton
        action={async () =>
          onSaved(await api<Script>('PATCH', `/admin/scripts/${script.id}`, { name, description }))
        }
      >
        Save details
      </ActionButton>
      <h3>Routes to this script</h3>
      {routes.length === 0 ? (
        <p class="muted small">None.</p>
      ) : (
        <ul class="plain">
          {routes.map((route) => (
            <li key={route.id} class="mono small">
              {route.methods.join(', ')} {route.path}
            </li>
          ))}
        </ul>
      )}
      <p class="small muted">
        Script id <span class="mono">{script.id}</span>
      </p>
      <ActionButton
        class="danger"
        confirm={`Delete the script "${script.name}" and all its versions?`}
        action={async () => {
          await api('DELETE', `/admin/scripts/${script.id}`);
          onDeleted();
        }}
      >
        Delete script
      </ActionButton>
    </div>
  );
}
