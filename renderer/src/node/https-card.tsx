/**
 * The Node page's HTTPS section: this node's HTTPS URLs, the appliance CA's SHA-256 fingerprint (to
 * compare with what a device shows before trusting it), the trust page with a QR code for phones, and
 * the owner's HTTPS-only switch for the panel. See docs/https.md.
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { HttpsInfo } from '../api/types.js';
import { Notice } from '../ui/components.js';
import { CopyButton } from '../ui/copy-button.js';
import { QrCode } from '../ui/qr-code.js';

export function HttpsCard() {
  const [info, setInfo] = useState<HttpsInfo | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    api<HttpsInfo>('GET', '/admin/node/https').then(setInfo, setError);
  }, []);
  if (!info) return <Notice error={error} />;
  const toggle = async (on: boolean) => {
    setSaving(true);
    // Shown at once; put back if the appliance refuses.
    setInfo({ ...info, https_only: on });
    try {
      setInfo(await api<HttpsInfo>('PUT', '/admin/node/https', { https_only: on }));
      setError(undefined);
    } catch (caught) {
      setInfo({ ...info, https_only: !on });
      setError(caught);
    } finally {
      setSaving(false);
    }
  };
  return (
    <section aria-labelledby="https-title">
      <h2 id="https-title">HTTPS</h2>
      <Notice error={error} />
      <div class="row" style={{ flexWrap: 'wrap', alignItems: 'flex-start' }}>
        <div class="grow">
          <p class="small muted">
            The panel and the apps over HTTPS, with this appliance's own certificate authority:
          </p>
          <ul class="plain stack">
            {[
              ...info.panel_urls.map((url) => [url, 'panel']),
              ...info.endpoint_urls.map((url) => [url, 'endpoints']),
            ].map(([url, what]) => (
              <li key={url} class="row">
                <span class="mono grow">{url}</span>
                <span class="small muted">{what}</span>
                <CopyButton text={url} />
              </li>
            ))}
          </ul>
          <p>
            To trust it on a device, open the trust page there:{' '}
            <a href={info.trust_url} class="mono">
              {info.trust_url}
            </a>
          </p>
          <p class="small">
            CA fingerprint (SHA-256) — compare it with what the device shows before trusting:
          </p>
          <p class="mono small" id="ca-fingerprint" style={{ wordBreak: 'break-all' }}>
            {info.ca_fingerprint}
          </p>
          <label class="row">
            <input
              type="checkbox"
              checked={info.https_only}
              disabled={saving}
              onChange={(event) => toggle((event.target as HTMLInputElement).checked)}
            />
            <span>
              HTTPS only: the panel's plain-HTTP address sends other devices to HTTPS (the trust page stays
              reachable)
            </span>
          </label>
        </div>
        <QrCode text={info.trust_url} size={160} />
      </div>
    </section>
  );
}
