/**
 * Runs the real `picloud` command (bin/picloud.js over the compiled dist/) as a child process, the way
 * a user does, and waits for the banner it prints once ready.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** Every `picloud start` this test process spawned and has not seen exit. */
const started = new Set<ChildProcess>();

/**
 * Kills whatever a test left running (a failed assertion skips its `stop()`), so a red test never
 * leaks appliances and their PostgreSQL into the rest of the run. Call from `afterAll`.
 */
export async function killLeftoverApplianceProcesses(): Promise<void> {
  await Promise.all(
    [...started].map(async (child) => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    }),
  );
  started.clear();
}

/** The CLI entry point. */
export const PICLOUD_BIN = fileURLToPath(new URL('../../bin/picloud.js', import.meta.url));

/** A running `picloud start`. */
export interface ApplianceProcess {
  child: ChildProcess;
  /** The endpoints' port (the apps' routes, `/api/v1/execute/{id}`, health). */
  port: number;
  /** The panel's port (the panel, `/api/v1/auth/*`, `/api/v1/admin/*`, health). */
  panelPort: number;
  /** Everything printed so far (stdout + stderr). */
  output(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Runs `picloud <args>` to completion, with `input` (if any) on its standard input. */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [PICLOUD_BIN, ...args], {
    env: { ...process.env, PICLOUD_CONFIG: '', ...env },
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  child.stdin?.end(input);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/** The ready banner's first two lines: the panel's URL, then the endpoints'. */
export const READY_BANNER = /Panel: +http:\/\/localhost:(\d+)\/\n +Endpoints: +http:\/\/localhost:(\d+)\//;

/** Turns a command line into the one that runs it somewhere else (e.g. on a LAN host of lan-hosts.ts). */
export type Launcher = (command: string, args: string[]) => [string, string[]];

/**
 * Starts `picloud start` (through `launch`, if given) and resolves once it prints its ready banner (or
 * rejects with its output).
 */
export async function startApplianceProcess(
  env: Record<string, string>,
  timeoutMs = 30_000,
  launch: Launcher = (command, args) => [command, args],
): Promise<ApplianceProcess> {
  const [command, args] = launch(process.execPath, [PICLOUD_BIN, 'start']);
  const child = spawn(command, args, {
    env: {
      ...process.env,
      PICLOUD_CONFIG: '',
      PICLOUD_PORT: '0',
      PICLOUD_CLUSTER_PORT: '0',
      PICLOUD_HOST: '127.0.0.1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  child.once('exit', () => started.delete(child));
  let output = '';
  const [panelPort, port] = await new Promise<[number, number]>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not ready within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = READY_BANNER.exec(output);
      if (ready) {
        clearTimeout(timer);
        resolve([Number(ready[1]), Number(ready[2])]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ready:\n${output}`));
    });
  });
  return {
    child,
    port,
    panelPort,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}
