/**
 * The client side of wire v1: a typed request to another node's cluster port, derived from the route
 * map in server/contracts/wire-v1.ts. Nothing is sent before the other node is verified: the TLS
 * connection is made first and checked against what the caller pins — the cluster CA (a member, the
 * primary) or the exact certificate a fresh node announced over mDNS — and only then does the request
 * go out on that connection. Host names are not checked: nodes are reached by address, and addresses
 * change; the pinned CA or certificate is the identity.
 */
import http from 'node:http';
import tls, { type TLSSocket } from 'node:tls';
import { Value } from '@sinclair/typebox/value';
import {
  WIRE_MAJOR,
  WIRE_V1,
  WIRE_VERSION_HEADER,
  type WireAnswer,
  type WireBody,
  type WireRouteName,
} from '../contracts/wire-v1.js';
import { normaliseFingerprint } from './node-certificates.js';

/** Largest answer a node accepts from another, in bytes. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** How to trust the other end. */
export type WirePin =
  /** Its certificate must chain to this CA (PEM). */
  | { ca: string }
  /** Its certificate must be exactly this one (SHA-256, hex). */
  | { fingerprint: string };

/** Another node's cluster port. */
export interface WireTarget {
  host: string;
  port: number;
  pin: WirePin;
  /** This node's certificate and key, presented as the client certificate (members, the primary). */
  identity?: { key: string; cert: string };
  /** Gives up after this long (default 5 s). */
  timeoutMs?: number;
}

/** A wire call that failed: unreachable, not the pinned peer, or an error answer (with its code). */
export class WireError extends Error {
  constructor(
    message: string,
    /** The other node's error code, when it answered with one. */
    readonly code: string | null = null,
    /** Its HTTP status, when it answered. */
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'WireError';
  }
}

/** Waits for the TLS handshake of `socket`; destroys it and throws a WireError on failure or timeout. */
async function handshake(socket: TLSSocket, where: string, timeoutMs: number): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new WireError(`${where} did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(new WireError(`${where} cannot be reached: ${error.message}`));
      });
    });
  } catch (error) {
    socket.destroy();
    throw error;
  }
}

/** Opens a TLS connection to `target` and verifies the peer against its pin; nothing is written yet. */
export async function connectVerified(target: WireTarget): Promise<TLSSocket> {
  const timeoutMs = target.timeoutMs ?? 5_000;
  const socket = tls.connect({
    host: target.host,
    port: target.port,
    ca: 'ca' in target.pin ? [target.pin.ca] : undefined,
    // Verified below, before anything is sent: the chain against the pinned CA, or the exact certificate.
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
    key: target.identity?.key,
    cert: target.identity?.cert,
  });
  const where = `${target.host}:${target.port}`;
  await handshake(socket, where, timeoutMs);
  if ('ca' in target.pin) {
    if (!socket.authorized) {
      socket.destroy();
      throw new WireError(
        `${where} is not a node of this cluster: its certificate is not signed by the pinned CA`,
      );
    }
  } else {
    const seen = normaliseFingerprint(socket.getPeerCertificate().fingerprint256 ?? '');
    if (seen !== target.pin.fingerprint) {
      socket.destroy();
      throw new WireError(`${where} answered with another certificate than the one it announced`);
    }
  }
  return socket;
}

/**
 * The certificates `host:port` presents, leaf first, each as DER — read from a TLS handshake during
 * which nothing is sent (a joining node looks for the CA its token names among them).
 */
export async function peerChain(host: string, port: number, timeoutMs = 5_000): Promise<Buffer[]> {
  const socket = tls.connect({ host, port, rejectUnauthorized: false, checkServerIdentity: () => undefined });
  await handshake(socket, `${host}:${port}`, timeoutMs);
  try {
    const chain: Buffer[] = [];
    let certificate = socket.getPeerCertificate(true);
    while (certificate?.raw && chain.length < 8) {
      chain.push(certificate.raw);
      const issuer = certificate.issuerCertificate;
      if (!issuer || issuer === certificate || issuer.fingerprint256 === certificate.fingerprint256) break;
      certificate = issuer;
    }
    return chain;
  } finally {
    socket.destroy();
  }
}

/**
 * Calls a wire route on a verified connection and returns its answer, typed from the route map.
 * @example const status = await wireCall('status', undefined, { host, port, pin: { ca }, identity });
 */
export async function wireCall<N extends WireRouteName>(
  name: N,
  body: WireBody<N>,
  target: WireTarget,
): Promise<WireAnswer<N>> {
  const route = WIRE_V1[name];
  const socket = await connectVerified(target);
  const payload = body === undefined ? null : Buffer.from(JSON.stringify(body));
  const timeoutMs = target.timeoutMs ?? 5_000;
  return new Promise<WireAnswer<N>>((resolve, reject) => {
    const request = http.request({
      createConnection: () => socket,
      method: route.method,
      path: route.path,
      headers: {
        host: `${target.host}:${target.port}`,
        [WIRE_VERSION_HEADER]: String(WIRE_MAJOR),
        ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
      },
      timeout: timeoutMs,
    });
    request.once('timeout', () =>
      request.destroy(new WireError(`${route.path} got no answer within ${timeoutMs} ms`)),
    );
    request.once('error', (error) =>
      reject(error instanceof WireError ? error : new WireError(`${route.path} failed: ${error.message}`)),
    );
    request.once('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) {
          request.destroy(new WireError(`${route.path} answered more than ${MAX_ANSWER_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.once('end', () => {
        socket.destroy();
        let parsed: unknown;
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          reject(
            new WireError(
              `${route.path} answered ${response.statusCode} with a body that is not JSON`,
              null,
              response.statusCode ?? null,
            ),
          );
          return;
        }
        const theirs = response.headers[WIRE_VERSION_HEADER];
        if (response.statusCode === 200 && theirs !== String(WIRE_MAJOR)) {
          reject(
            new WireError(
              `The other node speaks wire v${String(theirs ?? 'unknown')}; this node speaks wire v${WIRE_MAJOR}`,
              'PICLOUD_ERR_WIRE_VERSION',
              409,
            ),
          );
          return;
        }
        if (response.statusCode !== 200) {
          const error = (parsed as { error?: { code?: string; message?: string } })?.error;
          reject(
            new WireError(
              error?.message ?? `${route.path} answered ${response.statusCode}`,
              error?.code ?? null,
              response.statusCode ?? null,
            ),
          );
          return;
        }
        // A forged or broken peer's answer stops here, not in the code that uses it.
        if (!Value.Check(route.answer, parsed)) {
          reject(new WireError(`${route.path} answered a body that does not match wire v${WIRE_MAJOR}`));
          return;
        }
        resolve(parsed as WireAnswer<N>);
      });
    });
    request.end(payload ?? undefined);
  });
}
