/**
 * The client's address, kept for the whole request. Node reads a socket's peer address from the
 * operating system, and a connection the client reset (RST) has none any more: `request.ip` is then
 * undefined, though the request it carried is still being handled. The address is therefore read once,
 * when the connection opens, and `request.clientAddress` (set for every request) falls back on it.
 */
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The client's address: the socket's, or what a trusted proxy says (`request.ip`), read when the
     * request arrived; the connection's own address when the client has already reset it.
     */
    clientAddress: string;
  }
}

const peers = new WeakMap<Socket, string>();

/** Remembers each connection's peer address and sets `request.clientAddress` on every request. */
export function installClientAddress(app: FastifyInstance): void {
  app.server.on('connection', (socket: Socket) => {
    if (socket.remoteAddress !== undefined) peers.set(socket, socket.remoteAddress);
  });
  app.decorateRequest('clientAddress', '');
  app.addHook('onRequest', (request, _reply, done) => {
    request.clientAddress = request.ip ?? peers.get(request.raw.socket) ?? '';
    done();
  });
}
