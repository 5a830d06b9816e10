/**
 * A pool of script worker threads. Jobs wait in a queue; each goes to a worker with nothing to
 * compute, or — for a script known to be quick — joins a short pipeline of quick jobs on a worker
 * (so a worker never idles between requests and messages carry batches). A worker holds many runs
 * at once: those computing, those waiting for sources, those suspended on a service call.
 *
 * What keeps slow or bad scripts from hurting the rest:
 * - a hard deadline per job (the engine's own deadline plus a grace period): a worker still computing
 *   that run past it is terminated and replaced, and the caller gets a timeout error;
 * - a per-script cap on computing runs (all workers but one, when there are several) for scripts not
 *   known to be quick, so a flood of one slow script cannot occupy every worker;
 * - heavy scripts (recent runs computing longer than `heavyMs` on average, or stopped by a limit)
 *   share all workers but one, so quick scripts always find a worker even while runaways burn theirs;
 * - a job waits behind quick jobs only, never behind a run already known to be slow; a job still
 *   waiting in a worker whose current run has computed longer than `stallMs` is taken back (its
 *   claim cell, see `worker-protocol.ts`) and given to another worker;
 * - a job not known to be quick waits for a worker with nothing to compute, and while it waits no
 *   worker takes new pipelined work, so it is not starved by a flood of quick jobs.
 * A worker that dies (out of memory, crash) fails the runs it held, and is replaced.
 *
 * Service calls (`kv::`, `http::`…) are performed here, on the main thread, for the app of the job
 * that made them (`service-bridge.ts`): blocking ones on the worker's bridge, suspending ones from
 * the worker's messages.
 */
import { Worker } from 'node:worker_threads';
import type { ExecutionFailure, ExecutionJob, ExecutionReport, ScriptNode } from '../contracts/executor.js';
import type { ScriptServices } from '../contracts/script-services.js';
import { versionKey } from './run-script.js';
import { BridgeHost, performServiceCall, SERVICE_INTERNAL } from './service-bridge.js';
import {
  type FromWorker,
  type RunDone,
  type ScriptWorkerData,
  type ServiceAnswer,
  type ServiceRequest,
  STATE_CURRENT,
  STATE_PROGRESS,
  type ToWorker,
  type WireJob,
} from './worker-protocol.js';

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
  /** A script whose runs compute more than this many ms on average is heavy (default 25). */
  heavyMs?: number;
  /** A script whose runs compute at most this many ms on average is quick (default 1). */
  quickMs?: number;
  /** Most quick jobs a worker may have queued or computing at once (default 32). */
  pipelineDepth?: number;
  /**
   * Expected computing time of the quick jobs a worker may have queued or computing at once, in ms
   * (default 2): what a job joining a pipeline may wait behind.
   */
  pipelineMs?: number;
  /** A worker computing one run this long has the jobs waiting behind it taken back (ms, default 10). */
  stallMs?: number;
  /** Reports worker replacements. */
  onWorkerExit?: (reason: string) => void;
  /** Performs the scripts' service calls; without it they fail with `SERVICE_UNAVAILABLE`. */
  services?: ScriptServices;
  /** Compiled modules each worker keeps for `import` (default 256). */
  moduleCacheSize?: number;
  /** The node the workers run on (`ctx.node`). */
  node?: ScriptNode;
}

interface Task {
  /** Never 0 (0 marks a claimed cell and an idle worker). */
  id: number;
  job: ExecutionJob;
  resolve(report: ExecutionReport): void;
  queuedAt: number;
  /** The worker holding it; null while queued here. */
  slot: Slot | null;
  /** Its claim cell while the worker has not said anything about it (-1 after). */
  cell: number;
  /** Counted as computing: sent and not suspended on a service call. */
  computing: boolean;
  /** Service calls of the run in progress. */
  waits: number;
  /** Classified when sent. */
  heavy: boolean;
  quick: boolean;
  /** Expected computing time (ms) of a quick task: its script's fastest recent run. */
  expected: number;
  deadline: number;
  timer: NodeJS.Timeout | null;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Runs in flight in this worker, by task id. */
  tasks: Map<number, Task>;
  /** Tasks computing or waiting to compute. */
  computing: number;
  /** Of those, tasks not known to be quick. */
  slowComputing: number;
  /** Expected computing time of the quick ones, ms. */
  pipelined: number;
  /** Tasks whose claim cell is still theirs (the worker may not have started them). */
  unclaimed: Set<Task>;
  claims: Int32Array;
  freeCells: number[];
  state: Int32Array;
  /** Progress counter when the watchdog last looked. */
  watchedProgress: number;
  /** Progress counter at which the worker was found stuck (-1: not stuck): it gets nothing new meanwhile. */
  stalledAt: number;
  /** Jobs and answers to post at the next flush. */
  outbox: WireJob[];
  answers: ServiceAnswer[];
  /** The main thread's end of the worker's blocking service bridge. */
  bridge: BridgeHost;
}

/**
 * What a script's runs cost, in milliseconds of computing (waits on services left out). Measured by
 * wall clock in the worker, so a run preempted by another thread of the same core looks slower than
 * it is: a script is quick by its fastest recent run (preemption only ever adds), heavy by its average.
 */
interface ScriptCost {
  average: number;
  recent: number[];
  /** The least of `recent`. */
  fastest: number;
}

/** Runs a script's quickness is judged on. */
const RECENT_RUNS = 8;
/** Weight of the newest run in a script's average cost. */
const COST_SMOOTHING = 0.3;
/** Scripts whose cost is remembered (the least recently run are forgotten first). */
const COST_MEMORY = 10_000;
/** Claim cells per worker: more than jobs it can have unclaimed at once. */
const CLAIM_CELLS = 1024;

function failure(error: ExecutionFailure, startedAt: number): ExecutionReport {
  return {
    result: { ok: false, error },
    operations: 0,
    output: '',
    durationMs: performance.now() - startedAt,
  };
}

const SHUTTING_DOWN: ExecutionFailure = {
  code: 'PICLOUD_ERR_EXECUTOR_BUSY',
  status: 503,
  message: 'The executor is shutting down',
};

const UNSENDABLE: ExecutionFailure = {
  code: 'PICLOUD_ERR_EXECUTOR_UNSENDABLE',
  status: 400,
  message:
    'The request cannot be handed to a script: it holds a value nested too deeply or one that cannot be copied',
};

/** The pool. */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  /** Computing runs per script (not counting quick scripts, which the pipeline bounds instead). */
  private readonly computingByScript = new Map<string, number>();
  /** What each script's runs cost, least recently run first. */
  private readonly cost = new Map<string, ScriptCost>();
  private heavyComputing = 0;
  private nextId = 1;
  private closed = false;
  private flushScheduled = false;
  private watchdog: NodeJS.Timeout | null = null;
  private readonly perScriptCap: number;
  private readonly heavyMs: number;
  private readonly quickMs: number;
  private readonly depth: number;
  private readonly pipelineMs: number;
  private readonly stallMs: number;

  constructor(private readonly options: WorkerPoolOptions) {
    this.perScriptCap = options.size > 1 ? options.size - 1 : 1;
    this.heavyMs = options.heavyMs ?? 25;
    this.quickMs = options.quickMs ?? 1;
    this.depth = Math.max(1, options.pipelineDepth ?? 32);
    this.pipelineMs = options.pipelineMs ?? 2;
    this.stallMs = options.stallMs ?? 10;
    for (let i = 0; i < options.size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    // Blocking calls act for the app of the run that made them, and only while it is in flight here.
    const bridge = new BridgeHost(this.options.services, (run) => {
      const task = slot.tasks.get(run);
      return task === undefined ? null : { appId: task.job.request.app.id, deadline: task.deadline };
    });
    const claims = new SharedArrayBuffer(CLAIM_CELLS * Int32Array.BYTES_PER_ELEMENT);
    const state = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
    const workerData: ScriptWorkerData = {
      ...bridge.workerData,
      claims,
      state,
      moduleCacheSize: this.options.moduleCacheSize,
      node: this.options.node,
    };
    const worker = new Worker(this.options.workerFile, {
      resourceLimits: { maxOldGenerationSizeMb: this.options.memoryLimitMb, maxYoungGenerationSizeMb: 16 },
      workerData,
      transferList: bridge.transferList,
    });
    const slot: Slot = {
      worker,
      ready: false,
      tasks: new Map(),
      computing: 0,
      slowComputing: 0,
      pipelined: 0,
      unclaimed: new Set(),
      claims: new Int32Array(claims),
      freeCells: Array.from({ length: CLAIM_CELLS }, (_, i) => CLAIM_CELLS - 1 - i),
      state: new Int32Array(state),
      watchedProgress: -1,
      stalledAt: -1,
      outbox: [],
      answers: [],
      bridge,
    };
    worker.on('message', (message: FromWorker) => this.onMessage(slot, message));
    // A message this thread could not read (the worker sends only plain data; this is the last guard):
    // which runs it carried is unknown, so the worker is replaced and its runs fail.
    worker.on('messageerror', () => this.retire(slot, 'a message from the worker could not be read', null));
    worker.on('error', (error) => this.onExit(slot, error.message));
    worker.on('exit', (code) => this.onExit(slot, `exit code ${code}`));
    // Idle workers must not keep the process alive.
    worker.unref();
    return slot;
  }

  /** Runs a job; resolves with its report (failures included). Never rejects. */
  run(job: ExecutionJob): Promise<ExecutionReport> {
    if (this.closed) return Promise.resolve(failure(SHUTTING_DOWN, performance.now()));
    if (this.queue.length >= (this.options.maxQueue ?? 1000)) {
      return Promise.resolve(
        failure(
          { code: 'PICLOUD_ERR_EXECUTOR_BUSY', status: 503, message: 'Too many scripts waiting to run' },
          performance.now(),
        ),
      );
    }
    return new Promise((resolve) => {
      this.queue.push({
        id: this.takeId(),
        job,
        resolve,
        queuedAt: performance.now(),
        slot: null,
        cell: -1,
        computing: false,
        waits: 0,
        heavy: false,
        quick: false,
        expected: 0,
        deadline: 0,
        timer: null,
      });
      this.dispatch();
    });
  }

  private takeId(): number {
    const id = this.nextId;
    this.nextId = this.nextId >= 0x7fff_ffff ? 1 : this.nextId + 1;
    return id;
  }

  /** Jobs waiting for a worker. */
  get queued(): number {
    return this.queue.length;
  }

  // ---- scheduling -----------------------------------------------------------------------------

  private classify(task: Task): void {
    const cost = this.cost.get(task.job.script.id);
    task.heavy = cost !== undefined && cost.average > this.heavyMs;
    task.quick = cost !== undefined && !task.heavy && cost.fastest <= this.quickMs;
    task.expected = task.quick ? (cost as ScriptCost).fastest : 0;
  }

  private eligible(task: Task): boolean {
    if (task.quick) return true;
    if ((this.computingByScript.get(task.job.script.id) ?? 0) >= this.perScriptCap) return false;
    return !task.heavy || this.heavyComputing < this.perScriptCap;
  }

  /** Whether `slot` is stuck in one long stretch of computation (it then gets nothing new). */
  private stalled(slot: Slot): boolean {
    if (slot.stalledAt === -1) return false;
    // Still in the same stretch of computation (a worker back in its event loop is not stuck).
    if (
      Atomics.load(slot.state, STATE_PROGRESS) === slot.stalledAt &&
      Atomics.load(slot.state, STATE_CURRENT) !== 0
    )
      return true;
    slot.stalledAt = -1;
    return false;
  }

  /** Whether `slot` may take a job now (an idle one, or one more quick job in its pipeline). */
  private open(slot: Slot): boolean {
    return (
      slot.ready &&
      slot.freeCells.length > 0 &&
      (slot.computing === 0 ||
        (slot.slowComputing === 0 && slot.computing < this.depth && slot.pipelined < this.pipelineMs)) &&
      !this.stalled(slot)
    );
  }

  /**
   * The worker for `task`: one with nothing to compute (the one holding the fewest runs), else, for a
   * quick task while nothing slower waits, the least loaded worker whose pipeline holds quick jobs only.
   */
  private pick(task: Task, slowerWaiting: boolean): Slot | null {
    let idle: Slot | null = null;
    let pipeline: Slot | null = null;
    for (const slot of this.slots) {
      if (!this.open(slot)) continue;
      if (slot.computing === 0) {
        if (idle === null || slot.tasks.size < idle.tasks.size) idle = slot;
      } else if (
        task.quick &&
        !slowerWaiting &&
        slot.slowComputing === 0 &&
        slot.pipelined + task.expected <= this.pipelineMs &&
        (pipeline === null || slot.pipelined < pipeline.pipelined)
      ) {
        pipeline = slot;
      }
    }
    return idle ?? pipeline;
  }

  /**
   * Gives waiting tasks to workers, oldest first. Called from request handlers, worker events and
   * timers, so it never throws.
   */
  private dispatch(): void {
    if (this.queue.length === 0 || !this.slots.some((slot) => this.open(slot))) return;
    let slowerWaiting = false;
    for (let i = 0; i < this.queue.length; ) {
      const task = this.queue[i];
      this.classify(task);
      if (!this.eligible(task)) {
        i += 1;
        continue;
      }
      const slot = this.pick(task, slowerWaiting);
      if (slot === null) {
        if (!task.quick) slowerWaiting = true;
        i += 1;
        continue;
      }
      this.queue.splice(i, 1);
      this.send(slot, task);
      if (!this.slots.some((s) => this.open(s))) return;
    }
  }

  private setComputing(task: Task, computing: boolean): void {
    if (task.computing === computing || task.slot === null) return;
    task.computing = computing;
    const slot = task.slot;
    const step = computing ? 1 : -1;
    slot.computing += step;
    if (task.quick) slot.pipelined = slot.computing === 0 ? 0 : slot.pipelined + step * task.expected;
    else {
      slot.slowComputing += step;
      const id = task.job.script.id;
      const count = (this.computingByScript.get(id) ?? 0) + step;
      if (count <= 0) this.computingByScript.delete(id);
      else this.computingByScript.set(id, count);
    }
    if (task.heavy) this.heavyComputing += step;
  }

  /** Hands `task` to `slot` (posted at the next flush). */
  private send(slot: Slot, task: Task): void {
    const cell = slot.freeCells.pop() as number;
    Atomics.store(slot.claims, cell, task.id);
    task.slot = slot;
    task.cell = cell;
    slot.unclaimed.add(task);
    if (slot.tasks.size === 0) slot.worker.ref();
    slot.tasks.set(task.id, task);
    this.setComputing(task, true);
    const { job } = task;
    task.deadline = Date.now() + job.limits.timeoutMs;
    slot.outbox.push({
      id: task.id,
      cell,
      deadline: task.deadline,
      // By id and version only: the worker asks for the sources it has not compiled.
      script: { id: job.script.id, version: job.script.version, name: job.script.name },
      ...(job.modules ? { modules: withoutSources(job.modules) } : {}),
      request: job.request,
      limits: job.limits,
    });
    // The hard deadline: a run still in flight past its own deadline plus the grace period.
    task.timer = setTimeout(() => this.overdue(task), job.limits.timeoutMs + (this.options.graceMs ?? 1_000));
    this.scheduleFlush();
    this.armWatchdog();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // After the current turn of the event loop: every job and answer of this turn goes in one message.
    setImmediate(() => this.flush());
  }

  /** Posts every slot's pending jobs and answers. Never throws. */
  private flush(): void {
    this.flushScheduled = false;
    let refused = false;
    for (const slot of this.slots) {
      if (slot.outbox.length > 0) {
        const jobs = slot.outbox;
        slot.outbox = [];
        if (!this.post(slot, { type: 'jobs', jobs })) {
          // Posted first as a whole: when the structured clone refuses one job (nested too deeply for its
          // recursion, or holding something that cannot be copied), each goes alone and the ones refused
          // fail without ever occupying the worker.
          for (const wire of jobs) {
            if (this.post(slot, { type: 'jobs', jobs: [wire] })) continue;
            const task = slot.tasks.get(wire.id);
            if (task !== undefined) this.fail(task, UNSENDABLE);
            refused = true;
          }
        }
      }
      if (slot.answers.length > 0) {
        const answers = slot.answers;
        slot.answers = [];
        if (!this.post(slot, { type: 'answers', answers })) {
          for (const answer of answers) {
            if (!this.post(slot, { type: 'answers', answers: [answer] }))
              this.post(slot, { type: 'answers', answers: [{ ...answer, outcome: SERVICE_INTERNAL }] });
          }
        }
      }
    }
    if (refused) this.dispatch();
  }

  private post(slot: Slot, message: ToWorker): boolean {
    try {
      slot.worker.postMessage(message);
      return true;
    } catch {
      return false;
    }
  }

  // ---- what workers say -----------------------------------------------------------------------

  private onMessage(slot: Slot, message: FromWorker): void {
    if (message.type === 'ready') slot.ready = true;
    else {
      for (const run of message.done) this.onDone(slot, run);
      for (const miss of message.misses) this.onMiss(slot, miss.id, miss.keys);
      for (const call of message.calls) this.onCall(slot, call);
    }
    this.dispatch();
  }

  /** The worker has said something about `task`: it claimed it, so the cell is free again. */
  private heard(task: Task): void {
    const slot = task.slot;
    if (slot === null || task.cell === -1) return;
    slot.freeCells.push(task.cell);
    task.cell = -1;
    slot.unclaimed.delete(task);
  }

  private onDone(slot: Slot, run: RunDone): void {
    const task = slot.tasks.get(run.id);
    if (task === undefined) return; // given up already (timed out, cancelled)
    this.learn(task.job.script.id, run.report, run.activeMs);
    this.settle(task, run.report);
  }

  /** Sends the sources a run lacks — those of its own job only, whatever keys it names. */
  private onMiss(slot: Slot, id: number, keys: string[]): void {
    const task = slot.tasks.get(id);
    if (task === undefined) return;
    this.heard(task);
    const sources: Record<string, string> = {};
    const { script, modules } = task.job;
    const wanted = new Set(keys);
    if (wanted.has(versionKey(script))) sources[versionKey(script)] = script.source;
    if (modules !== undefined) {
      for (const module of Object.values(modules)) {
        if (wanted.has(versionKey(module))) sources[versionKey(module)] = module.source;
      }
    }
    this.post(slot, { type: 'sources', id, sources });
  }

  /** A suspended run's service call: performed for the app of its job, answered by message. */
  private onCall(slot: Slot, request: ServiceRequest): void {
    const task = slot.tasks.get(request.run);
    if (task === undefined) return;
    this.heard(task);
    task.waits += 1;
    this.setComputing(task, false);
    const run = { appId: task.job.request.app.id, deadline: task.deadline };
    void performServiceCall(this.options.services, run, request.call).then((outcome) => {
      // The run is over (given up at its deadline, its worker replaced): nobody waits any more.
      if (slot.tasks.get(task.id) !== task) return;
      task.waits -= 1;
      if (task.waits === 0) this.setComputing(task, true);
      slot.answers.push({ id: request.id, run: request.run, outcome });
      this.scheduleFlush();
    });
  }

  /** Folds a finished run into its script's cost; a run stopped by a limit counts as heavy. */
  private learn(scriptId: string, report: ExecutionReport, activeMs: number): void {
    const code = report.result.ok ? null : report.result.error.code;
    const limited = code === 'PICLOUD_ERR_SCRIPT_LIMIT' || code === 'PICLOUD_ERR_EXECUTOR_CRASHED';
    const sample = limited ? Math.max(activeMs, this.heavyMs * 4) : activeMs;
    const cost = this.cost.get(scriptId);
    this.cost.delete(scriptId); // re-inserted last: the map's order is least recently run first
    if (cost === undefined) this.cost.set(scriptId, { average: sample, recent: [sample], fastest: sample });
    else {
      cost.average += COST_SMOOTHING * (sample - cost.average);
      if (cost.recent.push(sample) > RECENT_RUNS) cost.recent.shift();
      cost.fastest = Math.min(...cost.recent);
      this.cost.set(scriptId, cost);
    }
    if (this.cost.size > COST_MEMORY) this.cost.delete(this.cost.keys().next().value as string);
  }

  /** Takes `task` off its worker (its run there is over or never started). */
  private detach(task: Task): void {
    const slot = task.slot;
    if (slot === null) return;
    this.heard(task);
    this.setComputing(task, false);
    if (task.timer) clearTimeout(task.timer);
    task.timer = null;
    slot.tasks.delete(task.id);
    task.slot = null;
    if (slot.tasks.size === 0) slot.worker.unref();
  }

  /** Takes `task` off its worker and resolves it with `report`. */
  private settle(task: Task, report: ExecutionReport): void {
    if (task.slot === null) return;
    this.detach(task);
    task.resolve(report);
  }

  private fail(task: Task, error: ExecutionFailure): void {
    this.settle(task, failure(error, task.queuedAt));
  }

  /**
   * Takes `task` back from its worker if the worker has not started it (its claim cell still holds its
   * id, and whoever swaps it first owns the job); true when it did.
   */
  private revoke(task: Task): boolean {
    const slot = task.slot;
    if (slot === null || task.cell === -1) return false;
    if (Atomics.compareExchange(slot.claims, task.cell, task.id, 0) !== task.id) return false;
    this.detach(task);
    return true;
  }

  // ---- time limits ----------------------------------------------------------------------------

  private armWatchdog(): void {
    if (this.watchdog !== null) return;
    // Only while some worker holds jobs it has not started (no timer runs on an idle appliance): looks
    // for workers stuck in one run with jobs waiting behind it.
    this.watchdog = setTimeout(() => this.watch(), this.stallMs);
  }

  private watch(): void {
    this.watchdog = null;
    let waiting = false;
    for (const slot of this.slots) {
      if (slot.unclaimed.size === 0) continue;
      const progress = Atomics.load(slot.state, STATE_PROGRESS);
      const current = Atomics.load(slot.state, STATE_CURRENT);
      if (current !== 0 && progress === slot.watchedProgress) {
        // The same run has computed since the last look: move what waits behind it elsewhere.
        const taken = [...slot.unclaimed].filter((task) => task.id !== current && this.revoke(task));
        if (taken.length > 0) {
          slot.stalledAt = progress;
          this.queue.unshift(...taken.sort((a, b) => a.queuedAt - b.queuedAt));
        }
      }
      slot.watchedProgress = progress;
      if (slot.unclaimed.size > 0) waiting = true;
    }
    this.dispatch();
    if (waiting) this.armWatchdog();
  }

  /** A task still in flight past its deadline and the grace period. */
  private overdue(task: Task): void {
    const slot = task.slot;
    if (slot === null) return;
    task.timer = null;
    if (Atomics.load(slot.state, STATE_CURRENT) === task.id) {
      // The engine checks its deadline as it runs and a service call waits at most until it: a worker
      // still computing this run is stuck somewhere neither can interrupt. Stop it.
      this.retire(slot, 'terminated after its deadline', task);
      return;
    }
    // Waiting on a service, for its sources, or behind another run: it ends here, and the worker drops it.
    if (!this.revoke(task)) {
      this.post(slot, { type: 'cancel', ids: [task.id] });
      this.detach(task);
    }
    task.resolve(
      failure(
        { code: 'PICLOUD_ERR_SCRIPT_TIMEOUT', status: 504, message: 'The script ran out of time' },
        task.queuedAt,
      ),
    );
    this.dispatch();
  }

  // ---- worker replacement ---------------------------------------------------------------------

  /**
   * Takes `slot` out of service: jobs it never started go back to the queue; the runs it held fail
   * (`culprit` with a timeout, the others as crashed).
   */
  private retire(slot: Slot, reason: string, culprit: Task | null): void {
    const index = this.slots.indexOf(slot);
    if (index === -1) return; // already replaced
    this.slots.splice(index, 1);
    slot.bridge.close();
    void slot.worker.terminate();
    this.release(slot, reason, culprit);
    if (!this.closed) {
      this.options.onWorkerExit?.(reason);
      this.slots.push(this.spawn());
    }
    this.dispatch();
  }

  private release(slot: Slot, reason: string, culprit: Task | null): void {
    // The run computing when the worker stopped (its state outlives the thread) is the likely cause.
    const current = Atomics.load(slot.state, STATE_CURRENT);
    const requeued: Task[] = [];
    for (const task of [...slot.tasks.values()]) {
      if (task !== culprit && this.revoke(task)) {
        requeued.push(task);
      } else if (task === culprit) {
        this.fail(task, {
          code: 'PICLOUD_ERR_SCRIPT_TIMEOUT',
          status: 504,
          message: 'The script ran out of time and its worker was stopped',
        });
      } else if (task.id === current) {
        this.learn(task.job.script.id, failure(CRASHED, 0), 0);
        this.fail(task, {
          ...CRASHED,
          message: /memory|heap/i.test(reason)
            ? 'The script used more memory than its worker may have'
            : `The script's worker stopped (${reason})`,
        });
      } else {
        this.fail(task, {
          ...CRASHED,
          message: `The script's worker stopped while the script waited (${reason})`,
        });
      }
    }
    this.queue.unshift(...requeued.sort((a, b) => a.queuedAt - b.queuedAt));
  }

  private onExit(slot: Slot, reason: string): void {
    this.retire(slot, reason, null);
  }

  /** Fails waiting jobs and stops every worker. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
    for (const task of this.queue.splice(0)) task.resolve(failure(SHUTTING_DOWN, task.queuedAt));
    const slots = this.slots.splice(0);
    await Promise.all(
      slots.map(async (slot) => {
        for (const task of [...slot.tasks.values()]) this.fail(task, SHUTTING_DOWN);
        slot.bridge.close();
        await slot.worker.terminate();
      }),
    );
  }
}

const CRASHED: ExecutionFailure = {
  code: 'PICLOUD_ERR_EXECUTOR_CRASHED',
  status: 500,
  message: "The script's worker stopped",
};

/** The job's modules by id and version only. */
function withoutSources(modules: NonNullable<ExecutionJob['modules']>): NonNullable<WireJob['modules']> {
  const refs: NonNullable<WireJob['modules']> = {};
  for (const [name, { id, version }] of Object.entries(modules)) refs[name] = { id, version };
  return refs;
}
