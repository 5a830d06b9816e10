/**
 * The trust page (`/trust` on the panel's port): the CA's fingerprint, its certificate and an Apple
 * profile to download, short steps for each platform, and a QR code of the page for phones. Plain HTML
 * with no script, served before the CA is trusted (over plain HTTP), so it must work in any browser.
 */
import { renderSVG } from 'uqr';

/** What the page shows. */
export interface TrustPageContent {
  /** The CA's SHA-256 fingerprint, `AB:CD:…`. */
  fingerprint: string;
  /** The page's own URL for other devices (the QR code's content). */
  pageUrl: string;
  /** The machine's host name (names the CA in the steps). */
  hostName: string;
}

function html(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** The page. */
export function trustPageHtml(content: TrustPageContent): string {
  const fingerprint = html(content.fingerprint);
  const qr = renderSVG(content.pageUrl, { border: 2 });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trust this PiCloud</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1d2430; }
  code, .fp { font-family: ui-monospace, monospace; }
  .fp { word-break: break-all; background: #f1f3f7; padding: .5rem .75rem; border-radius: 6px; display: block; }
  .qr { width: 12rem; height: 12rem; float: right; margin: 0 0 1rem 1rem; }
  .downloads a { display: inline-block; margin: .25rem .75rem .25rem 0; padding: .4rem .8rem; border: 1px solid #8a94a6; border-radius: 6px; text-decoration: none; }
  h2 { font-size: 1.1rem; margin-top: 1.5rem; }
  @media (prefers-color-scheme: dark) { body { background: #151922; color: #e6e9ef; } .fp { background: #232937; } a { color: #8ab4ff; } }
</style>
</head>
<body>
<h1>Trust this PiCloud</h1>
<div class="qr" role="img" aria-label="QR code of this page: ${html(content.pageUrl)}">${qr}</div>
<p>PiCloud serves its panel and your apps over HTTPS with certificates of its own certificate authority
(CA). Install the CA once on each device and HTTPS works without warnings. The CA can only vouch for
local names (<code>.local</code>, <code>.lan</code>, <code>.home.arpa</code>, <code>.internal</code>,
<code>localhost</code>) and private addresses, never for a public site.</p>
<p><strong>Before you trust it, compare its SHA-256 fingerprint</strong> with the one
<code>picloud trust</code> prints on the machine (also in its start banner, the tray menu and the
panel's Node page). This page came over plain HTTP: on a hostile network someone could have swapped the
CA. If the fingerprints differ, stop and do not install it.</p>
<span class="fp" id="fingerprint">${fingerprint}</span>
<p class="downloads">
  <a href="/trust/ca.crt" download="picloud-ca.crt">CA certificate (ca.crt)</a>
  <a href="/trust/picloud.mobileconfig">iOS / macOS profile</a>
</p>
<h2>iPhone and iPad</h2>
<ol><li>Open this page in Safari and tap <em>iOS / macOS profile</em>; allow the download.</li>
<li>Settings → <em>Profile Downloaded</em> → Install.</li>
<li>Settings → General → About → Certificate Trust Settings: turn on full trust for <em>PiCloud local CA</em>.</li></ol>
<h2>Android</h2>
<ol><li>Download <em>ca.crt</em>.</li>
<li>Settings → Security → Encryption &amp; credentials → Install a certificate → CA certificate, and pick the file.</li></ol>
<p>Chrome and the browser trust it; apps decide for themselves whether they trust certificates you installed.</p>
<h2>macOS</h2>
<ol><li>Download the <em>iOS / macOS profile</em> and open it; System Settings → Privacy &amp; Security → Profiles → Install.</li>
<li>Or open <em>ca.crt</em> in Keychain Access (System keychain), then Get Info → Trust → <em>Always Trust</em>.</li></ol>
<h2>Windows</h2>
<ol><li>Download <em>ca.crt</em> and open it → Install Certificate → Local Machine.</li>
<li>Place it in <em>Trusted Root Certification Authorities</em>. Edge and Chrome use it.</li></ol>
<h2>Linux</h2>
<p>System-wide (Debian, Ubuntu, Raspberry Pi OS):</p>
<pre><code>sudo cp picloud-ca.crt /usr/local/share/ca-certificates/picloud-ca.crt
sudo update-ca-certificates</code></pre>
<p>Chrome and Chromium read their own NSS database:</p>
<pre><code>certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n "PiCloud ${html(content.hostName)}" -i picloud-ca.crt</code></pre>
<h2>Firefox (every system)</h2>
<ol><li>Settings → Privacy &amp; Security → Certificates → View Certificates → Authorities → Import.</li>
<li>Pick <em>ca.crt</em> and tick <em>Trust this CA to identify websites</em>.</li></ol>
<h2>Undo</h2>
<p>Remove the CA the way you added it (the profile, the keychain entry, the Authorities entry, or
<code>/usr/local/share/ca-certificates/picloud-ca.crt</code> followed by
<code>sudo update-ca-certificates --fresh</code>). See <code>docs/https.md</code>.</p>
</body>
</html>
`;
}
