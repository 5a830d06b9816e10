/**
 * Tells when the machine's network addresses change (a DHCP lease, Wi-Fi joining another network, a
 * cable plugged in), without polling: on Linux it reads the kernel's address notifications through
 * `ip -o monitor address` (iproute2), a child process that sleeps until the kernel has news. Elsewhere,
 * or without `ip`, it reports nothing and the addresses stay those read at start-up.
 */
import { spawn } from 'node:child_process';

/** Several notifications arrive together for one change (address, route, then DAD done): wait this long. */
const SETTLE_MS = 300;

/** Starts watching; `onChange` runs once per burst of notifications. Returns the function that stops it. */
export function watchAddresses(onChange: () => void, log: (message: string) => void): () => void {
  if (process.platform !== 'linux') return () => undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const child = spawn('ip', ['-o', 'monitor', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
  child.on('error', (error) => {
    if (!stopped) log(`cannot watch the network addresses (${error.message}): new addresses need a restart`);
  });
  child.on('exit', (code, signal) => {
    if (!stopped)
      log(`the network address watcher stopped (${code ?? signal}): new addresses need a restart`);
  });
  child.stdout.on('data', () => {
    if (timer) return;
    // One refresh per burst: the timer exists only between a notification and its refresh.
    timer = setTimeout(() => {
      timer = null;
      if (!stopped) onChange();
    }, SETTLE_MS);
  });
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    child.kill();
  };
}
