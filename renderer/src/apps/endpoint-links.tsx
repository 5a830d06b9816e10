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

export function UrlLine({ url }: { url: string }) {
  const [showQr, setShowQr] = useState(false);
  const callable = !/[:*]/.test(new URL(url).pathname);
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
      <button type="button" class="small" aria-label={`QR code for ${url}`} onClick={() => setShowQr(true)}>
        QR
      </button>
      <Dialog title="Open on a phone" open={showQr} onClose={() => setShowQr(false)}>
        <div class="stack center">
          <QrCode text={url} />
          <p class="mono small">{url}</p>
          <p class="small muted">The phone must be on the same network as this machine.</p>
        </div>
      </Dialog>
    </li>
  );
}
