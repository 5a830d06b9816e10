/**
 * Starts the whole appliance in this process — database (embedded or external), migrations, one-time
 * seeds, the manager, the executor's worker pool, the orchestrator and the HTTP server — and returns a handle whose `stop()` shuts it all down gracefully:
 * refuse new requests, drain in-flight ones (bounded by shutdownTimeoutMs), close the pool, stop
 * PostgreSQL cleanly.
 */
import { hostname } from 'node:os';
import pino, { type Logger } from 'pino';
import { createBackupService, scheduleView, startBackupScheduler } from '../backup/build-backups.js';
import { createClusterControl } from '../cluster/cluster-control.js';
import { ClusterRuntime, planClusterStart, primaryTls } from '../cluster/cluster-runtime.js';
import { lanDiscovery } from '../cluster/discovery.js';
import { MembershipError } from '../cluster/membership-store.js';
import { listNodesForTray } from '../cluster/node-list-file.js';
import { nodeReporter } from '../cluster/node-report.js';
import { executionLimits } from '../config/execution-limits.js';
import type { Config } from '../config/settings.js';
import { databaseIsHealthy, type OpenDatabase, openDatabase } from '../db/database.js';
import { StartupError } from '../errors/startup-error.js';
import { LocalExecutorClient } from '../executor/local-executor.js';
import { createScriptChecker } from '../executor/script-checker.js';
import { buildServer, type PicloudServer } from '../http/build-server.js';
import { createManager } from '../manager/build-manager.js';
import { followCommits } from '../manager/change-feed.js';
import type { HttpsInfo } from '../manager/node/https-api.js';
import { loadSecretKey, SecretKeyError } from '../manager/secrets/secret-key.js';
import { seedHelloWorldIfFresh } from '../manager/seed-hello-world.js';
import { createOutageLog } from '../manager/services/outage-log.js';
import { startApplianceNames } from '../mdns/appliance-names.js';
import type { LanNames } from '../mdns/lan-names.js';
import { createOrchestrator } from '../orchestrator/build-orchestrator.js';
import { OwnConnections } from '../outbound/own-connections.js';
import { PANEL_DIR } from '../paths.js';
import { TrustStoreError } from '../trust/ca-files.js';
import { type CertificateAuthority, loadCertificateAuthority } from '../trust/certificate-authority.js';
import { claimNames, machineNames, mergeNames } from '../trust/leaf-names.js';
import { ServerCertificate } from '../trust/server-certificate.js';
import { PRODUCT_VERSION } from '../version.js';
import { prepareDataDir } from './data-dir.js';
import { acquireInstanceLock } from './instance-lock.js';
import { lanUrls } from './lan-addresses.js';
import { type RuntimeInfo, removeRuntimeInfo, writeRuntimeInfo } from './runtime-file.js';

/** A running appliance. */
export interface Appliance {
  /** The HTTP server: the panel's and the endpoints' listeners. */
  server: PicloudServer;
  /** The database. */
  database: OpenDatabase;
  /** How to reach it. */
  runtime: RuntimeInfo;
  /** Milliseconds from the call to readiness. */
  startupMs: number;
  /** The one-time set-up code while no admin account exists, else null. */
  setupCode: string | null;
  /** The appliance's certificate authority (made at first start, `ca.pem` in the data folder). */
  ca: CertificateAuthority;
  /** The node's TLS certificate (kept current as names change). */
  certificate: ServerCertificate;
  /** This node's role in a cluster, and (on the primary) admitting and removing members. */
  cluster: ClusterRuntime;
  /** Graceful shutdown; safe to call more than once. */
  stop(): Promise<void>;
}

/** What the appliance asks of the process that runs it. */
export interface ApplianceHooks {
  /**
   * The node joined or left a cluster: stop this appliance and start it again (its role comes from
   * the data folder at start). Without it the node keeps running in its old role until restarted.
   */
  restart?: (reason: string) => void;
}

/** Starts one listener; a port in use is a start-up error naming the setting to change. */
async function listenOn(
  listen: () => Promise<unknown>,
  host: string,
  port: number,
  setting: string,
): Promise<void> {
  await listen().catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE') throw error;
    throw new StartupError(
      `${setting}=${port}: another program already listens on ${host}:${port}. Stop it, or choose another port with ${setting}.`,
      { cause: error, code: 'PICLOUD_ERR_STARTUP_PORT_IN_USE' },
    );
  });
}

/**
 * HTTPS URLs for other devices: the machine's `.local` name, then each LAN address the certificate
 * covers (a public address is outside what the CA may certify: a browser would refuse it).
 */
function httpsLanUrls(host: string, port: number, certificate: ServerCertificate): string[] {
  const urls = lanUrls(host, port, 'https');
  if (urls.length === 0) return [];
  const covered = new Set(certificate.current.names.ip);
  const localName = certificate.current.names.dns.find((name) => name.endsWith('.local'));
  return [
    ...(localName ? [`https://${localName}:${port}/`] : []),
    ...urls.filter((url) => covered.has(new URL(url).hostname.replace(/^\[|\]$/g, ''))),
  ];
}

/** Creates the process logger: JSON lines on stdout (pino). */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, base: { service: 'picloud' } });
}

/**
 * Starts PiCloud.
 * @example const appliance = await startAppliance(loadConfig()); ...; await appliance.stop();
 */
export async function startAppliance(
  config: Config,
  logger: Logger = createLogger(config),
  hooks: ApplianceHooks = {},
): Promise<Appliance> {
  const started = performance.now();
  prepareDataDir(config.dataDir);
  const lock = acquireInstanceLock(config.dataDir);
  let database: OpenDatabase | null = null;
  // What a failed start must release before the database closes (newest first).
  const undo: (() => Promise<unknown>)[] = [];
  try {
    // A secrets key others may read, or a damaged one, stops start-up now rather than at first use.
    try {
      loadSecretKey(config.dataDir, { create: false });
    } catch (error) {
      if (error instanceof SecretKeyError) throw new StartupError(error.message);
      throw error;
    }
    // The CA: made at first start; a CA file others may read, or a damaged one, stops start-up.
    const ca = await loadCertificateAuthority(config.dataDir).catch((error: unknown) => {
      if (error instanceof TrustStoreError) throw new StartupError(error.message);
      throw error;
    });
    // The role (fresh, member, primary) decides how the database opens and what runs here.
    let plan: ReturnType<typeof planClusterStart>;
    try {
      plan = planClusterStart(config);
    } catch (error) {
      if (error instanceof MembershipError) throw new StartupError(error.message);
      throw error;
    }
    const member = plan.state.role === 'member';
    const dbLog = logger.child({ component: 'db' });
    // Debug-level milestones show where start-up time goes (bench/startup).
    const milestone = (step: string) =>
      logger.debug({ step, ms: Math.round(performance.now() - started) }, 'start-up');
    database = await openDatabase(config, (level, message) => dbLog[level](message), plan.database);
    milestone('database');
    // Seeds, claim releases and backups are control-plane writes: the primary's (or a fresh node's).
    if (!member && (await seedHelloWorldIfFresh(database.db))) {
      logger.info('seeded the Hello World endpoint (GET /hello)');
    }
    const open = database;
    // The endpoints' configured address until the server listens; then the port it actually got
    // (PICLOUD_PORT=0).
    let listening = { host: config.host, port: config.port };
    // This node's HTTPS URLs for the admin API (known once it listens).
    let httpsInfo: HttpsInfo | null = null;
    // A restore replaced secrets.key: the manager reads it again (bound once the manager exists).
    let secretKeyChanged: () => void = () => undefined;
    // A deploy waits until the orchestrator serves its versions (bound once the orchestrator exists).
    let waitUntilLive = async (_versions: Record<string, number>, _timeoutMs: number) => false;
    const backups = createBackupService(config, open, () => secretKeyChanged());
    const backupLog = logger.child({ component: 'backups' });
    const backupScheduler = member
      ? null
      : startBackupScheduler(config, backups, (level, message) => backupLog[level](message));
    undo.push(async () => backupScheduler?.stop());
    // Scripts' outbound connections, which the listeners recognise: the appliance's own requests are
    // never believed as a trusted proxy.
    const ownConnections = new OwnConnections();
    let lanNames: LanNames | null = null;
    const manager = createManager(
      {
        db: open.db,
        scriptChecker: createScriptChecker(),
        listenAddress: () => listening,
        backups: { service: backups, schedule: () => scheduleView(config, backupScheduler) },
        waitUntilLive: (versions, timeoutMs) => waitUntilLive(versions, timeoutMs),
        httpsInfo: () => httpsInfo,
        localNameStatus: (name) => lanNames?.status(name) ?? null,
      },
      {
        logRetentionCount: config.logRetentionCount,
        logRetentionDays: config.logRetentionDays,
        sessionIdleHours: config.sessionIdleHours,
        sessionMaxDays: config.sessionMaxDays,
        auditRetentionDays: config.auditRetentionDays,
        onError: (error) => logger.error({ err: error }, 'execution log write failed'),
        kvMaxValueBytes: config.kvMaxValueBytes,
        dataDir: config.dataDir,
        outboundTimeoutMs: config.outboundTimeoutMs,
        outboundMaxResponseBytes: config.outboundMaxResponseBytes,
        onOutboundSocket: (socket) => ownConnections.track(socket),
        // Never the call's arguments: they may hold secrets or request bodies.
        onServiceError: (error, call) => logger.error({ err: error, ...call }, 'script service call failed'),
        // While PostgreSQL is down: one warning line per kind of failure, not a stack per call.
        onServiceUnavailable: createOutageLog((level, message, fields) => logger[level](fields, message)),
      },
    );
    secretKeyChanged = () => manager.secretKeyChanged();
    await manager.https.load();
    // Only the app answering for localhost answers for this machine's names and addresses: claims other
    // apps made before that rule (or of an address the machine got since) go, before routing loads.
    for (const claim of member ? [] : await manager.releaseMachineHostClaims()) {
      logger.warn(
        { app: claim.slug, pattern: claim.pattern, host: claim.host },
        `released app "${claim.slug}"'s claim "${claim.pattern}": it names this machine (${claim.host}), which only the app answering for localhost may claim`,
      );
    }
    const executor = new LocalExecutorClient({
      workers: config.executorWorkers,
      memoryLimitMb: config.workerMemoryMb,
      moduleCacheSize: config.moduleCacheSize,
      onWorkerExit: (reason) => logger.warn({ reason }, 'script worker replaced'),
      // What scripts' kv:: (secret::, http::, queue::) calls reach: the manager, for the job's app.
      services: manager.scriptServices,
      node: plan.node,
    });
    const orchestratorLog = logger.child({ component: 'orchestrator' });
    // What this node reports to the cluster (requests it served, its vitals, its addresses).
    const report = nodeReporter({ workers: config.executorWorkers, schemaVersion: open.schemaVersion });
    undo.push(() => executor.close());
    const orchestrator = await createOrchestrator({
      db: open.db,
      connectionString: open.connectionString,
      executor,
      logSink: report.countingSink(manager.logWriter),
      limits: executionLimits(config),
      authorizeInvocation: (request, appId, scope) => manager.auth.authorizeInvocation(request, appId, scope),
      log: (level, message) => orchestratorLog[level](message),
    });
    milestone('orchestrator');
    waitUntilLive = (versions, timeoutMs) =>
      orchestrator.routing.waitFor(
        (snapshot) =>
          Object.entries(versions).every(([id, version]) =>
            version === 0 ? !snapshot.scripts.has(id) : (snapshot.scripts.get(id)?.version ?? 0) >= version,
          ),
        timeoutMs,
      );
    undo.push(() => orchestrator.close());
    // The node's TLS certificate: the machine's names and addresses and every host an app claims; issued
    // again when the claims change (a new claim is served with a valid certificate as soon as routing
    // knows it).
    const certificate = new ServerCertificate({
      ca,
      names: () =>
        mergeNames(machineNames(), claimNames(orchestrator.routing.snapshot.claims), {
          dns: lanNames ? [lanNames.hostName()] : [],
          ip: [],
        }),
      log: (level, message) => logger[level]({ component: 'trust' }, message),
    });
    await certificate.start();
    undo.push(async () => certificate.close());
    const unfollowClaims = orchestrator.routing.onRefresh(() => void certificate.namesChanged());
    // A write this node acknowledges is live here first: its changes reach the routing tables before
    // the API answers (other nodes follow through NOTIFY).
    const unfollow = followCommits(open.db, orchestrator.routing);
    // Cron timers and queue consumers of this process (none while no trigger exists).
    const triggerLog = logger.child({ component: 'triggers' });
    // Started alongside the server's assembly (its LISTEN connection and first query overlap it).
    const triggersStarted = manager.triggers.start({
      connectionString: open.connectionString,
      run: orchestrator.runTriggered,
      log: (level, message) => triggerLog[level](message),
    });
    // Until the first admin exists, set-up from another machine needs this code (printed by `picloud start`).
    // A member has no control plane of its own: its panel sends the user to the primary's.
    const setupCodeReady = member ? Promise.resolve(null) : manager.auth.openSetup();
    // Awaited below; if the server's assembly fails first, their failure must not go unhandled.
    triggersStarted.catch(() => undefined);
    undo.push(() => manager.triggers.stop());
    setupCodeReady.catch(() => undefined);
    // The membership runtime (server/cluster/cluster-runtime.ts): this node's row and heartbeat; on
    // the primary, its PostgreSQL opened to members, their roles and rows.
    const clusterLog = logger.child({ component: 'cluster' });
    const clusterRuntime = new ClusterRuntime({
      dataDir: config.dataDir,
      plan,
      db: open.db,
      embedded: open.embedded,
      // Each heartbeat (every few seconds, on a node in a cluster only) also refreshes the node list
      // the desktop app's tray watches; the file is rewritten only when the list changed.
      report: async () => {
        void listNodesForTray(open.db, config.dataDir).catch(() => undefined);
        return report.sample();
      },
      log: (level, message) => clusterLog[level](message),
    });
    undo.push(() => clusterRuntime.stop());
    // The cluster port, discovery, joins and the cluster API (server/cluster/).
    let panelPortNow = config.panelPort;
    const cluster = await createClusterControl({
      dataDir: config.dataDir,
      host: config.host,
      clusterPort: config.clusterPort,
      logger: logger.child({ component: 'cluster' }),
      db: open.db,
      auth: manager.auth,
      ownCa: ca,
      // A member too: its cluster port admits the certificates of the nodes `cluster_nodes` lists.
      members: clusterRuntime.members(() => primaryTls(config.dataDir, ca)),
      schemaVersion: open.schemaVersion,
      panelPort: () => panelPortNow,
      requestsServed: () => report.requestsServed(),
      restart: (reason) => hooks.restart?.(reason),
    });
    const server = await buildServer({
      logger,
      panelDir: PANEL_DIR,
      schemaVersion: open.schemaVersion,
      databaseIsHealthy: () => databaseIsHealthy(open.pool),
      apiPlugins: member ? [] : [...manager.apiPlugins, orchestrator.apiPlugin, cluster.apiPlugin],
      panelRedirect: plan.panelRedirect,
      endpointApiPlugins: [orchestrator.endpointApiPlugin],
      accessControl: manager.accessControl,
      isOwnConnection: (socket) => ownConnections.isOwn(socket),
      customRoutes: orchestrator.customRoutes,
      bodyLimit: config.bodyLimitBytes,
      headerLimit: config.headerLimitBytes,
      publicRateLimit: config.publicRateLimit,
      trustProxy: config.trustProxy,
      tls: certificate,
      httpsRedirect: { enabled: () => manager.https.httpsOnly, port: () => server.httpsPortOf('panel') },
      trustPage: {
        ca,
        hostName: hostname(),
        lanPageUrl: () => {
          const url = lanUrls(config.host, server.portOf('panel') ?? config.panelPort)[0];
          return url ? `${url}trust` : null;
        },
      },
    });
    const [setupCode] = await Promise.all([setupCodeReady, triggersStarted]);
    milestone('server built');
    undo.push(() => server.close());
    const { host } = config;
    await listenOn(
      () => server.endpoints.listen({ host, port: config.port }),
      host,
      config.port,
      'PICLOUD_PORT',
    );
    await listenOn(
      () => server.panel.listen({ host, port: config.panelPort }),
      host,
      config.panelPort,
      'PICLOUD_PANEL_PORT',
    );
    await listenOn(
      () => server.listenHttps('endpoints', host, config.httpsPort),
      host,
      config.httpsPort,
      'PICLOUD_HTTPS_PORT',
    );
    await listenOn(
      () => server.listenHttps('panel', host, config.panelHttpsPort),
      host,
      config.panelHttpsPort,
      'PICLOUD_PANEL_HTTPS_PORT',
    );
    const port = server.portOf('endpoints') ?? config.port;
    const panelPort = server.portOf('panel') ?? config.panelPort;
    panelPortNow = panelPort;
    undo.push(() => cluster.close());
    await listenOn(
      () => cluster.wire.app.listen({ host, port: config.clusterPort }),
      host,
      config.clusterPort,
      'PICLOUD_CLUSTER_PORT',
    );
    milestone('listening');
    const httpsPort = server.httpsPortOf('endpoints') ?? config.httpsPort;
    const panelHttpsPort = server.httpsPortOf('panel') ?? config.panelHttpsPort;
    listening = { host: config.host, port };
    const mdnsLog = logger.child({ component: 'mdns' });
    const mdns = await startApplianceNames({
      enabled: config.mdns,
      host: config.host,
      panelPort,
      port,
      panelHttpsPort,
      claims: {
        current: () => orchestrator.routing.snapshot.hosts.exactHosts(),
        follow: (listener) => orchestrator.routing.onRefresh(listener),
      },
      log: (level, message) => mdnsLog[level](message),
      onAddressesChanged: () => void certificate.namesChanged(),
    });
    lanNames = mdns?.names ?? null;
    undo.push(async () => mdns?.stop());
    // After a conflict mDNS answers for `<host>-2.local`: the certificate must name it too.
    mdns?.names.on('status', (status) => {
      if (status.state === 'announced' && status.name === mdns.names.hostName())
        void certificate.namesChanged();
    });
    // Every node announces itself in `_picloud._tcp`'s TXT and browses for the others.
    await cluster.listening(mdns ? lanDiscovery(mdns.names, { endpoints: String(port) }) : null);
    const runtime: RuntimeInfo = {
      pid: process.pid,
      port,
      panelPort,
      host: config.host,
      localUrl: `http://localhost:${port}/`,
      lanUrls: lanUrls(config.host, port),
      panelUrl: `http://localhost:${panelPort}/`,
      panelLanUrls: lanUrls(config.host, panelPort),
      httpsPort,
      panelHttpsPort,
      httpsUrl: `https://localhost:${httpsPort}/`,
      httpsLanUrls: httpsLanUrls(config.host, httpsPort, certificate),
      panelHttpsUrl: `https://localhost:${panelHttpsPort}/`,
      panelHttpsLanUrls: httpsLanUrls(config.host, panelHttpsPort, certificate),
      trustUrl: `${lanUrls(config.host, panelPort)[0] ?? `http://localhost:${panelPort}/`}trust`,
      caFingerprint: ca.fingerprint,
      database: config.databaseUrl ? 'external' : 'embedded',
      startedAt: new Date().toISOString(),
      version: PRODUCT_VERSION,
      clusterPort: cluster.port(),
      nodeId: cluster.identity().nodeId,
      setupCode,
    };
    // This node is `up` in the cluster's list once it serves (a restarted member rejoins here).
    await clusterRuntime.start();
    writeRuntimeInfo(config.dataDir, runtime);
    // Once the first account exists the code is spent: `picloud status` stops showing it, and
    // discovery stops announcing this node as fresh.
    manager.auth.onSetupDone(() => {
      writeRuntimeInfo(config.dataDir, { ...runtime, setupCode: null });
      void cluster.refresh();
    });
    httpsInfo = {
      panelUrls: [runtime.panelHttpsUrl, ...runtime.panelHttpsLanUrls],
      endpointUrls: [runtime.httpsUrl, ...runtime.httpsLanUrls],
      trustUrl: runtime.trustUrl,
      fingerprint: ca.fingerprint,
    };
    let stopping: Promise<void> | null = null;
    const stop = () => {
      stopping ??= (async () => {
        // Goodbyes first, so the LAN stops sending requests to a node that is going away.
        await mdns?.stop();
        server.beginShutdown();
        const cut = setTimeout(() => {
          logger.warn('shutdown timeout: closing open connections');
          server.closeAllConnections();
        }, config.shutdownTimeoutMs);
        try {
          await Promise.all([server.close(), cluster.close()]);
        } finally {
          clearTimeout(cut);
        }
        unfollowClaims();
        certificate.close();
        // The cluster's list says `stopped` (not `down`) while the database is still there.
        await clusterRuntime.stop();
        // A scheduled backup in progress finishes while the database is still there.
        await backupScheduler?.stop();
        // Triggered runs in progress finish while the executor is still there.
        await manager.triggers.stop();
        unfollow();
        await orchestrator.close();
        await executor.close();
        await manager.close();
        await open.close();
        removeRuntimeInfo(config.dataDir);
        lock.release();
        logger.info('stopped');
      })();
      return stopping;
    };
    return {
      server,
      database: open,
      runtime,
      startupMs: performance.now() - started,
      setupCode,
      ca,
      certificate,
      cluster: clusterRuntime,
      stop,
    };
  } catch (error) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    await database?.close();
    lock.release();
    throw error;
  }
}
