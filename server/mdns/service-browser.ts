/**
 * Browsing a DNS-SD service type (e.g. `_picloud._tcp`) with `bonjour-service`'s Browser, fed by our
 * transport: one PTR query when browsing starts, then it follows announcements and goodbyes as they
 * arrive (no periodic query). A host that vanishes without a goodbye (power cut, SIGKILL) is not
 * reported gone: liveness is the caller's business. The list is capped at {@link MAX_SERVICES}
 * instances so forged announcements cannot grow memory without bound.
 */
import { EventEmitter } from 'node:events';
import { Browser } from 'bonjour-service';
import type { DecodedPacket } from 'dns-packet';
import type { MdnsTransport, Sender } from './mdns-transport.js';

export const MAX_SERVICES = 256;

/** A service instance found on the network. */
export interface FoundService {
  /** Instance name ("PiCloud on alpha"). */
  name: string;
  /** Full instance name ("PiCloud on alpha._picloud._tcp.local"). */
  fqdn: string;
  /** Target host ("alpha.local"). */
  host: string;
  port: number;
  /** Addresses sent along with the answer (may be empty: resolve `host` then). */
  addresses: string[];
  /** TXT entries as text. */
  txt: Record<string, string>;
  /** The address the announcement came from. */
  from: string;
}

/** Events: 'up' (new instance), 'update' (its SRV or TXT changed), 'down' (goodbye). */
export interface ServiceBrowser {
  on(event: 'up' | 'update' | 'down', listener: (service: FoundService) => void): this;
  off(event: 'up' | 'update' | 'down', listener: (service: FoundService) => void): this;
  /** The instances known now. */
  services(): FoundService[];
  /** Asks the network again (e.g. after the caller noticed a network change). */
  refresh(): void;
  stop(): void;
}

interface BonjourService {
  name: string;
  fqdn: string;
  host: string;
  port: number;
  addresses?: string[];
  txt?: Record<string, unknown>;
  referer?: { address: string };
}

function found(service: BonjourService): FoundService {
  const txt: Record<string, string> = {};
  for (const [key, value] of Object.entries(service.txt ?? {})) {
    txt[key] = Buffer.isBuffer(value) ? value.toString() : String(value);
  }
  return {
    name: service.name,
    fqdn: service.fqdn,
    host: service.host,
    port: service.port,
    addresses: [...(service.addresses ?? [])],
    txt,
    from: service.referer?.address ?? '',
  };
}

/** Browses `type` ("picloud" for `_picloud._tcp`). */
export function browseServices(transport: MdnsTransport, type: string): ServiceBrowser {
  const emitter = new EventEmitter();
  const listeners = new Map<
    (packet: DecodedPacket, sender: Sender) => void,
    (packet: DecodedPacket, sender: Sender) => void
  >();
  let browser: Browser | null = null;
  // The face of `multicast-dns` the Browser uses, over our transport.
  const facade = {
    on(event: string, listener: (packet: DecodedPacket, sender: Sender) => void) {
      if (event !== 'response') return;
      const capped = (packet: DecodedPacket, sender: Sender) => {
        if (browser && browser.services.length >= MAX_SERVICES && !mentionsKnown(packet, browser)) return;
        listener(packet, sender);
      };
      listeners.set(listener, capped);
      transport.on('response', capped);
    },
    removeListener(event: string, listener: (packet: DecodedPacket, sender: Sender) => void) {
      const capped = listeners.get(listener);
      if (event !== 'response' || !capped) return;
      transport.off('response', capped);
      listeners.delete(listener);
    },
    query(name: string, type: 'PTR') {
      transport.send({ type: 'query', questions: [{ name, type }] });
    },
  };
  browser = new Browser(facade, { type, protocol: 'tcp' });
  browser.on('up', (service) => emitter.emit('up', found(service as unknown as BonjourService)));
  browser.on('down', (service) => emitter.emit('down', found(service as unknown as BonjourService)));
  browser.on('txt-update', (service) => emitter.emit('update', found(service as unknown as BonjourService)));
  browser.on('srv-update', (service) => emitter.emit('update', found(service as unknown as BonjourService)));
  const api = Object.assign(emitter, {
    services: () => (browser?.services ?? []).map((service) => found(service as unknown as BonjourService)),
    refresh: () => browser?.update(),
    stop: () => browser?.stop(),
  });
  return api as unknown as ServiceBrowser;
}

function mentionsKnown(packet: DecodedPacket, browser: Browser): boolean {
  const known = new Set(browser.services.map((service) => String(service.fqdn).toLowerCase()));
  return [...(packet.answers ?? []), ...(packet.additionals ?? [])].some(
    (answer) =>
      known.has(answer.name.toLowerCase()) ||
      ('data' in answer && typeof answer.data === 'string' && known.has(answer.data.toLowerCase())),
  );
}
