/**
 * Runs the saved script with a request built here (method, path, headers, body) and shows what came
 * back: the response, the captured output, the duration and the operations used. The run is logged
 * like any other.
 */
import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { RouteInfo, RunResult, Script } from '../api/types.js';
import { Notice, StatusBadge } from '../ui/components.js';
import { formatDuration, prettyJson } from '../ui/format.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** "Name: value" lines into a header map; a line without a colon is an error. */
export function parseHeaderLines(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line) return;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`Header line ${index + 1} needs "Name: value"`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  });
  return headers;
}

export function RunPanel({
  script,
  routes,
  dirty,
  saveFirst,
  onGoTo,
}: {
  script: Script;
  routes: RouteInfo[];
  dirty: boolean;
  saveFirst: () => Promise<Script | null>;
  onGoTo: (line: number, column?: number) => void;
}) {
  const first = routes[0];
  const [method, setMethod] = useState(first?.methods[0] ?? 'GET');
  const [path, setPath] = useState(first?.path ?? '/');
  const [headers, setHeaders] = useState('');
  const [body, setBody] = useState('');
  const [result, setResult] = useState<RunResult | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [running, setRunning] = useState(false);

  async function run() {
    setRunning(true);
    setError(undefined);
    try {
      if (dirty && !(await saveFirst())) return;
      const headerMap = parseHeaderLines(headers);
      if (body && !Object.keys(headerMap).includes('content-type')) {
        headerMap['content-type'] = /^\s*[[{"]/.test(body) ? 'application/json' : 'text/plain';
      }
      setResult(
        await api<RunResult>('POST', `/admin/scripts/${script.id}/run`, {
          method,
          path,
          headers: headerMap,
          body: body && method !== 'GET' && method !== 'HEAD' ? body : undefined,
        }),
      );
    } catch (caught) {
      setError(caught);
    } finally {
      setRunning(false);
    }
  }

  return (
    <div class="stack run-panel">
      <form
        class="stack"
        aria-label="Request to run"
        onSubmit={(event) => {
          event.preventDefault();
          void run();
        }}
      >
        <div class="row">
          <div class="field">
            <label for="run-method">Method</label>
            <select id="run-method" value={method} onChange={(event) => setMethod(event.currentTarget.value)}>
              {METHODS.map((value) => (
                <option key={value}>{value}</option>
              ))}
            </select>
          </div>
          <div class="field grow">
            <label for="run-path">Path</label>
            <input
              id="run-path"
              value={path}
              required
              pattern="/.*"
              onInput={(event) => setPath(event.currentTarget.value)}
            />
          </div>
        </div>
        {routes.length > 1 && (
          <p class="small muted">
            Routes:{' '}
            {routes.map((route) => (
              <button
                key={route.id}
                type="button"
                class="link small"
                onClick={() => {
                  setPath(route.path);
                  setMethod(route.methods[0] ?? 'GET');
                }}
              >
                {route.methods[0]} {route.path}
              </button>
            ))}
          </p>
        )}
        <div class="field">
          <label for="run-headers">Headers</label>
          <textarea
            id="run-headers"
            rows={2}
            placeholder="content-type: application/json"
            value={headers}
            onInput={(event) => setHeaders(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="run-body">Body</label>
          <textarea
            id="run-body"
            rows={3}
            value={body}
            onInput={(event) => setBody(event.currentTarget.value)}
          />
        </div>
        <div class="row">
          <button type="submit" class="primary" disabled={running}>
            {running ? 'Running…' : dirty ? 'Save and run' : 'Run'}
          </button>
          <span class="small muted">Runs version {script.version} (the saved one); the run is logged.</span>
        </div>
      </form>
      <Notice error={error} />
      {result && <RunResultView result={result} onGoTo={onGoTo} />}
    </div>
  );
}

function RunResultView({
  result,
  onGoTo,
}: {
  result: RunResult;
  onGoTo: (line: number, column?: number) => void;
}) {
  const response = result.response;
  return (
    <section class="stack run-result" aria-live="polite" aria-label="Run result">
      <div class="row">
        <StatusBadge status={result.status} http={response?.status ?? result.error?.http_status} />
        <span class="small">
          <span class="run-duration">{formatDuration(result.duration_ms)}</span> ·{' '}
          <span class="run-operations">{result.operations.toLocaleString()} operations</span> · v
          {result.version}
        </span>
      </div>
      {result.error && (
        <div class="card error-card">
          <p>
            <strong>{result.error.code}</strong>: {result.error.message}
          </p>
          {result.error.line != null && (
            <button
              type="button"
              class="link"
              onClick={() => onGoTo(result.error!.line!, result.error!.column ?? 1)}
            >
              Go to line {result.error.line}
              {result.error.column != null ? `, column ${result.error.column}` : ''}
            </button>
          )}
        </div>
      )}
      {response && (
        <>
          <h3>Response</h3>
          <details>
            <summary class="small">Headers ({Object.keys(response.headers).length})</summary>
            <pre>
              {Object.entries(response.headers)
                .map(([name, value]) => `${name}: ${value}`)
                .join('\n')}
            </pre>
          </details>
          <pre class="run-body">
            {response.body_encoding === 'base64'
              ? `(${Math.floor((response.body.length * 3) / 4)} bytes of binary data)`
              : prettyJson(response.body) || '(empty body)'}
          </pre>
        </>
      )}
      <h3>Output</h3>
      {result.output ? (
        <pre class="run-output">{result.output}</pre>
      ) : (
        <p class="muted small">Nothing printed.</p>
      )}
      <p class="small muted">
        Request id <span class="mono">{result.request_id}</span>
      </p>
    </section>
  );
}
