/**
 * The page the window shows while the server is not running (starting, stopped, failed): what is
 * going on and buttons for what can be done. A data: URL built here, so it needs no file on disk and
 * no server; its one script is allowed by hash in its Content-Security-Policy.
 */
import { createHash } from 'node:crypto';
import type { ServerState } from '../supervisor/server-state.js';
import { FAILURE_HEADLINES, statusLine } from '../tray/tray-menu.js';

/** Buttons call the preload's desktop API; the app reloads the page on every state change. */
const SCRIPT = `for (const button of document.querySelectorAll('button[data-action]')) {
  button.addEventListener('click', () => {
    const action = button.dataset.action;
    const api = window.picloudDesktop;
    if (action === 'show-log') api.showLog();
    else if (action === 'show-data-folder') api.showDataFolder();
    else api.controlServer(action);
  });
}`;

const SCRIPT_HASH = createHash('sha256').update(SCRIPT).digest('base64');

/** The policy of the status page: nothing but its own style and script. */
export const STATUS_PAGE_CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${SCRIPT_HASH}'`;

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string,
  );
}

function explanation(server: ServerState): string {
  switch (server.kind) {
    case 'stopped':
      return 'The server is stopped: your endpoints do not answer.';
    case 'starting':
      return 'Starting the database and the server… The first start takes longer.';
    case 'running':
      return `Running at ${server.url}`;
    case 'stopping':
      return 'Stopping the server…';
    case 'restarting':
      return `${server.reason}. Restarting automatically.`;
    case 'error':
      return server.message;
    default:
      throw new Error(`unknown server state ${JSON.stringify(server satisfies never)}`);
  }
}

function buttons(server: ServerState): string[] {
  switch (server.kind) {
    case 'stopped':
      return ['start'];
    case 'error':
      return ['start', 'show-log', 'show-data-folder'];
    case 'restarting':
      return ['start', 'stop', 'show-log'];
    case 'starting':
      return ['stop'];
    default:
      return [];
  }
}

const BUTTON_LABELS: Record<string, string> = {
  start: 'Start server',
  stop: 'Stop server',
  'show-log': 'Show server log',
  'show-data-folder': 'Show data folder',
};

/** The status page's HTML for a state. */
export function statusPageHtml(server: ServerState): string {
  const title = server.kind === 'error' ? FAILURE_HEADLINES[server.failure] : statusLine(server);
  const actions = buttons(server)
    .map((action) => `<button data-action="${action}">${BUTTON_LABELS[action]}</button>`)
    .join(' ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${STATUS_PAGE_CSP}">
<title>PiCloud</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0; display: grid; place-items: center; min-height: 100vh;
    background: #f6f8fa; color: #1f2328; }
  main { max-width: 34rem; padding: 2rem; text-align: center; }
  h1 { font-size: 1.4rem; margin: 0 0 .5rem; }
  p { margin: 0 0 1.5rem; overflow-wrap: anywhere; }
  button { font: inherit; padding: .45rem 1rem; margin: .25rem; border-radius: 6px; border: 1px solid #d0d7de;
    background: #fff; cursor: pointer; }
  button:first-child { background: #1f6feb; border-color: #1f6feb; color: #fff; }
  @media (prefers-color-scheme: dark) { body { background: #0d1117; color: #e6edf3; }
    button { background: #21262d; border-color: #30363d; color: #e6edf3; } }
</style>
</head>
<body>
<main data-state="${server.kind}">
  <h1>${escapeHtml(title)}</h1>
  <p>${escapeHtml(explanation(server))}</p>
  <div>${actions}</div>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

/** The page as a URL for `BrowserWindow.loadURL`. */
export function statusPageUrl(server: ServerState): string {
  return `data:text/html;charset=utf-8,${encodeURIComponent(statusPageHtml(server))}`;
}
