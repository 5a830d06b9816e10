/**
 * The appliance's use of mDNS: once its listeners are up it answers for `<host name>.local`,
 * announces `_picloud._tcp` (the panel's port, the endpoints' port in TXT) and `_https._tcp` (the
 * panel over HTTPS), and follows the apps'
 * exact `.local` claims — claiming a name when an app claims it, withdrawing it when released. Off when
 * PICLOUD_MDNS is off or the listeners are bound to loopback (nothing on the LAN could reach them).
 */
import { watchAddresses } from './address-watcher.js';
import { isLocalName, type LanNames, startLanNames } from './lan-names.js';

export interface ApplianceNamesOptions {
  /** PICLOUD_MDNS. */
  enabled: boolean;
  /** The listeners' bind address. */
  host: string;
  /** The panel's (and API's) port: `_picloud._tcp`'s SRV port. */
  panelPort: number;
  /** The endpoints' port, in `_picloud._tcp`'s TXT as `endpoints`. */
  port: number;
  /** The panel's HTTPS port: `_https._tcp`'s SRV port (browsers' Bonjour lists open the panel). */
  panelHttpsPort?: number;
  /** The exact hosts the apps claim now, and a way to hear of every change to them. */
  claims: { current(): Iterable<string>; follow(listener: () => void): () => void };
  log: (level: 'info' | 'warn', message: string) => void;
  /** UDP port (5353; tests may use another). */
  mdnsPort?: number;
  /** Called after the machine's addresses changed (the TLS certificate follows them). */
  onAddressesChanged?: () => void;
}

/** Why mDNS stays off for this configuration, or null when it runs. */
export function mdnsOffReason(enabled: boolean, host: string): string | null {
  if (!enabled) return 'PICLOUD_MDNS is off';
  if (host === 'localhost' || host === '::1' || host.startsWith('127.'))
    return `PICLOUD_HOST is ${host} (loopback)`;
  return null;
}

/** Starts answering on the LAN; null when off or when UDP 5353 cannot be opened (logged). */
export async function startApplianceNames(
  options: ApplianceNamesOptions,
): Promise<{ names: LanNames; stop(): Promise<void> } | null> {
  const off = mdnsOffReason(options.enabled, options.host);
  if (off) {
    options.log('info', `mDNS off: ${off}`);
    return null;
  }
  let names: LanNames;
  try {
    names = await startLanNames({ log: options.log, port: options.mdnsPort });
  } catch (error) {
    options.log('warn', `mDNS unavailable (${(error as Error).message}): no .local names on the LAN`);
    return null;
  }
  names.setService('picloud', { port: options.panelPort, txt: { endpoints: String(options.port) } });
  if (options.panelHttpsPort) names.setService('https', { port: options.panelHttpsPort, txt: { path: '/' } });
  const claimed = new Set<string>();
  const sync = () => {
    const wanted = new Set<string>();
    for (const host of options.claims.current()) {
      // The machine's own name is answered already (it is the default app's to claim).
      if (isLocalName(host) && host !== names.hostName()) wanted.add(host);
    }
    for (const name of claimed) {
      if (wanted.has(name)) continue;
      names.release(name);
      claimed.delete(name);
    }
    for (const name of wanted) {
      if (claimed.has(name)) continue;
      names.claim(name);
      claimed.add(name);
    }
  };
  sync();
  const unfollow = options.claims.follow(() => {
    try {
      sync();
    } catch (error) {
      options.log('warn', `mDNS: cannot follow the apps' .local claims: ${(error as Error).message}`);
    }
  });
  const unwatch = watchAddresses(
    () => {
      names.refreshAddresses();
      options.onAddressesChanged?.();
    },
    (message) => options.log('warn', message),
  );
  return {
    names,
    async stop() {
      unwatch();
      unfollow();
      await names.close();
    },
  };
}
