/**
 * This machine: CPU, memory, temperature, disks, uptime with small charts, and request and error rates
 * per app. Samples are taken only while this screen is open and visible.
 */
import { useEffect, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api } from '../api/client.js';
import type { NodeInfo, RequestStats } from '../api/types.js';
import { Notice } from '../ui/components.js';
import { CopyButton } from '../ui/copy-button.js';
import { formatBytes, formatUptime, plural } from '../ui/format.js';
import { Sparkline } from '../ui/sparkline.js';
import { HttpsCard } from './https-card.js';

/** How often the screen samples the node while someone looks at it. */
const SAMPLE_MS = 5000;
/** Samples kept for the charts (five minutes). */
const HISTORY = 60;

interface Sample {
  cpu: number;
  memory: number;
}

/** Calls `tick` now and every `ms` while the page is visible. */
function useVisibleInterval(tick: () => void, ms: number) {
  useEffect(() => {
    let timer: ReturnType<typeof setInterval> | undefined;
    const start = () => {
      if (timer === undefined && document.visibilityState === 'visible') {
        tick();
        timer = setInterval(tick, ms);
      }
    };
    const stop = () => {
      clearInterval(timer);
      timer = undefined;
    };
    const onVisibility = () => (document.visibilityState === 'visible' ? start() : stop());
    start();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      stop();
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [tick, ms]);
}

export function NodePage() {
  const [node, setNode] = useState<NodeInfo | null>(null);
  const [history, setHistory] = useState<Sample[]>([]);
  const [stats, setStats] = useState<RequestStats | null>(null);
  const [error, setError] = useState<unknown>(undefined);

  useEffect(() => {
    document.title = 'Node · PiCloud';
  }, []);
  const [sample] = useState(() => async () => {
    try {
      const info = await api<NodeInfo>('GET', '/admin/node');
      setNode(info);
      setError(undefined);
      setHistory((current) =>
        [
          ...current,
          { cpu: info.cpu.load_percent, memory: (info.memory.used_bytes / info.memory.total_bytes) * 100 },
        ].slice(-HISTORY),
      );
    } catch (caught) {
      setError(caught);
    }
  });
  const [loadStats] = useState(() => async () => {
    try {
      setStats(await api<RequestStats>('GET', '/admin/stats/requests?minutes=60'));
    } catch (caught) {
      setError(caught);
    }
  });
  useVisibleInterval(sample, SAMPLE_MS);
  // Per-minute buckets: sampling faster would show nothing new.
  useVisibleInterval(loadStats, 60_000);

  return (
    <section>
      <h1>Node</h1>
      <Notice error={error} />
      {node && (
        <>
          <p class="muted">
            <strong>{node.hostname}</strong> · {node.distro ?? node.platform} {node.release ?? ''} ·{' '}
            {node.arch} · PiCloud {node.version}
          </p>
          <div class="cards">
            <div class="card">
              <h2 class="card-title">CPU</h2>
              <p>
                <strong>{node.cpu.load_percent.toFixed(0)}%</strong> of {node.cpu.cores} cores · load{' '}
                {node.cpu.load_avg.map((value) => value.toFixed(2)).join(' ')}
              </p>
              <Sparkline
                values={history.map((entry) => entry.cpu)}
                max={100}
                label={`CPU load over the last minutes, now ${node.cpu.load_percent.toFixed(0)}%`}
              />
              <p class="small muted">{node.cpu.model}</p>
            </div>
            <div class="card">
              <h2 class="card-title">Memory</h2>
              <p>
                <strong>{formatBytes(node.memory.used_bytes)}</strong> used of{' '}
                {formatBytes(node.memory.total_bytes)}
              </p>
              <Sparkline
                values={history.map((entry) => entry.memory)}
                max={100}
                label={`Memory use over the last minutes, now ${formatBytes(node.memory.used_bytes)}`}
              />
              <p class="small muted">
                PiCloud: {formatBytes(node.process.rss_bytes)} resident, heap{' '}
                {formatBytes(node.process.heap_used_bytes)}
              </p>
            </div>
            <div class="card">
              <h2 class="card-title">Temperature</h2>
              <p>
                {node.temperature_c === null ? (
                  <span class="muted">Not reported by this machine</span>
                ) : (
                  <strong>{node.temperature_c.toFixed(1)} °C</strong>
                )}
              </p>
              <h2 class="card-title">Uptime</h2>
              <p>
                Machine {formatUptime(node.uptime_s)} · PiCloud {formatUptime(node.server_uptime_s)}
              </p>
            </div>
          </div>

          <h2>Disks</h2>
          <ul class="plain stack">
            {node.disks.map((disk) => {
              const percent = disk.size_bytes > 0 ? (disk.used_bytes / disk.size_bytes) * 100 : 0;
              return (
                <li key={disk.mount}>
                  <div class="row spread small">
                    <span class="mono">{disk.mount}</span>
                    <span>
                      {formatBytes(disk.used_bytes)} of {formatBytes(disk.size_bytes)} ({percent.toFixed(0)}%)
                    </span>
                  </div>
                  <meter
                    class="disk-meter"
                    aria-label={`Disk ${disk.mount} used`}
                    min={0}
                    max={100}
                    high={90}
                    value={percent}
                  />
                </li>
              );
            })}
          </ul>

          <h2>Addresses</h2>
          {node.lan_reachable ? (
            <p class="small muted">Other devices on the network reach this machine's endpoints at:</p>
          ) : (
            <div class="notice notice-warn" role="note">
              <p>
                PiCloud listens on <span class="mono">{node.listen_host}</span> only:{' '}
                <strong>only this machine can reach it</strong>, other devices on the network cannot.
              </p>
              <p class="small">
                To open it to the LAN, set <span class="mono">PICLOUD_HOST=0.0.0.0</span> (or{' '}
                <span class="mono">"host": "0.0.0.0"</span> in the config file) and restart PiCloud.
              </p>
            </div>
          )}
          <ul class="plain stack">
            {node.urls.map((url) => (
              <li key={url} class="row">
                <span class="mono grow">{url}</span>
                <CopyButton text={url} />
              </li>
            ))}
          </ul>
          <HttpsCard />
        </>
      )}

      <h2>Requests per app (last hour)</h2>
      {stats &&
        (stats.apps.length === 0 ? (
          <p class="muted">No apps.</p>
        ) : (
          <div class="cards">
            {stats.apps.map((entry) => (
              <div class="card" key={entry.app_id}>
                <h3 class="card-title">
                  <Link href={`/apps/${entry.slug}`}>{entry.slug}</Link>
                </h3>
                <p class="small">
                  {plural(entry.requests, 'request')} · {plural(entry.errors, 'error')}
                </p>
                <Sparkline
                  values={entry.buckets.map((bucket) => bucket.requests)}
                  second={entry.buckets.map((bucket) => bucket.errors)}
                  label={`${entry.slug}: ${plural(entry.requests, 'request')} and ${plural(entry.errors, 'error')} in the last hour`}
                />
              </div>
            ))}
          </div>
        ))}
    </section>
  );
}
