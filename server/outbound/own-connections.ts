/**
 * The connections this process opens for outbound requests, by their local address and port, so that a
 * listener of the same process can recognise them when they arrive: a script allowed to call this
 * machine reaches the appliance through its own outbound client, and whatever that request claims in
 * `X-Forwarded-For` must not be believed the way a reverse proxy on this machine is (see
 * server/http/listener.ts). Knows nothing about PiCloud: sockets in, a yes/no out.
 */
import type { Socket } from 'node:net';

/** `address|port`, with IPv4-mapped IPv6 addresses in their IPv4 form (as a dual-stack listener sees them). */
function keyOf(address: string | undefined, port: number | undefined): string | null {
  if (!address || !port) return null;
  return `${address.replace(/^::ffff:(?=\d+\.)/i, '')}|${port}`;
}

/** The open outbound connections of this process. */
export class OwnConnections {
  private readonly open = new Set<string>();

  /**
   * Remembers a socket this process is opening, from the moment it connects (before a byte of its
   * request can reach a listener) until it closes.
   */
  track(socket: Socket): void {
    const remember = () => {
      const key = keyOf(socket.localAddress, socket.localPort);
      if (key === null) return;
      this.open.add(key);
      socket.once('close', () => this.open.delete(key));
    };
    if (socket.connecting) socket.once('connect', remember);
    else if (!socket.destroyed) remember();
  }

  /** True when `socket`, a connection a listener accepted, comes from one of this process's own. */
  isOwn(socket: Socket): boolean {
    const key = keyOf(socket.remoteAddress, socket.remotePort);
    return key !== null && this.open.has(key);
  }

  /** How many are open (for tests). */
  get size(): number {
    return this.open.size;
  }
}
