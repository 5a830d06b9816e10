/**
 * A pool of script worker threads. Jobs wait in a queue and go to the first idle worker. Three
 * protections keep slow or bad scripts from hurting the rest:
 * - a hard deadline per job (the engine's own deadline plus a grace period): past it the worker is
 *   terminated and replaced, and the caller gets a timeout error;
 * - a per-script cap on concurrent jobs (all workers but one, when there are several), so a flood of
 *   one script cannot occupy every worker;
 * - heavy scripts (recent runs slower than `heavyMs` on average, or stopped by a limit) share all
 *   workers but one, so quick scripts always find a worker even while several runaways burn theirs.
 * A worker that dies (out of memory, crash) fails only its own job and is replaced.
 *
 * Each worker has its own service bridge (`service-bridge.ts`): the calls its script makes to
 * `kv::`, `http::`… are performed here, on the main thread, for the app of the job it is running.
 */
import { Worker } from 'node:worker_threads';
import type { ExecutionFailure, ExecutionJob, ExecutionReport } from '../contracts/executor.js';
import type { ScriptServices } from '../contracts/script-services.js';
import { BridgeHost } from './service-bridge.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

/** Pool settings. */
export interface WorkerPoolOptions {
  /** Number of worker threads. */
  size: number;
  /** The worker entry file (compiled JavaScript). */
  workerFile: URL | string;
  /** V8 heap limit of each worker, in MiB. */
  memoryLimitMb: number;
  /** Extra time after a job's own timeout before its worker is terminated, in ms. */
  graceMs?: number;
  /** Longest queue; beyond it jobs are refused at once (default 1000). */
  maxQueue?: number;
  /** A script whose runs average more than this many ms is heavy (default 25). */
  heavyMs?: number;
  /** Reports worker replacements. */
  onWorkerExit?: (reason: string) => void;
  /** Performs the scripts' service calls; without it they fail with `SERVICE_UNAVAILABLE`. */
  services?: ScriptServices;
  /** Compiled modules each worker keeps for `import` (default 256). */
  moduleCacheSize?: number;
}

interface Task {
  job: ExecutionJob;
  resolve(report: ExecutionReport): void;
  queuedAt: number;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  task: Task | null;
  taskId: number;
  timer: NodeJS.Timeout | null;
  /** Whether the running task counts against the heavy cap. */
  heavy: boolean;
  /** Epoch milliseconds: the running task's deadline (its service calls must settle by then). */
  deadline: number;
  /** The main thread's end of the worker's service bridge. */
  bridge: BridgeHost;
}

/** Weight of the newest run in a script's average cost. */
const COST_SMOOTHING = 0.3;
/** Scripts whose cost is remembered (the least recently run are forgotten first). */
const COST_MEMORY = 10_000;

function failure(error: ExecutionFailure, startedAt: number): ExecutionReport {
  return {
    result: { ok: false, error },
    operations: 0,
    output: '',
    durationMs: performance.now() - startedAt,
  };
}

/** The pool. */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private readonly running = new Map<string, number>();
  /** Average wall-clock cost per script, ms. */
  private readonly cost = new Map<string, number>();
  private heavyRunning = 0;
  private nextId = 1;
  private closed = false;
  private readonly perScriptCap: number;

  constructor(private readonly options: WorkerPoolOptions) {
    this.perScriptCap = options.size > 1 ? options.size - 1 : 1;
    for (let i = 0; i < options.size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    // Calls act for the app of the task that made them, and only while that task is the current one.
    const bridge = new BridgeHost(this.options.services, (run) =>
      slot.task !== null && slot.taskId === run
        ? { appId: slot.task.job.request.app.id, deadline: slot.deadline }
        : null,
    );
    const worker = new Worker(this.options.workerFile, {
      resourceLimits: { maxOldGenerationSizeMb: this.options.memoryLimitMb, maxYoungGenerationSizeMb: 16 },
      workerData: { ...bridge.workerData, moduleCacheSize: this.options.moduleCacheSize },
      transferList: bridge.transferList,
    });
    const slot: Slot = {
      worker,
      ready: false,
      task: null,
      taskId: 0,
      timer: null,
      heavy: false,
      deadline: 0,
      bridge,
    };
    worker.on('message', (message: FromWorker) => this.onMessage(slot, message));
    // A report this thread could not read (the worker sends only plain data; this is the last guard).
    worker.on('messageerror', () => {
      if (!slot.task) return;
      this.finish(
        slot,
        failure(
          {
            code: 'PICLOUD_ERR_SCRIPT_RUNTIME',
            status: 500,
            message: "The script's result could not be received from its worker",
          },
          slot.task.queuedAt,
        ),
      );
      this.dispatch();
    });
    worker.on('error', (error) => this.onExit(slot, error.message));
    worker.on('exit', (code) => this.onExit(slot, `exit code ${code}`));
    // Idle workers must not keep the process alive.
    worker.unref();
    return slot;
  }

  /** Runs a job; resolves with its report (failures included). Never rejects. */
  run(job: ExecutionJob): Promise<ExecutionReport> {
    if (this.closed) {
      return Promise.resolve(
        failure(
          { code: 'PICLOUD_ERR_EXECUTOR_BUSY', status: 503, message: 'The executor is shutting down' },
          performance.now(),
        ),
      );
    }
    if (this.queue.length >= (this.options.maxQueue ?? 1000)) {
      return Promise.resolve(
        failure(
          { code: 'PICLOUD_ERR_EXECUTOR_BUSY', status: 503, message: 'Too many scripts waiting to run' },
          performance.now(),
        ),
      );
    }
    return new Promise((resolve) => {
      this.queue.push({ job, resolve, queuedAt: performance.now() });
      this.dispatch();
    });
  }

  private isHeavy(scriptId: string): boolean {
    return (this.cost.get(scriptId) ?? 0) > (this.options.heavyMs ?? 25);
  }

  private eligible(task: Task): boolean {
    const id = task.job.script.id;
    if ((this.running.get(id) ?? 0) >= this.perScriptCap) return false;
    return !this.isHeavy(id) || this.heavyRunning < this.perScriptCap;
  }

  /**
   * Gives waiting tasks to idle workers. Called from request handlers, worker events and timers, so it
   * never throws: a task that cannot be handed over fails alone and its worker takes the next one.
   */
  private dispatch(): void {
    for (const slot of this.slots) {
      while (slot.ready && !slot.task) {
        const index = this.queue.findIndex((task) => this.eligible(task));
        if (index === -1) return;
        const [task] = this.queue.splice(index, 1);
        this.start(slot, task);
      }
    }
  }

  /** Folds a finished run into its script's average cost; a run stopped by a limit counts as heavy. */
  private learn(scriptId: string, report: ExecutionReport): void {
    const heavyMs = this.options.heavyMs ?? 25;
    const code = report.result.ok ? null : report.result.error.code;
    const limited =
      code === 'PICLOUD_ERR_SCRIPT_LIMIT' ||
      code === 'PICLOUD_ERR_SCRIPT_TIMEOUT' ||
      code === 'PICLOUD_ERR_EXECUTOR_CRASHED';
    const sample = limited ? Math.max(report.durationMs, heavyMs * 4) : report.durationMs;
    const previous = this.cost.get(scriptId);
    this.cost.delete(scriptId); // re-inserted last: the map's order is least recently run first
    this.cost.set(
      scriptId,
      previous === undefined ? sample : previous + COST_SMOOTHING * (sample - previous),
    );
    if (this.cost.size > COST_MEMORY) this.cost.delete(this.cost.keys().next().value as string);
  }

  /** Hands `task` to the idle worker of `slot`; when its job cannot be posted, fails it and leaves the slot idle. */
  private start(slot: Slot, task: Task): void {
    const taskId = this.nextId++;
    const deadline = Date.now() + task.job.limits.timeoutMs;
    try {
      // Posted first: a job the structured clone refuses (nested too deeply for its recursion, or holding
      // something that cannot be copied) never occupies the worker, and throws here rather than later.
      slot.worker.postMessage({ type: 'run', id: taskId, job: task.job, deadline } satisfies ToWorker);
    } catch {
      task.resolve(
        failure(
          {
            code: 'PICLOUD_ERR_EXECUTOR_UNSENDABLE',
            status: 400,
            message:
              'The request cannot be handed to a script: it holds a value nested too deeply or one that cannot be copied',
          },
          task.queuedAt,
        ),
      );
      return;
    }
    slot.task = task;
    slot.taskId = taskId;
    const scriptId = task.job.script.id;
    this.running.set(scriptId, (this.running.get(scriptId) ?? 0) + 1);
    slot.heavy = this.isHeavy(scriptId);
    if (slot.heavy) this.heavyRunning += 1;
    slot.worker.ref();
    slot.deadline = deadline;
    slot.timer = setTimeout(
      () => {
        // The engine checks its deadline between operations, and a service call waits at most until it;
        // a worker still busy past the grace period is stuck somewhere neither can interrupt. Kill it.
        this.finish(
          slot,
          failure(
            {
              code: 'PICLOUD_ERR_SCRIPT_TIMEOUT',
              status: 504,
              message: 'The script ran out of time and its worker was stopped',
            },
            task.queuedAt,
          ),
        );
        this.replace(slot, 'terminated after its deadline');
      },
      task.job.limits.timeoutMs + (this.options.graceMs ?? 1_000),
    );
  }

  private finish(slot: Slot, report: ExecutionReport): void {
    const task = slot.task;
    if (!task) return;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.task = null;
    const scriptId = task.job.script.id;
    const count = (this.running.get(scriptId) ?? 1) - 1;
    if (count <= 0) this.running.delete(scriptId);
    else this.running.set(scriptId, count);
    if (slot.heavy) this.heavyRunning -= 1;
    slot.heavy = false;
    this.learn(scriptId, report);
    slot.worker.unref();
    task.resolve(report);
  }

  private onMessage(slot: Slot, message: FromWorker): void {
    if (message.type === 'ready') {
      slot.ready = true;
    } else if (slot.task && message.id === slot.taskId) {
      this.finish(slot, message.report);
    }
    this.dispatch();
  }

  private onExit(slot: Slot, reason: string): void {
    const index = this.slots.indexOf(slot);
    if (index === -1) return; // already replaced
    if (slot.task) {
      const oom = /memory|heap/i.test(reason);
      this.finish(
        slot,
        failure(
          {
            code: 'PICLOUD_ERR_EXECUTOR_CRASHED',
            status: 500,
            message: oom
              ? 'The script used more memory than its worker may have'
              : `The script's worker stopped (${reason})`,
          },
          slot.task.queuedAt,
        ),
      );
    }
    this.slots.splice(index, 1);
    slot.bridge.close();
    if (!this.closed) {
      this.options.onWorkerExit?.(reason);
      this.slots.push(this.spawn());
    }
    this.dispatch();
  }

  private replace(slot: Slot, reason: string): void {
    const index = this.slots.indexOf(slot);
    if (index === -1) return;
    this.slots.splice(index, 1);
    slot.bridge.close();
    void slot.worker.terminate();
    if (!this.closed) {
      this.options.onWorkerExit?.(reason);
      this.slots.push(this.spawn());
    }
    this.dispatch();
  }

  /** Jobs waiting for a worker. */
  get queued(): number {
    return this.queue.length;
  }

  /** Fails waiting jobs and stops every worker. */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) {
      task.resolve(
        failure(
          { code: 'PICLOUD_ERR_EXECUTOR_BUSY', status: 503, message: 'The executor is shutting down' },
          task.queuedAt,
        ),
      );
    }
    const slots = this.slots.splice(0);
    await Promise.all(
      slots.map(async (slot) => {
        if (slot.task) {
          this.finish(
            slot,
            failure(
              { code: 'PICLOUD_ERR_EXECUTOR_BUSY', status: 503, message: 'The executor is shutting down' },
              slot.task.queuedAt,
            ),
          );
        }
        slot.bridge.close();
        await slot.worker.terminate();
      }),
    );
  }
}
