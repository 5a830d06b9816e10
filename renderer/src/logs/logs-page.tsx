/**
 * Execution logs: a live tail with filters (all apps, or one app's tab), and one record in detail,
 * whose error position opens the script in the editor at that line.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, query } from '../api/client.js';
import type { App, LogRecord, Page, ScriptSummary } from '../api/types.js';
import { Empty, Loaded, Notice, StatusBadge } from '../ui/components.js';
import { formatBytes, formatDuration, formatTime } from '../ui/format.js';
import { useAsync } from '../ui/use-async.js';
import { useLogTail } from './log-tail.js';

const STATUSES = ['ok', 'error', 'timeout', 'limit'] as const;

export function LogsPage() {
  useEffect(() => {
    document.title = 'Logs · PiCloud';
  }, []);
  return (
    <section>
      <h1>Logs</h1>
      <LogsView />
    </section>
  );
}

/** Every app, for the app filter and the App column; none is fetched inside one app's tab. */
function useApps(within: App | undefined) {
  return useAsync(
    async () =>
      within ? { items: [within], next_cursor: null } : api<Page<App>>('GET', '/admin/apps?limit=200'),
    [within?.id],
  );
}

function useScripts(appId: string | undefined) {
  return useAsync(
    () => api<Page<ScriptSummary>>('GET', `/admin/scripts${query({ app: appId, limit: 200 })}`),
    [appId],
  );
}

/** The live tail, for every app or for the one given. */
export function LogsView({ app }: { app?: App }) {
  const [appFilter, setAppFilter] = useState<string>('');
  const [status, setStatus] = useState<string>('');
  const [script, setScript] = useState<string>('');
  const [search, setSearch] = useState('');
  const [paused, setPaused] = useState(false);
  const apps = useApps(app);
  const appId = app?.id ?? (appFilter || undefined);
  const scripts = useScripts(appId);
  const tail = useLogTail({ app: appId, status: status || undefined, script: script || undefined }, paused);

  const appSlugs = useMemo(
    () => new Map((apps.data?.items ?? []).map((entry) => [entry.id, entry.slug])),
    [apps.data],
  );
  const scriptNames = useMemo(
    () => new Map((scripts.data?.items ?? []).map((entry) => [entry.id, entry.name])),
    [scripts.data],
  );
  const needle = search.trim().toLowerCase();
  const shown = needle
    ? tail.records.filter((record) =>
        [
          record.output,
          record.error?.message ?? '',
          record.request_id,
          record.error?.code ?? '',
          record.request
            ? `${record.request.method} ${record.request.path} ${record.request.host ?? ''}`
            : '',
        ]
          .join('\n')
          .toLowerCase()
          .includes(needle),
      )
    : tail.records;

  return (
    <div class="stack">
      <form class="row filters" aria-label="Log filters" onSubmit={(event) => event.preventDefault()}>
        {!app && (
          <div class="field">
            <label for="log-app">App</label>
            <select
              id="log-app"
              value={appFilter}
              onChange={(event) => {
                setAppFilter(event.currentTarget.value);
                setScript('');
              }}
            >
              <option value="">All apps</option>
              {(apps.data?.items ?? []).map((entry) => (
                <option key={entry.id} value={entry.id}>
                  {entry.slug}
                </option>
              ))}
            </select>
          </div>
        )}
        <div class="field">
          <label for="log-script">Script</label>
          <select id="log-script" value={script} onChange={(event) => setScript(event.currentTarget.value)}>
            <option value="">All scripts</option>
            {(scripts.data?.items ?? [])
              .filter((entry) => entry.kind === 'endpoint')
              .map((entry) => (
                <option key={entry.id} value={entry.id}>
                  {entry.name}
                </option>
              ))}
          </select>
        </div>
        <div class="field">
          <label for="log-status">Status</label>
          <select id="log-status" value={status} onChange={(event) => setStatus(event.currentTarget.value)}>
            <option value="">Any status</option>
            {STATUSES.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </div>
        <div class="field grow">
          <label for="log-search">Search</label>
          <input
            id="log-search"
            type="search"
            placeholder="Output, error, path, request id"
            value={search}
            onInput={(event) => setSearch(event.currentTarget.value)}
          />
        </div>
        <button type="button" aria-pressed={paused} onClick={() => setPaused(!paused)}>
          {paused ? 'Resume' : 'Pause'}
        </button>
      </form>
      <p class="small muted" aria-live="polite">
        <span class={`dot dot-${tail.state}`} aria-hidden="true" />{' '}
        {tail.state === 'live'
          ? 'Live: new runs appear as they finish.'
          : tail.state === 'paused'
            ? 'Paused: new runs wait until you resume.'
            : tail.state === 'reconnecting'
              ? 'Connection lost, reconnecting…'
              : 'Connecting…'}
      </p>
      <Notice error={tail.error} />
      {shown.length === 0 ? (
        <Empty>No runs yet{needle || status || script ? ' that match the filters' : ''}.</Empty>
      ) : (
        <div class="table-wrap">
          <table class="data logs" aria-label="Execution logs">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Status</th>
                {!app && <th scope="col">App</th>}
                <th scope="col">Script</th>
                <th scope="col">Request</th>
                <th scope="col">Size</th>
                <th scope="col">Duration</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((record) => (
                <tr key={record.id} class={`log-row log-${record.status}`}>
                  <td class="nowrap">
                    <Link href={`/logs/${record.id}`}>
                      {new Date(record.started_at).toLocaleTimeString()}
                    </Link>
                  </td>
                  <td>
                    <StatusBadge status={record.status} http={record.http_status} />
                  </td>
                  {!app && <td>{appSlugs.get(record.app_id) ?? '…'}</td>}
                  <td class="mono small">
                    {record.script_id
                      ? (scriptNames.get(record.script_id) ?? record.script_id.slice(0, 8))
                      : '—'}
                    {record.script_version !== null && <span class="muted"> v{record.script_version}</span>}
                  </td>
                  <td class="mono small request">
                    {record.request ? `${record.request.method} ${record.request.path}` : record.trigger}
                  </td>
                  <td class="nowrap small">
                    {record.request ? formatBytes(record.request.response_bytes) : '—'}
                  </td>
                  <td class="nowrap">{formatDuration(record.duration_ms)}</td>
                  <td class="small message">{record.error?.message ?? firstLine(record.output)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 120)}…` : line;
}

/** One run in full. */
export function LogDetailPage({ id }: { id: string }) {
  const state = useAsync(async () => {
    const record = await api<LogRecord>('GET', `/admin/logs/${encodeURIComponent(id)}`);
    const [app, script] = await Promise.all([
      api<App>('GET', `/admin/apps/${record.app_id}`).catch(() => null),
      record.script_id === null
        ? Promise.resolve(null)
        : api<ScriptSummary>('GET', `/admin/scripts/${record.script_id}`).catch(() => null),
    ]);
    return { record, app, script };
  }, [id]);
  return (
    <section>
      <p class="small muted">
        <Link href="/logs">Logs</Link> / {id.slice(0, 8)}
      </p>
      <h1>Run</h1>
      <Loaded state={state}>{(data) => <LogDetail {...data} />}</Loaded>
    </section>
  );
}

function LogDetail({
  record,
  app,
  script,
}: {
  record: LogRecord;
  app: App | null;
  script: ScriptSummary | null;
}) {
  const scriptLink = app && script ? `/apps/${app.slug}/scripts/${script.id}` : null;
  const line = record.error?.line ?? null;
  const column = record.error?.column ?? null;
  const request = record.request;
  return (
    <div class="stack">
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={record.status} http={record.http_status} />
        </dd>
        <dt>Started</dt>
        <dd>{formatTime(record.started_at)}</dd>
        <dt>App</dt>
        <dd>{app ? <Link href={`/apps/${app.slug}`}>{app.slug}</Link> : record.app_id}</dd>
        <dt>Script</dt>
        <dd>
          {scriptLink && script ? (
            <Link href={scriptLink}>{script.name}</Link>
          ) : record.script_id ? (
            <span class="muted">a deleted script</span>
          ) : (
            '—'
          )}
          {record.script_version !== null && ` (version ${record.script_version})`}
        </dd>
        <dt>Trigger</dt>
        <dd>{record.trigger}</dd>
        {request && (
          <>
            <dt>Request</dt>
            <dd class="mono request">
              {request.method} {request.path}
            </dd>
            <dt>Host</dt>
            <dd class="mono">{request.host ?? '—'}</dd>
            <dt>Response</dt>
            <dd>
              {record.http_status ?? '—'} · {formatBytes(request.response_bytes)}
            </dd>
          </>
        )}
        <dt>Duration</dt>
        <dd>{formatDuration(record.duration_ms)}</dd>
        <dt>Operations</dt>
        <dd>{record.operations.toLocaleString()}</dd>
        <dt>Request id</dt>
        <dd class="mono">{record.request_id}</dd>
      </dl>
      {record.error && (
        <section class="card error-card" aria-label="Error">
          <p>
            <strong>{record.error.code}</strong>
            {record.error.kind && <span class="muted"> ({record.error.kind})</span>}
          </p>
          <p>{record.error.message}</p>
          {line !== null && (
            <p>
              {scriptLink && script ? (
                <Link href={`${scriptLink}/line/${line}${column !== null ? `/${column}` : ''}`}>
                  Open {script.name} at line {line}
                  {column !== null ? `, column ${column}` : ''}
                </Link>
              ) : (
                `Line ${line}${column !== null ? `, column ${column}` : ''}`
              )}
            </p>
          )}
        </section>
      )}
      <h2>Output</h2>
      {record.output ? <pre>{record.output}</pre> : <p class="muted">The script printed nothing.</p>}
    </div>
  );
}
