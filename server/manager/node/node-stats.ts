/**
 * What the panel's node page shows about this machine: names and versions, the URLs other devices
 * reach it at, CPU load, memory, temperature, disks and this process's memory. The probes come from
 * `systeminformation` (which reads /proc and /sys and spawns `df` and the like), so a sample is shared
 * for a couple of seconds by every caller — several panel tabs polling cost one sample — and nothing
 * runs while nobody asks (no timer). A probe that fails or hangs leaves its field null (or empty)
 * instead of failing the page: a container has no temperature sensor, a locked-down host may hide
 * /proc entries.
 */
import { cpus, hostname, loadavg, networkInterfaces, freemem as osFreemem, totalmem, uptime } from 'node:os';
import { PRODUCT_VERSION } from '../../version.js';

/** Where the HTTP server listens (known once it listens). */
export interface ListenAddress {
  /** The bind address (`0.0.0.0`, `::`, `127.0.0.1`, one of the machine's addresses…). */
  host: string;
  port: number;
}

/** One address of a network interface. */
export interface NodeAddress {
  interface: string;
  address: string;
  family: 'IPv4' | 'IPv6';
  internal: boolean;
}

/** One mounted file system. */
export interface NodeDisk {
  mount: string;
  fs: string;
  size_bytes: number;
  used_bytes: number;
}

/** A sample of this machine, as `GET /api/v1/admin/node` answers it. */
export interface NodeInfo {
  hostname: string;
  /** `process.platform` (`linux`, `darwin`, `win32`). */
  platform: string;
  /** `process.arch` (`x64`, `arm64`). */
  arch: string;
  /** The OS distribution (`Debian GNU/Linux`, `Raspbian GNU/Linux`), null when unknown. */
  distro: string | null;
  /** Its release (`12`), null when unknown. */
  release: string | null;
  /** PiCloud's product version. */
  version: string;
  /** The address the HTTP server is bound to (`PICLOUD_HOST`). */
  listen_host: string;
  /** False when it is bound to a loopback address: then only this machine can reach it. */
  lan_reachable: boolean;
  /** The port the HTTP server listens on. */
  port: number;
  /** Base URLs that reach this server: LAN addresses, or `http://localhost:<port>/` when there is none. */
  urls: string[];
  addresses: NodeAddress[];
  /** Seconds since the machine booted. */
  uptime_s: number;
  /** Seconds since this server started. */
  server_uptime_s: number;
  cpu: {
    model: string;
    cores: number;
    /** CPU load in percent (0–100) since the previous sample; null when it cannot be read. */
    load_percent: number | null;
    /** The 1, 5 and 15 minute load averages (zeros on Windows). */
    load_avg: [number, number, number];
  };
  memory: { total_bytes: number; used_bytes: number; available_bytes: number };
  /** The main CPU temperature in °C; null without a readable sensor (containers, most VMs). */
  temperature_c: number | null;
  /** Real file systems (not tmpfs, proc, squashfs…), each device once. */
  disks: NodeDisk[];
  process: { rss_bytes: number; heap_used_bytes: number };
  /** When this sample was taken (ISO 8601). */
  sampled_at: string;
}

/** The probes a sample reads; replaceable in tests. */
export interface NodeProbes {
  osInfo(): Promise<{ distro?: string; release?: string }>;
  cpuModel(): Promise<string>;
  currentLoad(): Promise<{ currentLoad: number }>;
  mem(): Promise<{ total: number; available: number }>;
  cpuTemperature(): Promise<{ main: number | null }>;
  fsSize(): Promise<{ fs: string; type: string; size: number; used: number; mount: string }[]>;
}

/**
 * systeminformation, loaded on the first sample: importing it costs tens of milliseconds, which the
 * appliance's start should not pay for a screen that may never open.
 */
let systeminformation: Promise<typeof import('systeminformation')> | null = null;
function si(): Promise<typeof import('systeminformation')> {
  systeminformation ??= import('systeminformation');
  return systeminformation;
}

/** The probes of this machine (systeminformation). */
export const SYSTEM_PROBES: NodeProbes = {
  osInfo: async () => (await si()).osInfo(),
  cpuModel: async () => {
    const cpu = await (await si()).cpu();
    return `${cpu.manufacturer} ${cpu.brand}`.trim();
  },
  currentLoad: async () => (await si()).currentLoad(),
  mem: async () => (await si()).mem(),
  cpuTemperature: async () => (await si()).cpuTemperature(),
  fsSize: async () => (await si()).fsSize(),
};

/** Settings of {@link NodeStats}. */
export interface NodeStatsOptions {
  /** Where the server listens; read at every sample (the port is known only once it listens). */
  listenAddress: () => ListenAddress;
  /** How long a sample is shared, in ms (default 2000). */
  ttlMs?: number;
  /** The longest a probe may take before its field is left empty, in ms (default 3000). */
  probeTimeoutMs?: number;
  probes?: NodeProbes;
}

/** File-system types that are not disks. */
const PSEUDO_FS = new Set([
  'tmpfs',
  'devtmpfs',
  'ramfs',
  'squashfs',
  'proc',
  'sysfs',
  'devpts',
  'cgroup',
  'cgroup2',
  'mqueue',
  'autofs',
  'debugfs',
  'tracefs',
  'securityfs',
  'pstore',
  'bpf',
  'configfs',
  'fusectl',
  'hugetlbfs',
  'efivarfs',
  'binfmt_misc',
  'nsfs',
  'rpc_pipefs',
]);

/** Bind addresses that reach only this machine. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** True for a bind address only this machine can reach (`127.0.0.1`, any `127.x`, `::1`, `localhost`). */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Every address of every interface. */
export function interfaceAddresses(): NodeAddress[] {
  const addresses: NodeAddress[] = [];
  for (const [name, entries] of Object.entries(networkInterfaces())) {
    for (const entry of entries ?? []) {
      // Node 18.0–18.3 reported the family as a number.
      const family = String(entry.family) === '6' || entry.family === 'IPv6' ? 'IPv6' : 'IPv4';
      addresses.push({ interface: name, address: entry.address, family, internal: entry.internal });
    }
  }
  return addresses;
}

/**
 * The base URLs that reach a server listening on `listen`: its LAN IPv4 addresses first, then global
 * IPv6 ones when it listens on IPv6 (`::`; `0.0.0.0` is IPv4 only); link-local IPv6 addresses need a
 * zone id browsers refuse, so they are left out. Only `http://localhost:<port>/` when it listens on
 * loopback or the machine has no LAN address.
 * @example lanUrls(interfaceAddresses(), { host: '0.0.0.0', port: 8080 }) // ['http://192.168.1.20:8080/']
 */
export function lanUrls(addresses: readonly NodeAddress[], listen: ListenAddress): string[] {
  const { host, port } = listen;
  const local = [`http://localhost:${port}/`];
  if (isLoopback(host)) return local;
  const everyInterface = host === '0.0.0.0' || host === '::';
  const candidates = addresses.filter(
    (a) =>
      !a.internal &&
      (everyInterface ? a.family === 'IPv4' || host === '::' : a.address === host) &&
      !(a.family === 'IPv6' && /^fe[89ab]/i.test(a.address)),
  );
  if (!everyInterface && candidates.length === 0 && !/^[0-9.:]+$/.test(host)) {
    // Bound to a host name: that name is how others reach it.
    return [`http://${host}:${port}/`];
  }
  const ordered = [
    ...candidates.filter((a) => a.family === 'IPv4'),
    ...candidates.filter((a) => a.family === 'IPv6'),
  ];
  const urls = ordered.map((a) =>
    a.family === 'IPv4' ? `http://${a.address}:${port}/` : `http://[${a.address}]:${port}/`,
  );
  return urls.length > 0 ? [...new Set(urls)] : local;
}

/** Mounted file systems that are disks, each device once (at its shortest mount: bind mounts repeat it). */
export function realDisks(
  entries: readonly { fs: string; type: string; size: number; used: number; mount: string }[],
): NodeDisk[] {
  const byDevice = new Map<string, NodeDisk>();
  for (const entry of entries) {
    if (PSEUDO_FS.has(entry.type.toLowerCase()) || !(entry.size > 0)) continue;
    const known = byDevice.get(entry.fs);
    if (known && known.mount.length <= entry.mount.length) continue;
    byDevice.set(entry.fs, {
      mount: entry.mount,
      fs: entry.type,
      size_bytes: Math.round(entry.size),
      used_bytes: Math.round(entry.used),
    });
  }
  return [...byDevice.values()].sort((a, b) => a.mount.localeCompare(b.mount));
}

/** Resolves with the probe's value, or null when it fails or takes longer than `ms`. */
function settle<T>(probe: () => Promise<T>, ms: number): Promise<T | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    let running: Promise<T>;
    try {
      running = probe();
    } catch {
      running = Promise.reject(new Error('probe failed'));
    }
    running.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      () => {
        clearTimeout(timer);
        resolve(null);
      },
    );
  });
}

const round1 = (value: number) => Math.round(value * 10) / 10;
const round2 = (value: number) => Math.round(value * 100) / 100;

/**
 * Samples this machine, sharing each sample for `ttlMs`.
 * @example const stats = new NodeStats({ listenAddress: () => ({ host: '0.0.0.0', port: 8080 }) });
 * const info = await stats.sample();
 */
export class NodeStats {
  private current: { at: number; info: Promise<NodeInfo> } | null = null;
  /** Facts that never change while the process runs, once read. */
  private fixed: { distro: string | null; release: string | null; model: string } | null = null;
  private readonly startedAt = Date.now();
  private readonly ttlMs: number;
  private readonly probeTimeoutMs: number;
  private readonly probes: NodeProbes;

  constructor(private readonly options: NodeStatsOptions) {
    this.ttlMs = options.ttlMs ?? 2000;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 3000;
    this.probes = options.probes ?? SYSTEM_PROBES;
  }

  /** The current sample: a fresh one at most every `ttlMs`; concurrent callers share one. */
  sample(): Promise<NodeInfo> {
    const now = Date.now();
    if (this.current && now - this.current.at < this.ttlMs) return this.current.info;
    const info = this.collect();
    this.current = { at: now, info };
    return info;
  }

  private async fixedFacts(): Promise<{ distro: string | null; release: string | null; model: string }> {
    if (this.fixed) return this.fixed;
    const [os, model] = await Promise.all([
      settle(() => this.probes.osInfo(), this.probeTimeoutMs),
      settle(() => this.probes.cpuModel(), this.probeTimeoutMs),
    ]);
    const facts = {
      distro: os?.distro || null,
      release: os?.release || null,
      model: cpus()[0]?.model?.trim() || model || 'unknown',
    };
    // A failed probe is tried again next time.
    if (os !== null && model !== null) this.fixed = facts;
    return facts;
  }

  private async collect(): Promise<NodeInfo> {
    const timeout = this.probeTimeoutMs;
    const [fixed, load, mem, temperature, disks] = await Promise.all([
      this.fixedFacts(),
      settle(() => this.probes.currentLoad(), timeout),
      settle(() => this.probes.mem(), timeout),
      settle(() => this.probes.cpuTemperature(), timeout),
      settle(() => this.probes.fsSize(), timeout),
    ]);
    const listen = this.options.listenAddress();
    const addresses = interfaceAddresses();
    const total = mem?.total || totalmem();
    const available = mem && Number.isFinite(mem.available) ? mem.available : osFreemem();
    const loadPercent = load && Number.isFinite(load.currentLoad) ? round1(load.currentLoad) : null;
    const celsius = temperature?.main;
    const [one, five, fifteen] = loadavg();
    const memory = process.memoryUsage();
    return {
      hostname: hostname(),
      platform: process.platform,
      arch: process.arch,
      distro: fixed.distro,
      release: fixed.release,
      version: PRODUCT_VERSION,
      listen_host: listen.host,
      lan_reachable: !isLoopback(listen.host),
      port: listen.port,
      urls: lanUrls(addresses, listen),
      addresses,
      uptime_s: Math.round(uptime()),
      server_uptime_s: Math.round((Date.now() - this.startedAt) / 1000),
      cpu: {
        model: fixed.model,
        cores: Math.max(1, cpus().length),
        load_percent: loadPercent === null ? null : Math.min(100, Math.max(0, loadPercent)),
        load_avg: [round2(one), round2(five), round2(fifteen)],
      },
      memory: {
        total_bytes: total,
        used_bytes: Math.max(0, total - available),
        available_bytes: available,
      },
      temperature_c:
        typeof celsius === 'number' && Number.isFinite(celsius) && celsius > 0 ? round1(celsius) : null,
      disks: disks ? realDisks(disks) : [],
      process: { rss_bytes: memory.rss, heap_used_bytes: memory.heapUsed },
      sampled_at: new Date().toISOString(),
    };
  }
}
