/**
 * The script editor: CodeMirror with live diagnostics, save (a new version), and side panels to run
 * the script with a built request, browse its versions with a diff and roll back, and edit details.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { ApiError, api, query } from '../api/client.js';
import type { App, Diagnostic, Page, RouteInfo, Script, ScriptCheck, ScriptSummary } from '../api/types.js';
import { ActionButton, Loaded, Notice } from '../ui/components.js';
import { useAsync } from '../ui/use-async.js';
import { type CodeEditor, createCodeEditor } from './code-editor.js';
import { RunPanel } from './run-panel.js';
import { VersionHistory } from './version-history.js';
import './editor.css';

export interface ScriptEditorProps {
  appRef: string;
  scriptId: string;
  /** Open with the cursor on this 1-based line (from a log entry's error). */
  line?: number;
}

interface EditorData {
  app: App;
  script: Script;
  modules: string[];
  routes: RouteInfo[];
}

async function load(appRef: string, scriptId: string): Promise<EditorData> {
  const [app, script] = await Promise.all([
    api<App>('GET', `/admin/apps/${encodeURIComponent(appRef)}`),
    api<Script>('GET', `/admin/scripts/${encodeURIComponent(scriptId)}`),
  ]);
  const [modules, routes] = await Promise.all([
    api<Page<ScriptSummary>>('GET', `/admin/scripts${query({ app: app.id, kind: 'module', limit: 200 })}`),
    api<{ items: RouteInfo[] }>('GET', `/admin/apps/${app.id}/routes`),
  ]);
  return {
    app,
    script,
    modules: modules.items.map((module) => module.name).filter((name) => name !== script.name),
    routes: routes.items.filter((route) => route.script_id === script.id),
  };
}

export function ScriptEditorPage({ appRef, scriptId, line }: ScriptEditorProps) {
  const state = useAsync(() => load(appRef, scriptId), [appRef, scriptId]);
  return <Loaded state={state}>{(data) => <Editor key={data.script.id} {...data} line={line} />}</Loaded>;
}

type Panel = 'run' | 'versions' | 'details';

function Editor({ app, script: initial, modules, routes, line }: EditorData & { line?: number }) {
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
  const dirty = draft !== script.source;
  // The CodeMirror callbacks are created once; they read the current state through this ref.
  const live = useRef({ save: () => {}, dirty: false });

  async function save(): Promise<Script | null> {
    const source = editor.current?.view.state.doc.toString() ?? draft;
    if (source === script.source || saving) return null;
    setSaving(true);
    setSaveError(undefined);
    setSaved(undefined);
    try {
      const next = await api<Script>('PATCH', `/admin/scripts/${script.id}`, {
        source,
        message: message.trim() || undefined,
      });
      setScript(next);
      setMessage('');
      setSaved(`Saved as version ${next.version}.`);
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
  live.current = { save: () => void save(), dirty };

  useEffect(() => {
    if (!host.current) return;
    const created = createCodeEditor({
      parent: host.current,
      doc: initial.source,
      label: `Source of ${initial.name}`,
      onChange: setDraft,
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
      onDiagnostics: setDiagnostics,
    });
    editor.current = created;
    if (line) created.goTo(line);
    return () => created.destroy();
  }, [initial, modules, line]);

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
          <span class="badge" title="The live version">
            v{script.version}
          </span>
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
            {saving ? 'Saving…' : 'Save'}
          </button>
        </div>
      </div>
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
            {panel === 'run' &&
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
            {panel === 'versions' && (
              <VersionHistory script={script} draft={draft} onRolledBack={reloadFrom} />
            )}
            {panel === 'details' && (
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
