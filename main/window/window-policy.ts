/**
 * The panel window's security decisions as pure functions: it shows the server's own pages (or the
 * app's status page) and nothing else; links elsewhere open in the browser; the page gets no
 * permission beyond writing to the clipboard; only its top frame may call desktop actions.
 */

/** The origin of a URL, or null when it has none (data:, about:...). */
function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : null;
  } catch {
    return null;
  }
}

/** Whether `url` belongs to the running server's panel (`serverUrl` is its base URL). */
export function isPanelUrl(url: string, serverUrl: string | null): boolean {
  return serverUrl !== null && originOf(url) !== null && originOf(url) === originOf(serverUrl);
}

/** What to do with a navigation or `window.open` the page started. */
export type NavigationDecision = 'allow' | 'open-externally' | 'deny';

/**
 * Navigations inside the panel stay in the window; web links open in the default browser; anything
 * else (file:, data:, custom schemes) is refused.
 * @example navigationDecision('https://example.org/', 'http://localhost:8080/') // 'open-externally'
 */
export function navigationDecision(url: string, serverUrl: string | null): NavigationDecision {
  if (isPanelUrl(url, serverUrl)) return 'allow';
  return originOf(url) !== null ? 'open-externally' : 'deny';
}

/** Status pages are loaded as data: URLs by the app itself; page-initiated navigations to data: are denied. */
export function isStatusPageUrl(url: string): boolean {
  return url.startsWith('data:text/html');
}

/**
 * Whether an IPC call may act: it must come from the window's top frame (not an embedded frame),
 * showing the panel or the app's status page.
 */
export function isTrustedSender(
  frame: { readonly url: string; readonly isTopFrame: boolean },
  serverUrl: string | null,
): boolean {
  return frame.isTopFrame && (isPanelUrl(frame.url, serverUrl) || isStatusPageUrl(frame.url));
}

/** The one permission the panel gets: copying (an endpoint URL, a token) to the clipboard. */
export function isPermissionGranted(
  permission: string,
  requestingUrl: string,
  serverUrl: string | null,
): boolean {
  return permission === 'clipboard-sanitized-write' && isPanelUrl(requestingUrl, serverUrl);
}
