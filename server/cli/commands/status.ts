/**
 * `picloud status`: whether a PiCloud runs on this machine's data folder, where, and whether it is
 * healthy. Exit code 0 running and healthy, 1 running but unhealthy, 3 not running.
 */
import { parseArgs } from 'node:util';
import { readRuntimeInfo } from '../../appliance/runtime-file.js';
import { processAlive } from '../../platform/process-alive.js';
import { configuredDataDir } from '../configured-data-dir.js';

async function fetchText(url: string): Promise<{ status: number; body: string } | null> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    return { status: response.status, body: await response.text() };
  } catch {
    return null;
  }
}

/** Prints the status; `--json` for machines. */
export async function runStatus(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' } } });
  const dataDir = configuredDataDir();
  if (dataDir === null) return 1;
  const runtime = readRuntimeInfo(dataDir);
  if (!runtime || !processAlive(runtime.pid)) {
    if (values.json) console.log(JSON.stringify({ running: false, dataDir }));
    else console.log(`PiCloud is not running (data folder ${dataDir}).`);
    return 3;
  }
  // Health and version are served on both ports; the panel's is the one the owner cares about.
  const base = `http://127.0.0.1:${runtime.panelPort ?? runtime.port}`;
  const health = await fetchText(`${base}/healthz`);
  const version = await fetchText(`${base}/version`);
  const healthy = health?.status === 200 && health.body === 'ok';
  const versions = version?.status === 200 ? (JSON.parse(version.body) as Record<string, unknown>) : null;
  if (values.json) {
    console.log(JSON.stringify({ running: true, healthy, dataDir, ...runtime, versions }));
  } else {
    console.log(`PiCloud ${runtime.version} is running (pid ${runtime.pid}, since ${runtime.startedAt})`);
    console.log(
      `  health:    ${healthy ? 'ok' : `NOT healthy (${health ? `HTTP ${health.status}` : 'no answer'})`}`,
    );
    console.log(`  panel:     ${runtime.panelUrl ?? runtime.localUrl}`);
    for (const url of runtime.panelLanUrls ?? []) console.log(`             ${url}`);
    console.log(`  endpoints: ${runtime.localUrl}`);
    for (const url of runtime.lanUrls) console.log(`             ${url}`);
    if (runtime.httpsUrl) {
      console.log(`  https:     ${runtime.panelHttpsUrl}  (panel)`);
      console.log(`             ${runtime.httpsUrl}  (endpoints)`);
      console.log(`  trust:     ${runtime.trustUrl}`);
      console.log(`  CA SHA-256 ${runtime.caFingerprint}`);
    }
    console.log(`  database:  ${runtime.database}`);
    if (runtime.clusterPort)
      console.log(`  cluster:   port ${runtime.clusterPort}, node ${runtime.nodeId?.slice(0, 12) ?? '?'}`);
    if (runtime.setupCode) {
      console.log(`  set-up code: ${runtime.setupCode}  (set-up from another machine, or joining a cluster)`);
    }
    console.log(`  data:      ${dataDir}`);
    if (versions)
      console.log(
        `  versions:  ${Object.entries(versions)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
  }
  return healthy ? 0 : 1;
}
