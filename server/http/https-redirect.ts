/**
 * The panel's HTTPS-only mode: while the owner has it on, a browser's request to the panel's plain-HTTP
 * port is answered with a 308 to the same path on the panel's HTTPS port — so the owner signs in over
 * TLS and the session cookie is the `Secure`, `__Host-` one. Not redirected: the trust page (a device
 * fetches the CA there before it can trust HTTPS), `/healthz` and `/version` (monitors), and requests
 * from this machine itself (loopback never crosses the LAN; the desktop app and the CLI use it).
 */
import type { FastifyInstance } from 'fastify';
import ipaddr from 'ipaddr.js';
import { hostFromHeader } from '../routing/host-claim.js';

/** When and where to redirect. */
export interface HttpsRedirect {
  /** The owner's choice, read on every request (kept in memory). */
  enabled(): boolean;
  /** The panel's HTTPS port, once it listens. */
  port(): number | null;
}

const EXEMPT = /^\/(?:trust(?:\/|$|\?)|healthz(?:$|\?)|version(?:$|\?))/;

function isLoopback(address: string | undefined): boolean {
  if (!address || !ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'loopback';
}

/** Installs the redirect on the panel's listener (its HTTPS side is never redirected). */
export function installHttpsRedirect(app: FastifyInstance, redirect: HttpsRedirect): void {
  app.addHook('onRequest', (request, reply, done) => {
    const socket = request.raw.socket as typeof request.raw.socket & { encrypted?: boolean };
    const port = redirect.port();
    if (
      socket.encrypted ||
      port === null ||
      !redirect.enabled() ||
      EXEMPT.test(request.url) ||
      isLoopback(socket.remoteAddress)
    ) {
      done();
      return;
    }
    const host = hostFromHeader(request.headers.host);
    if (host === null) {
      done();
      return;
    }
    reply
      .code(308)
      .header('location', `https://${host}:${port}${request.url}`)
      .header('cache-control', 'no-store');
    reply.send();
  });
}
