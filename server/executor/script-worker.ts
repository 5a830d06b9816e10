/**
 * A script worker thread: runs the jobs the pool sends, with its own Rhai engines and compiled-script
 * caches. A runaway or crashing script can only take this thread down; the pool replaces it.
 *
 * Jobs arrive in batches and run in order; everything that happened while running them (finished
 * runs, sources to fetch, service calls) goes back in one message, so a busy worker costs the main
 * thread one message per batch rather than several per request. A job whose claim the pool took back
 * (it moved the job to another worker) is skipped. Service calls block this thread (`Atomics.wait` on
 * the bridge the pool handed over as `workerData`) where a run cannot suspend; where it can, the call
 * goes out with the batch and the run waits for its answer while the worker runs others — see
 * docs/architecture.md for what suspends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ExecutionReport } from '../contracts/executor.js';
import { type RunStep, ScriptRunner, versionKey } from './run-script.js';
import { BridgeClient } from './service-bridge.js';
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

if (!parentPort) throw new Error('script-worker.js must run in a worker thread');
const port = parentPort;
const data = workerData as ScriptWorkerData;
const runner = new ScriptRunner(undefined, data.moduleCacheSize, data.node);
const blocking = new BridgeClient(data);
const claims = new Int32Array(data.claims);
const state = new Int32Array(data.state);

/** Reports older than this are sent before the next job starts (ms): a long job does not hold them. */
const REPORT_HOLD_MS = 0.5;

/** Jobs received and not yet started. */
const queue: WireJob[] = [];
/** Claimed jobs whose sources arrived: they start before anything new. */
const supplied: WireJob[] = [];
/** Claimed jobs waiting for the sources they asked for, by task id. */
const parked = new Map<number, WireJob>();
/** Answers to suspended runs, to resume them with (before anything new starts). */
const answered: ServiceAnswer[] = [];
/** Suspended runs by the id of the call they wait on, and when each started (for its computing time). */
const waiting = new Map<number, { run: number; activeMs: number }>();
let nextCallId = 1;

let done: RunDone[] = [];
let misses: { id: number; keys: string[] }[] = [];
let calls: ServiceRequest[] = [];
/** performance.now() of the oldest unsent report. */
let oldest = 0;
let scheduled = false;

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'jobs':
      for (const job of message.jobs) queue.push(job);
      break;
    case 'sources': {
      const job = parked.get(message.id);
      if (job === undefined) break;
      parked.delete(message.id);
      supply(job, message.sources);
      supplied.push(job);
      break;
    }
    case 'answers':
      for (const answer of message.answers) answered.push(answer);
      break;
    case 'cancel':
      for (const id of message.ids) {
        parked.delete(id);
        runner.cancel(id);
        for (const [call, entry] of waiting) if (entry.run === id) waiting.delete(call);
      }
      break;
  }
  if (!scheduled) {
    scheduled = true;
    // Runs after every message already received is read, so one drain serves the whole batch.
    setImmediate(drain);
  }
});

/** Fills in the sources the pool sent for `job` (only keys the job names are used). */
function supply(job: WireJob, sources: Record<string, string>): void {
  const own = sources[versionKey(job.script)];
  if (own !== undefined && job.script.source === undefined) job.script.source = own;
  if (job.modules === undefined) return;
  for (const module of Object.values(job.modules)) {
    const source = sources[versionKey(module)];
    if (source !== undefined && module.source === undefined) module.source = source;
  }
}

function drain(): void {
  scheduled = false;
  for (;;) {
    if (done.length > 0 && performance.now() - oldest > REPORT_HOLD_MS) flush();
    const answer = answered.shift();
    if (answer !== undefined) {
      resume(answer);
      continue;
    }
    let job = supplied.shift();
    if (job === undefined) {
      job = queue.shift();
      if (job === undefined) break;
      // The pool may have taken it back for another worker: whoever swaps the cell runs the job.
      if (Atomics.compareExchange(claims, job.cell, job.id, 0) !== job.id) continue;
    }
    start(job);
  }
  flush();
}

function start(job: WireJob): void {
  const missing = runner.missing(job);
  if (missing.length > 0) {
    parked.set(job.id, job);
    misses.push({ id: job.id, keys: missing });
    return;
  }
  compute(job.id, 0, () => runner.start(job.id, job, blocking.forRun(job.id, job.deadline), job.deadline));
}

function resume(answer: ServiceAnswer): void {
  const entry = waiting.get(answer.id);
  if (entry === undefined || entry.run !== answer.run) return; // cancelled meanwhile
  waiting.delete(answer.id);
  compute(answer.run, entry.activeMs, () => runner.resume(answer.run, answer.outcome));
}

/** One stretch of a run's computation, until it ends or suspends on a service call. */
function compute(id: number, activeMs: number, stretch: () => RunStep | null): void {
  Atomics.store(state, STATE_CURRENT, id);
  Atomics.add(state, STATE_PROGRESS, 1);
  const started = performance.now();
  const step = stretch();
  Atomics.store(state, STATE_CURRENT, 0);
  const ended = performance.now();
  const active = activeMs + (ended - started);
  if (step === null) return;
  if (!step.done) {
    const call = nextCallId++;
    waiting.set(call, { run: id, activeMs: active });
    calls.push({ id: call, run: id, call: step.call });
    return;
  }
  if (done.length === 0) oldest = ended;
  done.push({ id, report: step.report, activeMs: active });
}

/** Sends what happened since the last message, if anything did. */
function flush(): void {
  if (done.length === 0 && misses.length === 0 && calls.length === 0) return;
  const message: FromWorker = { type: 'batch', done, misses, calls };
  done = [];
  misses = [];
  calls = [];
  try {
    port.postMessage(
      message,
      message.done.flatMap((run) => transferable(run.report)),
    );
  } catch {
    // One report the structured clone refuses (a thrown map's details nested too deeply for it) must
    // not lose the others: send them one by one, that one replaced by an error.
    for (const run of message.done) {
      const one = (runs: RunDone[]) =>
        port.postMessage({ type: 'batch', done: runs, misses: [], calls: [] } satisfies FromWorker, [
          ...runs.flatMap((r) => transferable(r.report)),
        ]);
      try {
        one([run]);
      } catch {
        one([{ ...run, report: unsendable(run.report) }]);
      }
    }
    port.postMessage({ type: 'batch', done: [], misses: message.misses, calls: message.calls });
  }
}

/** The body's bytes travel without a copy. */
function transferable(report: ExecutionReport): ArrayBuffer[] {
  const body = report.result.ok ? report.result.response.body : null;
  return body instanceof Uint8Array ? [body.buffer as ArrayBuffer] : [];
}

function unsendable(report: ExecutionReport): ExecutionReport {
  return {
    ...report,
    result: {
      ok: false,
      error: {
        code: 'PICLOUD_ERR_SCRIPT_RUNTIME',
        status: 500,
        message: "The script's result is nested too deeply to send",
      },
    },
  };
}

port.postMessage({ type: 'ready' } satisfies FromWorker);
