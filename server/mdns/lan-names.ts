/**
 * PiCloud's names on the LAN over mDNS: the machine's `<host name>.local`, the names apps claim under
 * `.local` (e.g. `garden.local`), each answered with the machine's addresses after RFC 6762 probing,
 * and DNS-SD services (`_picloud._tcp`, `_https._tcp`) whose TXT other parts of PiCloud may extend.
 * Everything is event-driven: it answers when asked, announces on the RFC's schedule after a change,
 * and sends goodbyes when stopped.
 *
 * Conflicts: the host name moves to `<name>-2.local` (then -3, …) as RFC 6762 §9 asks; a service
 * instance to "<name> (2)"; an app's name cannot be renamed, so it stays in conflict (not answered)
 * until the claim is made again or PiCloud restarts — the status says which host holds it.
 *
 * @example
 *   const lan = await startLanNames({ log });
 *   lan.setService('picloud', { port: 8081, txt: { endpoints: '8080' } });
 *   lan.claim('garden.local');
 *   lan.on('status', (status) => console.log(status.name, status.state));
 *   const peers = lan.browse('picloud'); peers.on('up', (peer) => …);
 */
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { LocalNameStatus } from '../contracts/local-names.js';
import { addressRecords, encodeTxt, HOST_TTL, type MdnsRecord, OTHER_TTL } from './mdns-records.js';
import { MdnsResponder } from './mdns-responder.js';
import { type MdnsTransport, openMdnsTransport, type TransportStats } from './mdns-transport.js';
import { ProbedRecords, type ProbeReport } from './probed-records.js';
import { browseServices, type ServiceBrowser } from './service-browser.js';

/** A DNS-SD service this node announces. */
export interface ServiceSpec {
  port: number;
  /** TXT entries (`key=value`, keys without '=', each entry at most 255 bytes). */
  txt?: Record<string, string>;
}

export interface LanNames {
  /** The machine's `.local` name now ("alpha.local", or "alpha-2.local" after a conflict). */
  hostName(): string;
  /** Announces (or updates, or with null withdraws) the service `_<type>._tcp`. */
  setService(type: string, spec: ServiceSpec | null): void;
  /** Replaces a published service's TXT entries and announces them. */
  setTxt(type: string, txt: Record<string, string>): void;
  /** Browses `_<type>._tcp` (this node's own instance included). */
  browse(type: string): ServiceBrowser;
  /** Claims `name` (a name under `.local`) for this machine's addresses: probe, then answer. */
  claim(name: string): void;
  /** Withdraws a claimed name (with a goodbye). */
  release(name: string): void;
  /** The status of a claimed name, or null when it is not claimed. */
  status(name: string): LocalNameStatus | null;
  /** Statuses of the host name and every claimed name. */
  statuses(): LocalNameStatus[];
  /** What the socket dropped so far (oversized, malformed packets, listener errors). */
  transportStats(): TransportStats;
  /** Reads the interfaces again; re-announces the addresses when they changed. */
  refreshAddresses(): void;
  on(event: 'status', listener: (status: LocalNameStatus) => void): this;
  off(event: 'status', listener: (status: LocalNameStatus) => void): this;
  /** Goodbyes for everything, then closes the socket. */
  close(): Promise<void>;
}

export type { LocalNameStatus };

export interface LanNamesOptions {
  /** The host label (default: the machine's host name up to its first dot, lower case). */
  hostLabel?: string;
  /** UDP port (5353; tests may use another). */
  port?: number;
  /** Warnings and conflicts. */
  log: (level: 'info' | 'warn', message: string) => void;
}

/** How many renames a conflicting host name or service instance tries before it gives up. */
const MAX_RENAMES = 9;

/** Makes a DNS label of a host name: lower case, letters, digits and hyphens. */
function hostLabelOf(name: string): string {
  const label = name
    .split('.')[0]
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '');
  return label.slice(0, 63) || 'picloud';
}

/** True for a name PiCloud may answer for over mDNS: a host name ending in `.local`. */
export function isLocalName(name: string): boolean {
  return /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+local$/.test(name) && name.length <= 253;
}

interface Claimed {
  prober: ProbedRecords;
  status: LocalNameStatus;
}

interface Published {
  spec: ServiceSpec;
  /** 1 for the first instance name, n for "(n)" after conflicts. */
  attempt: number;
  prober: ProbedRecords;
}

/** Opens the mDNS socket and announces the machine's name. */
export async function startLanNames(options: LanNamesOptions): Promise<LanNames> {
  const log = options.log;
  const transport: MdnsTransport = await openMdnsTransport({
    port: options.port,
    log: (message) => log('warn', message),
  });
  const responder = new MdnsResponder(transport);
  const events = new EventEmitter();
  const baseLabel = options.hostLabel ? hostLabelOf(options.hostLabel) : hostLabelOf(hostname());
  let hostAttempt = 1;
  const hostNameNow = () => `${hostAttempt === 1 ? baseLabel : `${baseLabel}-${hostAttempt}`}.local`;
  const claims = new Map<string, Claimed>();
  const services = new Map<string, Published>();
  const browsers = new Set<ServiceBrowser>();

  const instanceName = (attempt: number) => `PiCloud on ${baseLabel}${attempt === 1 ? '' : ` (${attempt})`}`;
  const serviceType = (type: string) => `_${type}._tcp.local`;

  let hostStatus: LocalNameStatus = {
    name: hostNameNow(),
    state: 'probing',
    since: new Date().toISOString(),
  };
  const hostProber = new ProbedRecords({
    owner: 'host',
    records: () => addressRecords(hostNameNow(), transport.addresses()),
    transport,
    responder,
    onReport: (report) => onHostReport(report),
  });

  function emitStatus(status: LocalNameStatus) {
    events.emit('status', status);
  }

  function statusOf(name: string, report: ProbeReport): LocalNameStatus {
    const status: LocalNameStatus = {
      name,
      state: report.state as LocalNameStatus['state'],
      since: new Date().toISOString(),
    };
    if (report.conflictWith) status.conflictWith = report.conflictWith;
    return status;
  }

  function onHostReport(report: ProbeReport) {
    if (report.state === 'released') return;
    hostStatus = statusOf(hostNameNow(), report);
    emitStatus(hostStatus);
    if (report.state === 'announced') {
      log('info', `answering for ${hostNameNow()} on the LAN`);
      // The services' SRV records point at the host name: re-announce them with it.
      for (const published of services.values()) published.prober.update();
      return;
    }
    if (report.state !== 'conflict') return;
    if (hostAttempt > MAX_RENAMES) {
      log('warn', `${hostNameNow()} is used by ${report.conflictWith} on the LAN; giving up renaming`);
      return;
    }
    const taken = hostNameNow();
    hostAttempt += 1;
    log(
      'warn',
      `${taken} is used by ${report.conflictWith} on the LAN: answering as ${hostNameNow()} instead`,
    );
    hostProber.start();
  }

  function serviceRecords(type: string, published: Published): MdnsRecord[] {
    const fqdn = `${instanceName(published.attempt)}.${serviceType(type)}`;
    return [
      {
        name: fqdn,
        type: 'SRV',
        ttl: HOST_TTL,
        data: { port: published.spec.port, target: hostNameNow() },
        unique: true,
      },
      { name: fqdn, type: 'TXT', ttl: OTHER_TTL, data: encodeTxt(published.spec.txt ?? {}), unique: true },
    ];
  }

  function sharedServiceRecords(type: string, published: Published): MdnsRecord[] {
    const fqdn = `${instanceName(published.attempt)}.${serviceType(type)}`;
    return [
      { name: serviceType(type), type: 'PTR', ttl: OTHER_TTL, data: fqdn, unique: false },
      {
        name: '_services._dns-sd._udp.local',
        type: 'PTR',
        ttl: OTHER_TTL,
        data: serviceType(type),
        unique: false,
      },
    ];
  }

  function publish(type: string, spec: ServiceSpec) {
    const published: Published = { spec, attempt: 1, prober: undefined as unknown as ProbedRecords };
    const owner = `service:${type}`;
    published.prober = new ProbedRecords({
      owner,
      // The unique records are probed; the shared PTRs ride along once the instance name is ours.
      records: () => [...serviceRecords(type, published), ...sharedServiceRecords(type, published)],
      transport,
      responder,
      onReport: (report) => {
        if (report.state !== 'conflict') return;
        if (published.attempt > MAX_RENAMES) {
          log('warn', `service ${instanceName(published.attempt)} conflicts on the LAN; giving up renaming`);
          return;
        }
        published.attempt += 1;
        log(
          'warn',
          `service name taken on the LAN by ${report.conflictWith}: announcing "${instanceName(published.attempt)}"`,
        );
        published.prober.start();
      },
    });
    services.set(type, published);
    published.prober.start();
  }

  hostProber.start();

  const api = Object.assign(events, {
    hostName: hostNameNow,
    setService(type: string, spec: ServiceSpec | null) {
      if (!/^[a-z0-9](?:[a-z0-9-]{0,13}[a-z0-9])?$/.test(type)) throw new Error(`bad service type "${type}"`);
      if (spec) encodeTxt(spec.txt ?? {}); // throws on a bad entry before anything changes
      const existing = services.get(type);
      if (existing && spec && existing.spec.port === spec.port) {
        existing.spec = spec;
        existing.prober.update();
        return;
      }
      if (existing) {
        existing.prober.release();
        services.delete(type);
      }
      if (spec) publish(type, spec);
    },
    setTxt(type: string, txt: Record<string, string>) {
      const existing = services.get(type);
      if (!existing) throw new Error(`service _${type}._tcp is not published`);
      encodeTxt(txt);
      existing.spec = { ...existing.spec, txt };
      existing.prober.update();
    },
    browse(type: string) {
      const browser = browseServices(transport, type);
      browsers.add(browser);
      return browser;
    },
    claim(name: string) {
      const lower = name.toLowerCase();
      if (!isLocalName(lower)) throw new Error(`"${name}" is not a name under .local`);
      if (claims.has(lower)) return;
      const claimed: Claimed = {
        status: { name: lower, state: 'probing', since: new Date().toISOString() },
        prober: new ProbedRecords({
          owner: `claim:${lower}`,
          records: () => addressRecords(lower, transport.addresses()),
          transport,
          responder,
          onReport: (report) => {
            if (report.state === 'released') return;
            claimed.status = statusOf(lower, report);
            if (report.state === 'conflict') {
              log(
                'warn',
                `${lower} is already used by ${report.conflictWith} on the LAN: PiCloud does not answer for it`,
              );
            } else if (report.state === 'announced') {
              log('info', `answering for ${lower} on the LAN`);
            }
            emitStatus(claimed.status);
          },
        }),
      };
      claims.set(lower, claimed);
      claimed.prober.start();
    },
    release(name: string) {
      const lower = name.toLowerCase();
      const claimed = claims.get(lower);
      if (!claimed) return;
      claims.delete(lower);
      claimed.prober.release();
    },
    status: (name: string) => claims.get(name.toLowerCase())?.status ?? null,
    transportStats: () => ({ ...transport.stats }),
    statuses: () => [hostStatus, ...[...claims.values()].map((claimed) => claimed.status)],
    refreshAddresses() {
      if (!transport.refreshInterfaces()) return;
      log('info', `the machine's addresses changed: announcing ${transport.addresses().ipv4.join(', ')}`);
      hostProber.update();
      for (const claimed of claims.values()) claimed.prober.update();
    },
    async close() {
      for (const browser of browsers) browser.stop();
      for (const owner of [...claims.values()].map((claimed) => claimed.prober)) owner.release();
      for (const published of services.values()) published.prober.release();
      hostProber.release();
      claims.clear();
      services.clear();
      responder.stop();
      await transport.close();
    },
  });
  return api as unknown as LanNames;
}
