/**
 * Uploads that may take longer than the whole-request deadline. Node's `requestTimeout` (60 s by
 * default) is the slow-loris guard for bodies: a request still arriving after it is answered 408 and
 * its connection closed. That would also cut a backup or a bundle of a few hundred megabytes sent from
 * a slow laptop over Wi-Fi. Routes that declare `config.longUpload` (the archive uploads) are spared
 * once their caller has been let through (the hook runs before the handler, after access control):
 * Node still reports the request as late, once, and the client-error handler lets it go on
 * ({@link LongUploads.spares}). Instead such an upload is answered 408 and cut when no byte arrives
 * for the same time (the socket's idle timeout), and its connection closes after the answer, since
 * Node stopped watching it. Every other route keeps the whole-request deadline.
 */
import { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { answerRequestTimeout } from './client-error.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The body is an archive that may take longer than the request timeout to arrive. */
    longUpload?: boolean;
  }
}

/** The connections carrying a long upload that has been let through. */
export class LongUploads {
  readonly #sockets = new WeakSet<Socket>();

  /** @param idleMs how long a long upload may go without a byte before its connection is cut */
  constructor(private readonly idleMs: number) {}

  /** Lets the `config.longUpload` routes of `app` outlast the request timeout. */
  install(app: FastifyInstance): void {
    app.addHook('preHandler', (request, reply, done) => {
      const socket = request.raw.socket;
      // An injected request (Fastify's inject) has no connection, nor deadline, to spare.
      if (request.routeOptions.config.longUpload !== true || !(socket instanceof Socket)) return done();
      this.#sockets.add(socket);
      // The socket's idle timer (reset by every byte, even with the parser reading it) stands in for
      // the whole-request deadline until the body has arrived; then the handler works on it unbounded.
      request.raw.setTimeout(this.idleMs, () => answerRequestTimeout(socket));
      request.raw.once('end', () => request.raw.setTimeout(0));
      // Node removed the connection from its deadline checks: it serves this request only.
      reply.header('connection', 'close');
      reply.raw.once('close', () => this.#sockets.delete(socket));
      done();
    });
  }

  /** True when Node's whole-request deadline must spare `socket` (see the file comment). */
  spares(socket: Socket): boolean {
    return this.#sockets.has(socket);
  }
}
