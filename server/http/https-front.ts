/**
 * The HTTPS side of a listener: Node's HTTPS server running the listener's own request handler (same
 * routes, hooks and error format as its plain-HTTP side), behind a TCP front that holds a new
 * connection until the node's certificate covers the local address it arrived on (see
 * ServerCertificate.beforeHandshake) — so an address the machine got since start-up is served with a
 * valid certificate from its first handshake, without polling the interfaces.
 */

import type { IncomingMessage, RequestListener, ServerOptions, ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import type { Server as TlsServer } from 'node:tls';

/** Where an HTTPS front gets its certificate (the node's ServerCertificate). */
export interface TlsCertificateSource {
  /** Gives `server` the current certificate now and each new one. */
  attach(server: TlsServer): void;
  /** Stops updating `server`. */
  detach(server: TlsServer): void;
  /** Null, or a promise that resolves once the certificate covers `localAddress`. */
  beforeHandshake(localAddress: string | undefined): Promise<void> | null;
}

/** How long a TLS handshake may take before the connection is dropped (a client that stalls in it). */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/** An HTTPS server and its TCP front. */
export class HttpsFront {
  /** The HTTPS server (requests, TLS); its `listen` is never called — the front hands it connections. */
  readonly server: HttpsServer;
  private readonly front: TcpServer;

  constructor(
    handler: RequestListener<typeof IncomingMessage, typeof ServerResponse>,
    options: ServerOptions,
    private readonly certificate: TlsCertificateSource,
    onClientError: (error: Error & { code?: string }, socket: Socket) => void,
  ) {
    this.server = createHttpsServer({ ...options, handshakeTimeout: HANDSHAKE_TIMEOUT_MS }, handler);
    certificate.attach(this.server);
    this.server.on('clientError', onClientError);
    // A handshake that fails (garbage, a reset, a client that distrusts the CA) only ends its socket.
    this.server.on('tlsClientError', (_error, socket) => socket.destroy());
    this.front = createTcpServer({ pauseOnConnect: true }, (socket) => this.accept(socket));
  }

  private accept(socket: Socket): void {
    // A reset before the hand-over must not be an unhandled 'error'.
    socket.on('error', () => socket.destroy());
    const ready = this.certificate.beforeHandshake(socket.localAddress);
    if (!ready) {
      this.server.emit('connection', socket);
      return;
    }
    ready.then(
      () => {
        if (!socket.destroyed) this.server.emit('connection', socket);
      },
      () => socket.destroy(),
    );
  }

  /** Listens on `host`:`port` (0: a free port). */
  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.front.once('error', reject);
      this.front.listen({ port, host }, () => {
        this.front.off('error', reject);
        resolve();
      });
    });
  }

  /** The port it listens on, or null. */
  get port(): number | null {
    const address = this.front.address();
    return typeof address === 'object' && address ? address.port : null;
  }

  /** Cuts every open connection (the shutdown timeout ran out). */
  closeAllConnections(): void {
    this.server.closeAllConnections();
  }

  /** Stops accepting; resolves once open requests have finished and idle connections are closed. */
  async close(): Promise<void> {
    this.certificate.detach(this.server);
    const front = new Promise<void>((resolve) =>
      this.front.listening ? this.front.close(() => resolve()) : resolve(),
    );
    const server = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    await Promise.all([front, server]);
  }
}
