/**
 * Several LAN hosts on this one machine, for tests that need real multicast (mDNS) or several
 * appliances talking over a network: each host is a Linux network namespace with an `eth0` on a
 * bridge that lives in a namespace of its own (nothing is added to the machine's own network), an
 * IPv4 and an IPv6 address of a private range this harness assigns, the route to multicast that a
 * namespace without a default route needs (without it nothing is found and nothing reports an error),
 * and a host name of its own (each process runs in its own UTS namespace, `unshare --uts`).
 *
 * Every namespace name carries this test process's id and a random part, so parallel runs never
 * collide; `close()` stops every process, kills whatever is still inside the namespaces (an embedded
 * PostgreSQL orphaned by a failed test) and deletes them. A process exit hook does the same when a test
 * run dies before `close()`, and `createLan` removes the namespaces of earlier runs whose process is
 * gone. Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN), iproute2 and util-linux: use
 * {@link lanHostsUnavailable} to skip with its reason when the machine cannot make namespaces.
 *
 * @example
 *   describe.skipIf(lanHostsUnavailable())('two hosts', () => {
 *     let lan: Lan;
 *     beforeAll(async () => { lan = await createLan(['alpha', 'beta']); });
 *     afterAll(() => lan?.close());
 *     it('alpha serves beta', async () => {
 *       const alpha = await lan.host('alpha').startAppliance();
 *       const got = await lan.host('beta').run('curl', ['-s', `http://${lan.host('alpha').address}:${alpha.port}/healthz`]);
 *       expect(got.stdout).toBe('ok');
 *     });
 *   });
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ApplianceProcess, type Launcher, startApplianceProcess } from './appliance-process.js';

/** What every namespace name of this harness starts with. */
const NAME_PREFIX = 'pclan-';
/** The LAN's IPv4 /24 and IPv6 /64 (each LAN is a bridge of its own, so every LAN may reuse them). */
const IPV4_NET = '10.77.0';
const IPV6_NET = 'fd77::';
/** The first host's last address byte; the next hosts count up. */
const FIRST_HOST = 11;

/** A process running on a LAN host. */
export interface LanProcess {
  child: ChildProcess;
  /** Everything it printed so far (stdout + stderr). */
  output(): string;
  /** Resolves with its output once `pattern` appears in it; rejects on timeout or exit. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with its exit code (or the signal's name) once it has exited. */
  exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (or signal name). */
  stop(graceMs?: number): Promise<number | string>;
}

/** One host of the LAN. */
export interface LanHost {
  /** Its host name (what `os.hostname()` returns to processes on it). */
  name: string;
  /** The network namespace it is. */
  netns: string;
  /** Its IPv4 address on the LAN. */
  address: string;
  /** Its IPv6 address on the LAN (a unique local address). */
  address6: string;
  /** Starts `command` on this host (with this test process's environment plus `env`). */
  spawn(
    command: string,
    args: string[],
    options?: { env?: Record<string, string>; cwd?: string },
  ): LanProcess;
  /** Runs `command` on this host to completion. */
  run(
    command: string,
    args: string[],
    options?: { env?: Record<string, string>; input?: string; timeoutMs?: number },
  ): Promise<{ code: number | string; stdout: string; stderr: string }>;
  /**
   * Runs the real `picloud start` on this host (embedded PostgreSQL, a fresh data folder unless `env`
   * names one, listening on every interface of the host) and resolves once it is ready.
   */
  startAppliance(env?: Record<string, string>): Promise<LanHostAppliance>;
  /** Unplugs (false) or plugs back (true) the host's cable: its link on the bridge goes down or up. */
  setLinkUp(up: boolean): Promise<void>;
}

/** A `picloud start` on a LAN host. */
export interface LanHostAppliance extends ApplianceProcess {
  /** Its data folder. */
  dataDir: string;
  /** `http://<host address>:<endpoints' port>` as other hosts reach it. */
  baseUrl: string;
  /** `http://<host address>:<panel's port>` as other hosts reach it. */
  panelUrl: string;
}

/** A set of hosts on one bridge. */
export interface Lan {
  hosts: LanHost[];
  /** The host called `name`. */
  host(name: string): LanHost;
  /** Stops everything started on the LAN and deletes its namespaces (safe to call twice). */
  close(): Promise<void>;
}

let unavailable: string | null | undefined;

/**
 * Why this machine cannot make LAN hosts (not Linux, not root, no `ip` or `unshare`, or the kernel
 * refuses a namespace), or null when it can. Synchronous, for `describe.skipIf`.
 */
export function lanHostsUnavailable(): string | null {
  if (unavailable !== undefined) return unavailable;
  unavailable = probe();
  if (unavailable) unavailable = `LAN hosts (network namespaces) unavailable: ${unavailable}`;
  return unavailable;
}

function probe(): string | null {
  if (process.platform !== 'linux') return `needs Linux, this is ${process.platform}`;
  if (process.getuid?.() !== 0) return 'needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN)';
  for (const tool of [
    ['ip', '-V'],
    ['unshare', '--version'],
  ]) {
    try {
      execFileSync(tool[0], tool.slice(1), { stdio: 'ignore' });
    } catch {
      return `\`${tool[0]}\` is missing (install ${tool[0] === 'ip' ? 'iproute2' : 'util-linux'})`;
    }
  }
  const name = `${NAME_PREFIX}${process.pid}-probe${Math.random().toString(36).slice(2, 6)}`;
  try {
    execFileSync('ip', ['netns', 'add', name], { stdio: 'pipe' });
    execFileSync('ip', ['netns', 'del', name], { stdio: 'pipe' });
  } catch (error) {
    return `\`ip netns add\` failed: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`;
  }
  return null;
}

/** Runs `ip` (or another command) and throws with its error output when it fails. */
function sh(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim();
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr || String(error)}`);
  }
}

/** The pids of the processes inside namespace `netns` (none once it is gone). */
function pidsIn(netns: string): number[] {
  try {
    return execFileSync('ip', ['netns', 'pids', netns], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** True while `pid` runs (a zombie waiting for its parent to reap it does not count). */
export function processRuns(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** SIGKILLs every process inside `netns`; returns their pids. */
function killAllIn(netns: string): number[] {
  const pids = pidsIn(netns);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return pids;
}

/** Kills what is left inside `netns` and deletes it; synchronous so an exit hook can use it. */
function destroyNamespaceSync(netns: string): void {
  killAllIn(netns);
  try {
    execFileSync('ip', ['netns', 'del', netns], { stdio: 'ignore' });
  } catch {
    // already gone
  }
}

/** Namespaces of this process's LANs not closed yet, for the exit hook. */
const openNamespaces = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const netns of openNamespaces) destroyNamespaceSync(netns);
  });
}

/** Deletes the namespaces of earlier test runs whose process is gone (a run killed mid-test). */
function sweepAbandoned(): void {
  const listed = execFileSync('ip', ['netns', 'list'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  for (const line of listed.split('\n')) {
    const netns = line.split(' ')[0];
    const owner = new RegExp(`^${NAME_PREFIX}(\\d+)-`).exec(netns);
    if (owner && Number(owner[1]) !== process.pid && !processRuns(Number(owner[1])))
      destroyNamespaceSync(netns);
  }
}

function wrapProcess(child: ChildProcess): LanProcess {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', (error) => resolve(error.message));
  });
  return {
    child,
    output: () => output,
    exited,
    waitFor(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(output)) return false;
          finish();
          resolve(output);
          return true;
        };
        const onData = () => check();
        // Bounds the wait: a test waiting for output that never comes fails with what was printed.
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`${pattern} not printed within ${timeoutMs} ms:\n${output}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          child.stdout?.off('data', onData);
          child.stderr?.off('data', onData);
        };
        if (check()) return;
        child.stdout?.on('data', onData);
        child.stderr?.on('data', onData);
        void exited.then((code) => {
          if (check()) return;
          finish();
          reject(new Error(`exited (${code}) before printing ${pattern}:\n${output}`));
        });
      });
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      // The grace period of a clean stop; a process that ignores SIGTERM is killed after it.
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * Makes a LAN with one host per name in `hostNames` (host names: lower-case letters, digits and
 * hyphens). Hosts get 10.77.0.11, .12, … and fd77::11, ::12, … in that order.
 */
export async function createLan(hostNames: string[]): Promise<Lan> {
  const reason = lanHostsUnavailable();
  if (reason) throw new Error(reason);
  for (const name of hostNames) {
    if (!/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/.test(name)) throw new Error(`bad host name ${name}`);
  }
  if (new Set(hostNames).size !== hostNames.length) throw new Error('host names must differ');
  installExitHook();
  sweepAbandoned();
  const run = `${NAME_PREFIX}${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const bridgeNs = `${run}-br`;
  const processes = new Set<LanProcess>();
  const dataDirs: string[] = [];
  const namespaces = [bridgeNs, ...hostNames.map((name) => `${run}-${name}`)];
  let closed = false;

  const close = async () => {
    if (closed) return;
    closed = true;
    await Promise.all([...processes].map((process) => process.stop(5_000)));
    for (const netns of namespaces) {
      const killed = killAllIn(netns);
      // SIGKILL is delivered at once but the process ends a moment later: wait (bounded) so that
      // nothing of this LAN runs when close() resolves.
      for (let tries = 0; tries < 100 && killed.some(processRuns); tries++) await sleep(20);
      destroyNamespaceSync(netns);
      openNamespaces.delete(netns);
    }
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  };

  try {
    for (const netns of namespaces) {
      openNamespaces.add(netns);
      sh('ip', ['netns', 'add', netns]);
      sh('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
    }
    // Snooping off: the bridge floods multicast to every port, as a home switch does.
    sh('ip', ['-n', bridgeNs, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0']);
    sh('ip', ['-n', bridgeNs, 'link', 'set', 'br0', 'up']);
    const hosts = hostNames.map((name, index) => {
      const netns = namespaces[index + 1];
      const port = `v${index}`;
      const address = `${IPV4_NET}.${FIRST_HOST + index}`;
      const address6 = `${IPV6_NET}${FIRST_HOST + index}`;
      // No duplicate address detection: the addresses are usable at once, and they are unique here.
      sh('ip', ['netns', 'exec', netns, 'sysctl', '-qw', 'net.ipv6.conf.default.accept_dad=0']);
      sh('ip', ['-n', bridgeNs, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
      sh('ip', ['-n', bridgeNs, 'link', 'set', port, 'master', 'br0', 'up']);
      sh('ip', ['-n', netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
      sh('ip', ['-n', netns, 'addr', 'add', `${address6}/64`, 'dev', 'eth0', 'nodad']);
      sh('ip', ['-n', netns, 'link', 'set', 'eth0', 'multicast', 'on', 'up']);
      // No default route here, so 224.0.0.251 (mDNS) needs a route of its own.
      sh('ip', ['-n', netns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0']);
      return makeHost({ name, netns, address, address6, port, bridgeNs, processes, dataDirs });
    });
    return {
      hosts,
      host(name) {
        const host = hosts.find((candidate) => candidate.name === name);
        if (!host) throw new Error(`no host ${name} on this LAN`);
        return host;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function makeHost(spec: {
  name: string;
  netns: string;
  address: string;
  address6: string;
  port: string;
  bridgeNs: string;
  processes: Set<LanProcess>;
  dataDirs: string[];
}): LanHost {
  const { name, netns, processes } = spec;
  /** `ip netns exec` then `unshare --uts`, each exec'ing the next, so the child's pid is the command's. */
  const inHost: Launcher = (command, args) => [
    'ip',
    [
      'netns',
      'exec',
      netns,
      'unshare',
      '--uts',
      'sh',
      '-c',
      'hostname "$1" && shift && exec "$@"',
      'sh',
      name,
      command,
      ...args,
    ],
  ];
  const host: LanHost = {
    name,
    netns,
    address: spec.address,
    address6: spec.address6,
    spawn(command, args, options = {}) {
      const [file, argv] = inHost(command, args);
      const child = spawn(file, argv, {
        env: { ...process.env, ...options.env },
        cwd: options.cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const started = wrapProcess(child);
      processes.add(started);
      void started.exited.then(() => processes.delete(started));
      return started;
    },
    async run(command, args, options = {}) {
      const [file, argv] = inHost(command, args);
      const child = spawn(file, argv, {
        env: { ...process.env, ...options.env },
        stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
      child.stdin?.end(options.input);
      const started = wrapProcess(child);
      processes.add(started);
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      // Bounds a command that hangs (a test's mistake), so it fails instead of stalling the run.
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
      const code = await started.exited;
      clearTimeout(timer);
      processes.delete(started);
      return { code, stdout, stderr };
    },
    async startAppliance(env = {}) {
      let dataDir = env.PICLOUD_DATA_DIR;
      if (!dataDir) {
        const parent = mkdtempSync(join(tmpdir(), `picloud-lan-${name}-`));
        // The embedded PostgreSQL runs as the unprivileged `picloud` user, which must reach the folder.
        chmodSync(parent, 0o755);
        spec.dataDirs.push(parent);
        dataDir = join(parent, 'data');
      }
      const appliance = await startApplianceProcess(
        { PICLOUD_HOST: '0.0.0.0', PICLOUD_DATA_DIR: dataDir, ...env },
        60_000,
        inHost,
      );
      const tracked = wrapProcess(appliance.child);
      processes.add(tracked);
      void tracked.exited.then(() => processes.delete(tracked));
      return {
        ...appliance,
        dataDir,
        baseUrl: `http://${spec.address}:${appliance.port}`,
        panelUrl: `http://${spec.address}:${appliance.panelPort}`,
      };
    },
    async setLinkUp(up) {
      sh('ip', ['-n', spec.bridgeNs, 'link', 'set', spec.port, up ? 'up' : 'down']);
    },
  };
  return host;
}
