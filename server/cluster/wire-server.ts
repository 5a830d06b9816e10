/**
 * The cluster port: HTTPS with mutual TLS, serving exactly the routes of wire v1
 * (server/contracts/wire-v1.ts), registered from that map with its schemas.
 *
 * The TLS layer asks every client for a certificate but lets the handshake finish without one: the
 * join and invite routes must be reachable by a node that has none yet (they are protected by a
 * one-time token and by the set-up code). Every other path — including unknown ones, so a stranger
 * learns nothing — needs a client certificate that chains to the cluster CA *and* belongs to a node
 * still in the cluster (a removed node's certificate still chains to the CA: the membership check is
 * what refuses it). Then the caller's wire major must be this node's: a request for `/wire/vN/` or with
 * a `picloud-wire: N` header of another major is refused naming both versions.
 */
import type { Server as HttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import {
  WIRE_MAJOR,
  WIRE_V1,
  WIRE_VERSION_HEADER,
  type WireAccess,
  type WireAnswer,
  type WireBody,
  type WireRouteName,
} from '../contracts/wire-v1.js';
import { PicloudError } from '../errors/catalogue.js';
import { installErrorHandler } from '../http/error-handler.js';
import { installJsonBodyParser } from '../http/json-body.js';
import { generateRequestId, REQUEST_ID_HEADER } from '../http/request-id.js';
import { normaliseFingerprint } from './node-certificates.js';

/** Largest wire request body: a join (a CSR and a few fields) is a few KiB. */
const WIRE_BODY_LIMIT = 64 * 1024;

/** The TLS material of the cluster port. */
export interface WireTls {
  /** This node's private key (PEM). */
  key: string;
  /** This node's certificate followed by its CA's (PEM), so a joining node finds the CA in the chain. */
  cert: string;
  /** The CA client certificates must chain to (PEM). */
  ca: string;
}

/** Who called, as the TLS layer saw it. */
export interface WireCaller {
  /** SHA-256 of the client certificate, when one that chains to the CA was presented. */
  fingerprint: string | null;
  /** The peer's address. */
  address: string;
}

/** One handler per wire route, typed from the map. */
export type WireHandlers = {
  [N in WireRouteName]: (body: WireBody<N>, caller: WireCaller) => Promise<WireAnswer<N>>;
};

/** What the cluster port needs. */
export interface WireServerDeps {
  logger: FastifyBaseLogger;
  tls: WireTls;
  /** True when a certificate with this SHA-256 belongs to a node of the cluster now. */
  isClusterNode(fingerprint: string): Promise<boolean>;
  handlers: WireHandlers;
}

/** The cluster port's server. */
export interface WireServer {
  app: FastifyInstance;
  /** Serves new connections with other TLS material (the node joined, left, or its CA changed). */
  setTls(tls: WireTls): void;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call a wire route (set from the wire map). */
    wireAccess?: WireAccess;
  }
}

/** The wire major a request names in its path (`/wire/v2/...`), or null when the path names none. */
function pathMajor(url: string): string | null {
  return /^\/wire\/v([^/?]*)/.exec(url)?.[1] ?? null;
}

/** Builds the cluster port's server (not yet listening). */
export async function buildWireServer(deps: WireServerDeps): Promise<WireServer> {
  const app = Fastify({
    loggerInstance: deps.logger,
    genReqId: generateRequestId,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: WIRE_BODY_LIMIT,
    // Unknown fields are refused, not silently dropped; nothing is coerced.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
    // The whole request must arrive within 10 s: wire calls are small.
    requestTimeout: 10_000,
    https: {
      key: deps.tls.key,
      cert: deps.tls.cert,
      ca: deps.tls.ca,
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    },
  });
  installErrorHandler(app);
  installJsonBodyParser(app);

  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    reply.header(WIRE_VERSION_HEADER, String(WIRE_MAJOR));
    const access = request.routeOptions.config.wireAccess ?? 'cluster';
    if (access === 'cluster') {
      const socket = request.raw.socket as TLSSocket;
      const fingerprint = socket.authorized ? socket.getPeerCertificate().fingerprint256 : undefined;
      if (!fingerprint || !(await deps.isClusterNode(normaliseFingerprint(fingerprint)))) {
        throw new PicloudError(
          'PICLOUD_ERR_WIRE_FORBIDDEN',
          fingerprint
            ? 'This certificate belongs to no node of the cluster (the node was removed)'
            : 'Only nodes holding a certificate of this cluster may call /wire/*',
        );
      }
    }
    // The path names the caller's major; a header, when sent, must agree.
    const header = request.headers[WIRE_VERSION_HEADER];
    const theirs = pathMajor(request.url) ?? (typeof header === 'string' ? header : null);
    if (theirs !== String(WIRE_MAJOR) || (header !== undefined && header !== String(WIRE_MAJOR))) {
      const named = theirs !== String(WIRE_MAJOR) ? theirs : header;
      throw new PicloudError(
        'PICLOUD_ERR_WIRE_VERSION',
        `This node speaks wire v${WIRE_MAJOR}; the caller speaks wire v${String(named ?? 'unknown').slice(0, 20)}. Upgrade the older node`,
        { ours: WIRE_MAJOR, theirs: String(named ?? '').slice(0, 20) },
      );
    }
  });

  for (const name of Object.keys(WIRE_V1) as WireRouteName[]) {
    const route = WIRE_V1[name];
    const handler = deps.handlers[name] as (body: unknown, caller: WireCaller) => Promise<unknown>;
    app.route({
      method: route.method,
      url: route.path,
      config: { wireAccess: route.access },
      schema: { ...(route.body ? { body: route.body } : {}), response: { 200: route.answer } },
      handler: async (request) => {
        const socket = request.raw.socket as TLSSocket;
        const fingerprint = socket.authorized ? socket.getPeerCertificate().fingerprint256 : undefined;
        return handler(request.body, {
          fingerprint: fingerprint ? normaliseFingerprint(fingerprint) : null,
          address: request.raw.socket.remoteAddress ?? '',
        });
      },
    });
  }
  app.setNotFoundHandler(() => {
    throw new PicloudError('PICLOUD_ERR_HTTP_NOT_FOUND', 'No such wire route');
  });
  // A TLS handshake a stranger breaks off, or a reset connection, ends that socket only.
  app.server.on('tlsClientError', (_error, socket) => socket.destroy());

  return {
    app,
    setTls(tls) {
      (app.server as HttpsServer).setSecureContext({
        key: tls.key,
        cert: tls.cert,
        ca: tls.ca,
        minVersion: 'TLSv1.2',
      });
    },
  };
}
