// Shared by the appliance benchmarks: run `picloud start` as a user would and time it.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const PICLOUD_BIN = fileURLToPath(new URL('../../bin/picloud.js', import.meta.url));

/**
 * Spawns `picloud start` on `dataDir` and resolves when it prints its ready banner, with the elapsed milliseconds
 * from spawn to ready, its ports (`port`: the endpoints', `panelPort`: the panel's and its API's) and a stop()
 * that sends SIGTERM and waits for exit.
 */
export async function startAppliance(dataDir, extraEnv = {}, core = null) {
  const started = performance.now();
  const [command, args] = pinned(core, process.execPath, [PICLOUD_BIN, 'start']);
  const child = spawn(command, args, {
    env: {
      ...process.env,
      PICLOUD_CONFIG: '',
      PICLOUD_DATA_DIR: dataDir,
      PICLOUD_PORT: '0',
      PICLOUD_HOST: '127.0.0.1',
      PICLOUD_LOG_LEVEL: 'info',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const [panelPort, port] = await new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk.toString();
      const ready = /Panel: +http:\/\/localhost:(\d+)\/\n +Endpoints: +http:\/\/localhost:(\d+)\//.exec(
        output,
      );
      if (ready) resolve([Number(ready[1]), Number(ready[2])]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`picloud exited with ${code}:\n${output}`)));
  });
  const readyMs = performance.now() - started;
  return {
    child,
    port,
    panelPort,
    readyMs,
    /** Milliseconds from spawn until `/healthz` answers `ok` (asked once ready, then every 10 ms). */
    async healthyMs() {
      for (;;) {
        const answer = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          async (response) => (response.ok ? await response.text() : ''),
          () => '',
        );
        if (answer === 'ok') return performance.now() - started;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    /** Everything it printed so far. */
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** Median of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** True when `taskset` can pin processes to cores here. */
export const canPin = (() => {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** The command and arguments that run `command` pinned to `core` (unchanged when core is null or pinning is unavailable). */
export function pinned(core, command, args) {
  return core === null || !canPin ? [command, args] : ['taskset', ['-c', String(core), command, ...args]];
}

/** Pins this process to `core`, so a load generator and the server under test do not share a core. */
export function pinSelf(core) {
  if (canPin) execFileSync('taskset', ['-pc', String(core), String(process.pid)], { stdio: 'ignore' });
}

/** Percentile of sorted numbers. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Sets up a fresh appliance as its owner would from this machine (local set-up needs no code) and
 * returns an API token with the `admin` scope, for benchmarks that create scripts and routes. `port` is
 * the panel's (the control plane's).
 */
export async function ownerToken(port) {
  const base = `http://127.0.0.1:${port}/api/v1`;
  const headers = { host: `localhost:${port}`, 'content-type': 'application/json' };
  const setup = await fetch(`${base}/auth/setup`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ username: 'bench', password: 'benchmark passphrase' }),
  });
  if (setup.status !== 201) throw new Error(`set-up failed: ${setup.status} ${await setup.text()}`);
  const { csrf_token: csrf } = await setup.json();
  const cookie = setup.headers.getSetCookie().find((line) => line.startsWith('picloud_session='));
  const created = await fetch(`${base}/admin/tokens`, {
    method: 'POST',
    headers: { ...headers, cookie: cookie.split(';')[0], 'x-csrf-token': csrf },
    body: JSON.stringify({ name: 'bench', scopes: ['admin'] }),
  });
  if (created.status !== 201)
    throw new Error(`token creation failed: ${created.status} ${await created.text()}`);
  return (await created.json()).token;
}

/** Creates an endpoint script of the default app and routes `route` ({methods, path}) to it, through the panel's port. */
export async function createRoutedScript(agent, panelPort, token, script, route) {
  const { call } = await import('./http-load.js');
  const created = await call(
    agent,
    panelPort,
    'POST',
    '/api/v1/admin/scripts',
    { app: 'default', ...script },
    token,
  );
  const routed = await call(
    agent,
    panelPort,
    'POST',
    '/api/v1/admin/apps/default/routes',
    { script: script.name, ...route },
    token,
  );
  if (created.status !== 201 || routed.status !== 201)
    throw new Error(`${script.name}: ${created.status} ${created.body} / ${routed.status} ${routed.body}`);
}
