/** The URLs of a route on the LAN, each with copy and a QR code for phones. */
import { useState } from 'preact/hooks';
import type { App, NodeInfo, RouteInfo } from '../api/types.js';
import { Dialog } from '../ui/components.js';
import { CopyButton } from '../ui/copy-button.js';
import { QrCode } from '../ui/qr-code.js';
import { routeUrls } from './endpoint-urls.js';

export function EndpointLinks({ app, node, route }: { app: App; node: NodeInfo; route: RouteInfo }) {
  const urls = routeUrls(route, app, node);
  if (urls.length === 0) {
    return (
      <p class="small muted">
        This app claims no exact domain: add one (Domains) to reach it from other devices.
      </p>
    );
  }
  return (
    <ul class="plain urls" aria-label={`URLs of ${route.path}`}>
      {urls.map((url) => (
        <UrlLine key={url} url={url} />
      ))}
    </ul>
  );
}

/** The parameters of a route path: `:name` segments and a trailing `*`. */
export function pathParameters(url: string): string[] {
  return new URL(url).pathname
    .split('/')
    .filter((segment) => segment.startsWith(':') || segment === '*')
    .map((segment) => (segment === '*' ? '*' : segment.slice(1)));
}

/** The URL with each parameter replaced by its value (percent-encoded; `*` may hold slashes). */
export function fillParameters(url: string, values: Record<string, string>): string {
  const parsed = new URL(url);
  parsed.pathname = parsed.pathname
    .split('/')
    .map((segment) => {
      if (segment === '*') return (values['*'] ?? '').split('/').map(encodeURIComponent).join('/');
      return segment.startsWith(':') ? encodeURIComponent(values[segment.slice(1)] ?? '') : segment;
    })
    .join('/');
  return parsed.toString();
}

export function UrlLine({ url }: { url: string }) {
  const [showQr, setShowQr] = useState(false);
  const parameters = pathParameters(url);
  const callable = parameters.length === 0;
  return (
    <li class="row url-line">
      {callable ? (
        <a class="mono small grow" href={url} target="_blank" rel="noreferrer">
          {url}
        </a>
      ) : (
        <span class="mono small grow">{url}</span>
      )}
      <CopyButton text={url} />
      <button
        type="button"
        class="small"
        aria-label={callable ? `QR code for ${url}` : `QR code for ${url}, with its parameters filled in`}
        onClick={() => setShowQr(true)}
      >
        QR
      </button>
      <Dialog title="Open on a phone" open={showQr} onClose={() => setShowQr(false)}>
        {callable ? <QrFor url={url} /> : <TemplateQr url={url} parameters={parameters} />}
      </Dialog>
    </li>
  );
}

function QrFor({ url }: { url: string }) {
  return (
    <div class="stack center">
      <QrCode text={url} />
      <p class="mono small">{url}</p>
      <p class="small muted">The phone must be on the same network as this machine.</p>
    </div>
  );
}

/** A route with parameters (`/rooms/:room`): the code is made once the reader has filled them in. */
function TemplateQr({ url, parameters }: { url: string; parameters: string[] }) {
  const [values, setValues] = useState<Record<string, string>>({});
  const complete = parameters.every((name) => (values[name] ?? '').trim() !== '');
  return (
    <div class="stack">
      <p class="small">
        <span class="mono">{new URL(url).pathname}</span> has parameters: fill them in for a URL a phone can
        open.
      </p>
      {parameters.map((name) => (
        <div class="field" key={name}>
          <label for={`qr-param-${name}`}>{name === '*' ? 'The rest of the path (*)' : name}</label>
          <input
            id={`qr-param-${name}`}
            value={values[name] ?? ''}
            onInput={(event) => setValues({ ...values, [name]: event.currentTarget.value })}
          />
        </div>
      ))}
      {complete ? (
        <QrFor url={fillParameters(url, values)} />
      ) : (
        <p class="small muted">The QR code appears once every parameter has a value.</p>
      )}
    </div>
  );
}
