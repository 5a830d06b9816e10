/**
 * The main thread's side of `picloud rhai repl`: evaluates each input in a worker thread
 * (repl-worker.ts) and serves its service calls (`kv::`, `secret::`…) from the local services, so the
 * prompt stays responsive while an input runs and Ctrl+C can stop it.
 *
 * Ctrl+C sets the interrupt flag the worker's engine checks as it runs; the input ends with
 * ErrorTerminated and the session keeps its variables and functions. An input that does not stop
 * within {@link INTERRUPT_GRACE_MS} (blocked outside the engine's checks) costs the worker: it is
 * replaced, and the session starts afresh, which the REPL says. So does a worker that dies (out of
 * memory).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ExecutionLimits } from '../../contracts/executor.js';
import type { ScriptServices } from '../../contracts/script-services.js';
import { BridgeHost } from '../../executor/service-bridge.js';
import { PACKAGE_ROOT } from '../../paths.js';
import type { ReplEvaluator } from '../../rhai/tools/repl.js';
import type { FromReplWorker, ReplWorkerData, ToReplWorker } from './repl-protocol.js';

/** How long an interrupted input may take to stop before its worker is replaced. */
export const INTERRUPT_GRACE_MS = 2_000;

/** The app id local services see. */
const LOCAL_APP = 'local';

/** Settings of the evaluator. */
export interface WorkerEvaluatorOptions {
  /** Per input: operations, wall-clock time (0: unlimited), sizes. */
  limits: ExecutionLimits;
  /** Heap limit of the worker, MiB. */
  memoryLimitMb: number;
  services: ScriptServices;
}

/** The compiled worker (from TypeScript sources, the copy `npm run build` put in dist/). */
function workerFile(): URL | string {
  const here = new URL('./repl-worker.js', import.meta.url);
  if (!import.meta.url.endsWith('.ts')) return here;
  const compiled = join(PACKAGE_ROOT, 'dist', 'server', 'cli', 'rhai', 'repl-worker.js');
  if (!existsSync(compiled))
    throw new Error(`The compiled REPL worker is missing (${compiled}): run npm run build`);
  return compiled;
}

interface Pending {
  id: number;
  resolve(functions: string[]): void;
  /** Epoch milliseconds; null: no limit. */
  deadline: number | null;
}

/** A {@link ReplEvaluator} over a worker thread. */
export class WorkerReplEvaluator implements ReplEvaluator {
  private worker!: Worker;
  private bridge!: BridgeHost;
  private interruptFlag!: Int32Array;
  private pending: Pending | null = null;
  private nextId = 0;
  private closing = false;
  private graceTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly write: (s: string) => void,
    private readonly options: WorkerEvaluatorOptions,
  ) {
    this.start();
  }

  private start(): void {
    const flag = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
    this.interruptFlag = new Int32Array(flag);
    this.bridge = new BridgeHost(this.options.services, (run) =>
      this.pending !== null && this.pending.id === run
        ? { appId: LOCAL_APP, deadline: this.pending.deadline ?? Number.POSITIVE_INFINITY }
        : null,
    );
    const data: ReplWorkerData = {
      ...this.bridge.workerData,
      interruptFlag: flag,
      limits: this.options.limits,
    };
    const worker = new Worker(workerFile(), {
      workerData: data,
      transferList: this.bridge.transferList,
      resourceLimits: { maxOldGenerationSizeMb: this.options.memoryLimitMb },
    });
    worker.on('message', (message: FromReplWorker) => {
      if (message.type === 'output') this.write(message.text);
      else if (this.pending?.id === message.id) this.settle(message.functions ?? []);
    });
    worker.on('error', (error) => {
      if (worker === this.worker) this.lost(`the REPL's worker failed (${error.message})`);
    });
    worker.on('exit', () => {
      if (worker === this.worker && !this.closing) this.lost("the REPL's worker stopped");
    });
    this.worker = worker;
  }

  /** The worker is gone: the input in progress ends, a fresh worker takes over. */
  private lost(why: string): void {
    this.bridge.close();
    this.write(`${why}; variables and functions are lost`);
    this.settle([]);
    if (!this.closing) this.start();
  }

  private settle(functions: string[]): void {
    if (this.graceTimer !== null) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    const pending = this.pending;
    this.pending = null;
    pending?.resolve(functions);
  }

  private send(message: Omit<ToReplWorker, 'id'>, deadline: number | null = null): Promise<string[]> {
    this.nextId += 1;
    const id = this.nextId;
    return new Promise((resolve) => {
      this.pending = { id, resolve, deadline };
      this.worker.postMessage({ ...message, id } as ToReplWorker);
    });
  }

  async evaluate(text: string): Promise<void> {
    const { timeoutMs } = this.options.limits;
    const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : null;
    await this.send({ type: 'evaluate', text, deadline } as Omit<ToReplWorker, 'id'>, deadline);
  }

  async reset(): Promise<void> {
    await this.send({ type: 'reset' });
  }

  functions(): Promise<string[]> {
    return this.send({ type: 'functions' });
  }

  interrupt(): void {
    if (this.pending === null || this.graceTimer !== null) return;
    Atomics.store(this.interruptFlag, 0, 1);
    this.write('^C');
    // The one timer of the REPL: armed only while an interrupted input is still running.
    this.graceTimer = setTimeout(() => {
      this.graceTimer = null;
      if (this.pending === null) return;
      const worker = this.worker;
      this.lost('the input did not stop');
      void worker.terminate();
    }, INTERRUPT_GRACE_MS);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.settle([]);
    this.bridge.close();
    await this.worker.terminate();
  }
}
