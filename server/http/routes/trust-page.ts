/**
 * The trust page and its downloads, on the panel's port (both schemes): `/trust`, `/trust/ca.crt`
 * (PEM) and `/trust/picloud.mobileconfig`. Public — a device needs them before it trusts anything — and
 * they hold nothing secret: the CA's certificate, never its key.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { caProfile } from '../../trust/mobileconfig.js';
import { trustPageHtml } from '../../trust/trust-page-html.js';

/** What the trust page serves. */
export interface TrustPageDeps {
  /** The CA certificate, PEM and DER, and its SHA-256 fingerprint. */
  ca: { certificatePem: string; certificateDer: Buffer; fingerprint: string };
  /** The machine's host name. */
  hostName: string;
  /** The trust page's URL for other devices (the panel's first LAN address), or null when there is none. */
  lanPageUrl(): string | null;
}

/** A Host header as a browser sends it: a name or an address, an optional port. */
const PLAIN_HOST = /^(?:[a-z0-9.-]{1,253}|\[[0-9a-f:.]{2,45}\])(?::\d{1,5})?$/i;
const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

/** The URL other devices should open: the one this page was reached at, unless that was loopback. */
function pageUrlFor(request: FastifyRequest, deps: TrustPageDeps): string {
  const host = request.headers.host ?? '';
  if (PLAIN_HOST.test(host) && !LOOPBACK.test(host))
    return `${request.protocol}://${host.toLowerCase()}/trust`;
  return deps.lanPageUrl() ?? `${request.protocol}://${PLAIN_HOST.test(host) ? host : 'localhost'}/trust`;
}

/** Registers the routes. */
export function trustPageRoutes(deps: TrustPageDeps): FastifyPluginAsync {
  return async (app) => {
    const page = (request: FastifyRequest) =>
      trustPageHtml({
        fingerprint: deps.ca.fingerprint,
        pageUrl: pageUrlFor(request, deps),
        hostName: deps.hostName,
      });
    for (const url of ['/trust', '/trust/']) {
      app.get(url, { schema: { hide: true } }, async (request, reply) =>
        reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(page(request)),
      );
    }
    app.get('/trust/ca.crt', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type('application/x-x509-ca-cert')
        .header('content-disposition', 'attachment; filename="picloud-ca.crt"')
        .header('cache-control', 'no-cache')
        .send(deps.ca.certificatePem),
    );
    app.get('/trust/picloud.mobileconfig', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type('application/x-apple-aspen-config')
        .header('content-disposition', 'attachment; filename="picloud.mobileconfig"')
        .header('cache-control', 'no-cache')
        .send(caProfile(deps.ca.certificateDer, deps.ca.fingerprint, deps.hostName)),
    );
  };
}
