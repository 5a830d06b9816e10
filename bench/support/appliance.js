// Shared by the appliance benchmarks: run `picloud start` as a user would and time it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const PICLOUD_BIN = fileURLToPath(new URL('../../bin/picloud.js', import.meta.url));

/**
 * Spawns `picloud start` on `dataDir` and resolves when it logs "ready", with the elapsed milliseconds
 * from spawn to ready and a stop() that sends SIGTERM and waits for exit.
 */
export async function startAppliance(dataDir, extraEnv = {}) {
  const started = performance.now();
  const child = spawn(process.execPath, [PICLOUD_BIN, 'start'], {
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
  const port = await new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk.toString();
      const ready = /"port":(\d+),"startupMs":\d+,"msg":"ready"/.exec(output);
      if (ready) resolve(Number(ready[1]));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`picloud exited with ${code}:\n${output}`)));
  });
  const readyMs = performance.now() - started;
  return {
    child,
    port,
    readyMs,
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
