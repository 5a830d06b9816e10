/**
 * The executor of this machine: an `ExecutorClient` over a pool of worker threads.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutionJob, ExecutionReport, ExecutorClient, ScriptNode } from '../contracts/executor.js';
import type { ScriptServices } from '../contracts/script-services.js';
import { PACKAGE_ROOT } from '../paths.js';
import { WorkerPool } from './worker-pool.js';

/** Settings of the local executor. */
export interface LocalExecutorOptions {
  /** Worker threads (default: one per core). */
  workers: number;
  /** Heap limit per worker, MiB. */
  memoryLimitMb: number;
  /** Compiled modules each worker keeps for `import` (default 256). */
  moduleCacheSize?: number;
  onWorkerExit?: (reason: string) => void;
  /**
   * The data-plane services scripts reach with `kv::`, `secret::`, `http::`, `queue::` (the manager's);
   * without them every such call fails with `SERVICE_UNAVAILABLE`.
   */
  services?: ScriptServices;
  /** The node this is (`ctx.node`); default: no cluster id, this machine's host name. */
  node?: ScriptNode;
}

/**
 * Worker threads need JavaScript. From dist/ the worker sits next to this file; when this module runs
 * from TypeScript sources (tests), the compiled copy in dist/ is used (`npm run build` makes it).
 */
export function scriptWorkerFile(): URL | string {
  const here = new URL('./script-worker.js', import.meta.url);
  if (!import.meta.url.endsWith('.ts')) return here;
  const compiled = join(PACKAGE_ROOT, 'dist', 'server', 'executor', 'script-worker.js');
  if (!existsSync(compiled))
    throw new Error(`The compiled script worker is missing (${compiled}): run npm run build`);
  return compiled;
}

/**
 * Runs scripts in this process's worker pool.
 *
 * @example
 * const executor = new LocalExecutorClient({ workers: 4, memoryLimitMb: 128, services });
 * const report = await executor.execute(job);
 */
export class LocalExecutorClient implements ExecutorClient {
  private readonly pool: WorkerPool;

  constructor(options: LocalExecutorOptions) {
    this.pool = new WorkerPool({
      size: options.workers,
      workerFile: scriptWorkerFile(),
      memoryLimitMb: options.memoryLimitMb,
      moduleCacheSize: options.moduleCacheSize,
      onWorkerExit: options.onWorkerExit,
      services: options.services,
      node: options.node,
    });
  }

  execute(job: ExecutionJob): Promise<ExecutionReport> {
    return this.pool.run(job);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
