/**
 * The mDNS socket: UDP 5353 on every IPv4 interface, joined to 224.0.0.251, packets encoded and decoded
 * by `dns-packet` (the codec `multicast-dns` and `bonjour-service` build on). It replaces
 * `multicast-dns`'s own socket wrapper for three reasons: that wrapper re-reads the network interfaces
 * every 5 s on a timer (a poll), decodes datagrams of any size, and lets an exception thrown by a
 * listener escape from the socket's event (a crash on one hostile packet). Here a datagram larger than
 * mDNS allows is dropped before decoding, a malformed one is counted and dropped, and every listener
 * runs inside a try/catch. Interfaces are read again only when {@link MdnsTransport.refreshInterfaces}
 * is called (by the address watcher, when the kernel reports a change).
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { networkInterfaces } from 'node:os';
import dnsPacket, { type DecodedPacket, type Packet } from 'dns-packet';

/** The mDNS group and port (RFC 6762). */
export const MDNS_GROUP = '224.0.0.251';
export const MDNS_PORT = 5353;
/** RFC 6762 §17: a multicast DNS packet, headers included, is at most 9,000 bytes. */
export const MDNS_MAX_PACKET = 9_000;

/** Where a packet came from. */
export type Sender = Pick<RemoteInfo, 'address' | 'port'>;

/** Counters of what the transport dropped (for tests and the debug log). */
export interface TransportStats {
  received: number;
  oversized: number;
  malformed: number;
  listenerErrors: number;
}

/** Events: 'query' and 'response' with (packet, sender). */
export interface MdnsTransport {
  on(event: 'query' | 'response', listener: (packet: DecodedPacket, sender: Sender) => void): void;
  off(event: 'query' | 'response', listener: (packet: DecodedPacket, sender: Sender) => void): void;
  /** Multicasts `packet` to the group, or sends it to `to` (a unicast reply). Never throws. */
  send(packet: Packet, to?: Sender): void;
  /** The machine's IPv4 and IPv6 interface addresses now (non-internal), as announced. */
  addresses(): { ipv4: string[]; ipv6: string[] };
  /** Joins the group on interfaces that appeared since the last call; true when addresses changed. */
  refreshInterfaces(): boolean;
  stats: TransportStats;
  close(): Promise<void>;
}

export interface TransportOptions {
  /** UDP port (5353; tests may use another). */
  port?: number;
  /** Where warnings go (a send failure, a membership that could not be joined). */
  log: (message: string) => void;
}

function readAddresses(): { ipv4: string[]; ipv6: string[] } {
  const ipv4: string[] = [];
  const ipv6: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.internal) continue;
      if (info.family === 'IPv4') ipv4.push(info.address);
      // Link-local IPv6 addresses need a zone to be used, which an mDNS answer cannot carry.
      else if (!info.address.toLowerCase().startsWith('fe80')) ipv6.push(info.address);
    }
  }
  return { ipv4, ipv6 };
}

/** Opens the socket; resolves once it is bound and joined. Rejects when the port cannot be bound. */
export async function openMdnsTransport(options: TransportOptions): Promise<MdnsTransport> {
  const port = options.port ?? MDNS_PORT;
  const events = new EventEmitter();
  const stats: TransportStats = { received: 0, oversized: 0, malformed: 0, listenerErrors: 0 };
  const socket: Socket = createSocket({ type: 'udp4', reuseAddr: true });
  const joined = new Set<string>();
  let current = readAddresses();
  let closed = false;
  /** Sends not yet handed to the network: close() waits for them, so goodbyes leave. */
  let inFlight = 0;
  let drained: (() => void) | null = null;

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', (error) => options.log(`mDNS socket error: ${error.message}`));
  socket.setMulticastTTL(255);
  // Our own multicasts come back to us: another PiCloud on this machine must hear them too, and the
  // prober recognises its own records (same data) as no conflict.
  socket.setMulticastLoopback(true);

  const join = () => {
    let added = false;
    for (const address of current.ipv4) {
      if (joined.has(address)) continue;
      try {
        socket.addMembership(MDNS_GROUP, address);
        joined.add(address);
        added = true;
      } catch (error) {
        options.log(`mDNS: cannot join ${MDNS_GROUP} on ${address}: ${(error as Error).message}`);
      }
    }
    return added;
  };
  if (current.ipv4.length === 0) {
    // No LAN interface yet: listen on loopback so this machine's own clients still resolve our names.
    try {
      socket.addMembership(MDNS_GROUP, '127.0.0.1');
      joined.add('127.0.0.1');
    } catch (error) {
      options.log(`mDNS: cannot join ${MDNS_GROUP} on loopback: ${(error as Error).message}`);
    }
  }
  join();

  socket.on('message', (message, sender) => {
    stats.received += 1;
    if (message.length > MDNS_MAX_PACKET) {
      stats.oversized += 1;
      return;
    }
    let packet: DecodedPacket;
    try {
      packet = dnsPacket.decode(message);
    } catch {
      stats.malformed += 1;
      return;
    }
    const kind = packet.type === 'response' ? 'response' : 'query';
    for (const listener of events.listeners(kind)) {
      try {
        (listener as (packet: DecodedPacket, sender: Sender) => void)(packet, sender);
      } catch (error) {
        // A packet no listener expected (a forged record of an odd shape): drop it, keep serving.
        stats.listenerErrors += 1;
        options.log(`mDNS: dropped a packet from ${sender.address}: ${(error as Error).message}`);
      }
    }
  });

  return {
    stats,
    on: (event, listener) => events.on(event, listener),
    off: (event, listener) => events.off(event, listener),
    send(packet, to) {
      if (closed) return;
      let bytes: Buffer;
      try {
        bytes = dnsPacket.encode(packet);
      } catch (error) {
        options.log(`mDNS: cannot encode a packet: ${(error as Error).message}`);
        return;
      }
      inFlight += 1;
      socket.send(bytes, to?.port ?? port, to?.address ?? MDNS_GROUP, (error) => {
        inFlight -= 1;
        if (inFlight === 0) drained?.();
        // A network that is down (EHOSTUNREACH, ENETUNREACH) is not an error of ours: logged, not thrown.
        if (error) options.log(`mDNS: send failed: ${error.message}`);
      });
    },
    addresses: () => current,
    refreshInterfaces() {
      const next = readAddresses();
      const changed = next.ipv4.join() !== current.ipv4.join() || next.ipv6.join() !== current.ipv6.join();
      current = next;
      join();
      return changed;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}
