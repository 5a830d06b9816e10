/**
 * Where an app's endpoints can be reached from other devices: the node's LAN addresses for the app that
 * claims `localhost` (requests to a bare IP address go to it), the app's exact domains otherwise, and a
 * route's own host when it names one.
 */
import { api } from '../api/client.js';
import type { App, NodeInfo, RouteInfo } from '../api/types.js';

let cached: { at: number; node: Promise<NodeInfo> } | null = null;

/** This node's addresses and port; fetched once a minute at most. */
export function nodeInfo(): Promise<NodeInfo> {
  if (!cached || Date.now() - cached.at > 60_000) {
    const node = api<NodeInfo>('GET', '/admin/node');
    cached = { at: Date.now(), node };
    node.catch(() => {
      cached = null;
    });
  }
  return cached.node;
}

function origin(host: string, port: number): string {
  return port === 80 ? `http://${host}` : `http://${host}:${port}`;
}

/** Base URLs (no trailing slash) that reach the app. */
export function appBaseUrls(app: App, node: NodeInfo): string[] {
  const bases: string[] = [];
  if (app.domains.some((domain) => domain.kind === 'exact' && domain.pattern === 'localhost')) {
    for (const url of node.urls) bases.push(url.replace(/\/$/, ''));
  }
  for (const domain of app.domains) {
    if (domain.kind === 'exact' && domain.pattern !== 'localhost')
      bases.push(origin(domain.pattern, node.port));
  }
  return [...new Set(bases)];
}

/** A route's path with its parameters left as they are (`/users/:id`): the reader fills them in. */
export function routeUrls(route: RouteInfo, app: App, node: NodeInfo): string[] {
  const bases = route.host ? [origin(route.host, node.port)] : appBaseUrls(app, node);
  return bases.map((base) => `${base}${route.path}`);
}

/** `/api/v1/execute/{id}`, which runs a script whatever the host (with an API token). */
export function executeUrl(scriptId: string, node: NodeInfo): string {
  return `${(node.urls[0] ?? `http://localhost:${node.port}/`).replace(/\/$/, '')}/api/v1/execute/${scriptId}`;
}
