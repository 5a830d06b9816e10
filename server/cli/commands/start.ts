/**
 * `picloud start`: the headless appliance. Starts PostgreSQL and the server, prints where to find the
 * panel and the apps' endpoints (this machine and its LAN addresses), and shuts down gracefully on
 * SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { createLogger, startAppliance } from '../../appliance/start-appliance.js';
import { loadConfig } from '../../config/load-config.js';
import { ConfigError } from '../../config/settings.js';
import { StartupError } from '../../errors/startup-error.js';

/** Runs until a stop signal; resolves with the exit code. */
export async function runStart(argv: string[]): Promise<number> {
  parseArgs({ args: argv, options: {} });
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`picloud: ${error.message}`);
      return 1;
    }
    throw error;
  }
  const logger = createLogger(config);
  // A node that joined or left a cluster starts again in its new role, in this process (SIGHUP asks
  // for the same: `picloud join` sends it to a running appliance once it recorded the membership).
  let restartRequested: (reason: string) => void = () => undefined;
  const restarts = () =>
    new Promise<string>((resolve) => {
      restartRequested = resolve;
    });
  let stopRequested: (signal: NodeJS.Signals) => void = () => undefined;
  const stops = new Promise<NodeJS.Signals>((resolve) => {
    stopRequested = resolve;
  });
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAt) {
      // `npm start` forwards the terminal's Ctrl+C to us, which also gets it directly: only a
      // deliberate second press, a moment later, means "stop now".
      if (Date.now() - firstSignalAt < 1_000) return;
      logger.warn(`${signal} again: exiting immediately`);
      process.exit(1);
    }
    firstSignalAt = Date.now();
    logger.info(`${signal}: shutting down`);
    stopRequested(signal);
  };
  let handling = false;

  for (;;) {
    const restarted = restarts();
    let appliance: Awaited<ReturnType<typeof startAppliance>>;
    try {
      appliance = await startAppliance(config, logger, { restart: (reason) => restartRequested(reason) });
    } catch (error) {
      if (!(error instanceof StartupError)) logger.error({ err: error }, 'start-up failed');
      console.error(`picloud: could not start: ${(error as Error).message}`);
      return 1;
    }
    printBanner(appliance, config.dataDir);
    // Only once the first start succeeded, as before: a signal during that start ends the process
    // (its supervisor stops what it left behind).
    if (!handling) {
      handling = true;
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      process.on('SIGHUP', () => restartRequested('SIGHUP: starting again'));
    }
    logger.info(
      {
        port: appliance.runtime.port,
        panelPort: appliance.runtime.panelPort,
        startupMs: Math.round(appliance.startupMs),
      },
      'ready',
    );
    const next = await Promise.race([stops.then(() => 'stop' as const), restarted]);
    try {
      await appliance.stop();
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      return 1;
    }
    if (next === 'stop' || firstSignalAt) return 0;
    logger.info(`restarting: ${next}`);
  }
}

/** The ready banner: where the panel and the endpoints are, and the set-up code on a fresh install. */
function printBanner(appliance: Awaited<ReturnType<typeof startAppliance>>, dataDir: string): void {
  const { runtime } = appliance;
  const lines = [
    '',
    `  PiCloud ${runtime.version} is running (${runtime.database} database, data in ${dataDir})`,
    `  Panel:      ${runtime.panelUrl}`,
    `  Endpoints:  ${runtime.localUrl}`,
    ...[
      ...runtime.panelLanUrls.map((url) => `${url}  (panel)`),
      ...runtime.lanUrls.map((url) => `${url}  (endpoints)`),
    ].map((line, i) => `  ${i === 0 ? 'On LAN:' : '       '}     ${line}`),
    ...[
      `${runtime.panelHttpsUrl}  (panel)`,
      `${runtime.httpsUrl}  (endpoints)`,
      ...runtime.panelHttpsLanUrls.map((url) => `${url}  (panel)`),
      ...runtime.httpsLanUrls.map((url) => `${url}  (endpoints)`),
    ].map((line, i) => `  ${i === 0 ? 'HTTPS:' : '      '}      ${line}`),
    `  Trust:      ${runtime.trustUrl}  (install the appliance's CA for HTTPS without warnings)`,
    `  CA SHA-256: ${runtime.caFingerprint}`,
    '              Compare it with what a device shows before trusting the CA.',
    ...(appliance.setupCode
      ? [
          '',
          '  First run: open the panel to create the admin account.',
          `  From another machine it asks for this one-time set-up code: ${appliance.setupCode}`,
          '  (the same code lets the primary of a cluster add this machine as a node)',
        ]
      : []),
    '  Stop with Ctrl+C.',
    '',
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
}
