/**
 * Runs one job on a Rhai engine: compile (cached per script version), build `ctx`, evaluate under the
 * job's limits and deadline, capture print/debug output, turn the result or the error into a report.
 * Pure with respect to its inputs, so it runs the same in a worker thread and in-process in tests.
 */
import { hostname } from 'node:os';
import {
  type ExecutionFailure,
  type ExecutionJob,
  type ExecutionLimits,
  type ExecutionReport,
  MAX_VALUE_DEPTH,
  type ScriptNode,
} from '../contracts/executor.js';
import type { ServiceCall, ServiceOutcome, SyncServiceClient } from '../contracts/script-services.js';
import {
  AST,
  Engine,
  type RunStep as EngineStep,
  isRhaiError,
  type Limits,
  RhaiError,
  Scope,
  type SuspendableRun,
} from '../rhai/index.js';
import { SDK_VERSION } from '../version.js';
import { ModuleCache } from './module-resolver.js';
import { bodyBytes, ResponseShapeError, toScriptResponse } from './script-response.js';
import { registerSdkModules, ScriptServiceError, ServiceBinding } from './sdk/index.js';
import { SERVICE_UNAVAILABLE } from './service-bridge.js';
import { capText, headWithin, truncationNote } from './text-cap.js';

/** What stands in a thrown map's details for a value nested deeper than {@link MAX_VALUE_DEPTH}. */
const NESTED_TOO_DEEPLY = '(nested too deeply)';

/** Error kinds that mean "the script hit a sandbox limit". */
const LIMIT_KINDS = new Set([
  'ErrorTooManyOperations',
  'ErrorStackOverflow',
  'ErrorDataTooLarge',
  'ErrorTooManyVariables',
  'ErrorTooManyModules',
]);

/** The engine's share of a run's limits (the rest — time, response and output sizes — are the runner's). */
export function engineLimits(limits: ExecutionLimits): Partial<Limits> {
  return {
    maxOperations: limits.maxOperations,
    maxCallLevels: limits.maxCallLevels,
    maxStringSize: limits.maxStringSize,
    maxArraySize: limits.maxArraySize,
    maxMapSize: limits.maxMapSize,
  };
}

/** A job whose script and modules may come without their source: the runner then uses its compiled copies. */
export type RunnableJob = Omit<ExecutionJob, 'script' | 'modules'> & {
  script: ScriptRef;
  modules?: Record<string, ScriptRef>;
};

/** A script or module by id and version; `source` only when the receiver may not have compiled it yet. */
export interface ScriptRef {
  id: string;
  version: number;
  name?: string;
  source?: string;
}

/** The cache key of a script or module version. */
export function versionKey(ref: { id: string; version: number }): string {
  return `${ref.id}@${ref.version}`;
}

/**
 * What belongs to one run and to no other: its output, the modules its job lists (compiled and
 * pinned when it starts, so another run evicting them from the cache cannot take them away), its
 * services and its deadline. A worker may hold many runs at once (one computing, the others waiting
 * on services); the runner activates a run's state around each stretch of its execution.
 */
export class RunState {
  readonly output = new OutputBuffer();
  readonly stats = { operations: 0 };
  readonly started = performance.now();
  /** The engine's run, once started. */
  handle: SuspendableRun | null = null;

  constructor(
    /** The caller's id for the run (the pool's task id in a worker). */
    readonly id: number,
    readonly job: RunnableJob,
    readonly deadline: number,
    readonly services: SyncServiceClient | null,
    readonly modules: ReadonlyMap<string, AST | RhaiError>,
  ) {
    this.output.reset(job.limits.maxOutputBytes);
  }

  /** The report of the run, ended with `result`. */
  report(result: ExecutionReport['result']): ExecutionReport {
    return {
      // A thrown message is as big as the script makes it (4 Mi characters): it is capped like output.
      result: result.ok
        ? result
        : { ok: false, error: capFailure(result.error, this.job.limits.maxOutputBytes) },
      operations: this.stats.operations,
      output: this.output.text(),
      durationMs: performance.now() - this.started,
    };
  }

  /** `import "name"`: only the job's own modules (null lets the engine try its host modules). */
  resolve(name: string): AST | null {
    const entry = this.modules.get(name);
    if (entry === undefined) return null;
    if (entry instanceof AST) return entry;
    throw new RhaiError('ErrorInModule', entry.message);
  }
}

/** One engine per distinct set of limits, with the limits it was made for. */
interface EngineEntry {
  engine: Engine;
  limits: ExecutionLimits;
}

/** How a run goes on: ended with its report, or suspended on a service call. */
export type RunStep = { done: true; report: ExecutionReport } | { done: false; call: ServiceCall };

/** A report for a run that failed outside the script. */
function failedReport(message: string): ExecutionReport {
  return {
    result: { ok: false, error: { code: 'PICLOUD_ERR_SCRIPT_RUNTIME', status: 500, message } },
    operations: 0,
    output: '',
    durationMs: 0,
  };
}

/** Keeps compiled scripts (by id and version) and one engine per distinct set of limits. */
export class ScriptRunner {
  private readonly engines: EngineEntry[] = [];
  private readonly compiled = new Map<string, AST>();
  /** The services of the run in progress, shared by every engine's SDK modules. */
  private readonly services = new ServiceBinding();
  /** The run whose code is executing now (print, debug and import act for it); null between runs. */
  private active: RunState | null = null;
  /** Runs waiting on a service call, by id. */
  private readonly suspended = new Map<number, RunState>();
  /** Ids for runs started by `run` (negative: apart from the caller's own). */
  private nextLocalId = -1;

  /** Compiled modules for `import` (by id and version). */
  private readonly modules: ModuleCache;

  constructor(
    private readonly cacheSize = 256,
    moduleCacheSize = 256,
    /** `ctx.node`: the node this runner's process is. */
    private readonly node: ScriptNode = { id: '', name: hostname() },
  ) {
    this.modules = new ModuleCache(moduleCacheSize);
  }

  private engineFor(limits: ExecutionLimits): Engine {
    for (const entry of this.engines) if (sameEngineLimits(entry.limits, limits)) return entry.engine;
    const write = (text: string) => this.active?.output.write(text);
    const engine = new Engine({
      limits: engineLimits(limits),
      onPrint: write,
      onDebug: write,
    });
    registerSdkModules(engine, this.services);
    // Set once: it resolves through the active run, so a run sees only the modules of its own job.
    engine.setModuleResolver({ resolve: (path) => this.active?.resolve(path) ?? null });
    this.engines.push({ engine, limits });
    return engine;
  }

  /**
   * The keys (`id@version`) of the job's script and modules that come without source and are not
   * compiled here: the job cannot start until their sources arrive.
   */
  missing(job: RunnableJob): string[] {
    const keys: string[] = [];
    if (job.script.source === undefined && !this.compiled.has(versionKey(job.script)))
      keys.push(versionKey(job.script));
    if (job.modules !== undefined) {
      for (const module of Object.values(job.modules)) {
        if (module.source === undefined && !this.modules.has(versionKey(module)))
          keys.push(versionKey(module));
      }
    }
    return keys;
  }

  private compile(engine: Engine, job: RunnableJob): AST {
    const key = versionKey(job.script);
    let ast = this.compiled.get(key);
    if (ast) {
      // Refresh its place in the LRU order.
      this.compiled.delete(key);
    } else {
      if (job.script.source === undefined) throw new Error(`No source for script ${key}`);
      ast = engine.compile(job.script.source, { sourceName: job.script.name });
      if (this.compiled.size >= this.cacheSize)
        this.compiled.delete(this.compiled.keys().next().value as string);
    }
    this.compiled.set(key, ast);
    return ast;
  }

  /**
   * Runs the job to its end. Never throws. `services` answers the script's `kv::`, `http::`… calls
   * (without it they fail with `SERVICE_UNAVAILABLE`); `deadline` (epoch ms) defaults to the job's
   * timeout from now.
   */
  run(job: RunnableJob, services?: SyncServiceClient, deadline?: number): ExecutionReport {
    const id = this.nextLocalId--;
    let step = this.start(id, job, services, deadline);
    while (!step.done) {
      step = this.resume(id, services ? services.call(step.call) : SERVICE_UNAVAILABLE) ?? {
        done: true,
        report: failedReport('The run was lost'),
      };
    }
    return step.report;
  }

  /**
   * Starts the job as run `id`: it ends (with its report) or suspends on a service call, to be resumed
   * with `resume(id, outcome)`. Calls it makes where it cannot suspend go to `services` and block.
   * Never throws.
   */
  start(id: number, job: RunnableJob, services?: SyncServiceClient, deadline?: number): RunStep {
    const engine = this.engineFor(job.limits);
    const run = new RunState(
      id,
      job,
      deadline ?? Date.now() + job.limits.timeoutMs,
      services ?? null,
      this.modules.pin(engine, job.modules),
    );
    const previous = this.activate(run);
    try {
      const ast = this.compile(engine, job);
      const scope = new Scope();
      scope.pushConstant('ctx', {
        ...job.request,
        trigger: job.request.trigger ?? { kind: 'http' },
        raw_body: job.request.raw_body ?? null,
        sdk_version: SDK_VERSION,
        node: this.node,
      });
      run.handle = engine.start(ast, scope, {
        deadline: run.deadline,
        stats: run.stats,
        block: (request) => (run.services ? run.services.call(request as ServiceCall) : SERVICE_UNAVAILABLE),
      });
      return this.step(run, run.handle.next());
    } catch (error) {
      return { done: true, report: run.report({ ok: false, error: describeFailure(error) }) };
    } finally {
      this.activate(previous);
    }
  }

  /** Resumes suspended run `id` with the outcome of its call; null when no such run waits here. */
  resume(id: number, outcome: ServiceOutcome): RunStep | null {
    const run = this.suspended.get(id);
    if (run === undefined || run.handle === null) return null;
    this.suspended.delete(id);
    const previous = this.activate(run);
    try {
      return this.step(run, run.handle.next(outcome));
    } catch (error) {
      return { done: true, report: run.report({ ok: false, error: describeFailure(error) }) };
    } finally {
      this.activate(previous);
    }
  }

  /** Abandons suspended run `id` (its caller gave up on it). */
  cancel(id: number): void {
    const run = this.suspended.get(id);
    if (run === undefined) return;
    this.suspended.delete(id);
    run.handle?.cancel();
  }

  /** Runs suspended now. */
  get suspendedRuns(): number {
    return this.suspended.size;
  }

  /** The engine's step as the runner's: a suspended run is kept until resumed; an ended one reported. */
  private step(run: RunState, step: EngineStep): RunStep {
    if (!step.done) {
      this.suspended.set(run.id, run);
      return { done: false, call: step.request as ServiceCall };
    }
    const response = toScriptResponse(step.value);
    const bytes = bodyBytes(response);
    if (bytes > run.job.limits.maxResponseBytes) {
      return {
        done: true,
        report: run.report({
          ok: false,
          error: {
            code: 'PICLOUD_ERR_SCRIPT_RESPONSE_TOO_LARGE',
            status: 500,
            message: `The response body is ${bytes} bytes, over the limit of ${run.job.limits.maxResponseBytes}`,
          },
        }),
      };
    }
    return { done: true, report: run.report({ ok: true, response }) };
  }

  /** Makes `run` the one whose code executes from now on (null: none); returns the one before. */
  private activate(run: RunState | null): RunState | null {
    const previous = this.active;
    this.active = run;
    if (run === null) this.services.end();
    else this.services.begin(run.services, run.deadline);
    return previous;
  }
}

/** Engines are shared by jobs whose limits the engine itself enforces are the same. */
function sameEngineLimits(a: ExecutionLimits, b: ExecutionLimits): boolean {
  return (
    a.maxOperations === b.maxOperations &&
    a.maxCallLevels === b.maxCallLevels &&
    a.maxStringSize === b.maxStringSize &&
    a.maxArraySize === b.maxArraySize &&
    a.maxMapSize === b.maxMapSize
  );
}

/**
 * A failure within the run's text budget (the output's): a longer message keeps its head and a note;
 * details (a thrown map's other keys) whose JSON is over the budget are left out, and the message
 * says so.
 */
export function capFailure(error: ExecutionFailure, budget: number): ExecutionFailure {
  let message = capText(error.message, budget, 'message');
  let details = error.details;
  if (details !== undefined && Buffer.byteLength(JSON.stringify(details)) > budget) {
    details = undefined;
    message = `${message} (details over ${budget} bytes left out)`;
  }
  if (message === error.message && details === error.details) return error;
  const capped: ExecutionFailure = { ...error, message };
  if (details === undefined) delete capped.details;
  return capped;
}

/** Print/debug output of one run, cut at a byte budget. */
class OutputBuffer {
  private lines: string[] = [];
  private bytes = 0;
  private budget = 0;
  private truncated = false;

  reset(budget: number): void {
    this.lines = [];
    this.bytes = 0;
    this.budget = budget;
    this.truncated = false;
  }

  write(text: string): void {
    if (this.truncated) return;
    const size = Buffer.byteLength(text) + 1;
    if (this.bytes + size > this.budget) {
      this.truncated = true;
      const head = headWithin(text, this.budget - this.bytes);
      if (head !== '') this.lines.push(head);
      this.lines.push(truncationNote('output', this.budget));
      return;
    }
    this.bytes += size;
    this.lines.push(text);
  }

  text(): string {
    return this.lines.join('\n');
  }
}

/** Maps anything a run can throw onto a failure with a catalogue code and a position. */
export function describeFailure(error: unknown): ExecutionFailure {
  if (error instanceof ResponseShapeError) {
    return { code: 'PICLOUD_ERR_SCRIPT_RUNTIME', status: 500, message: `Invalid response: ${error.message}` };
  }
  if (!isRhaiError(error)) {
    const message =
      error instanceof RangeError
        ? 'The result is nested too deeply to send'
        : 'The script failed unexpectedly';
    return { code: 'PICLOUD_ERR_SCRIPT_RUNTIME', status: 500, message };
  }
  // An error inside a script function arrives wrapped (ErrorInFunctionCall, as Rhai reports it):
  // classify by the error that started it, and keep the wrapper's message, which names the call.
  const top = error as RhaiError;
  const rhai = top.rootCause;
  const position = { line: rhai.position?.line ?? null, column: rhai.position?.column ?? null };
  if (rhai.kind === 'ErrorParsing') {
    return {
      code: 'PICLOUD_ERR_SCRIPT_COMPILE',
      status: 500,
      kind: rhai.parseKind ?? rhai.kind,
      message: rhai.message,
      ...position,
    };
  }
  if (rhai.kind === 'ErrorTerminated') {
    return {
      code: 'PICLOUD_ERR_SCRIPT_TIMEOUT',
      status: 504,
      kind: rhai.kind,
      message: 'The script ran out of time',
      ...position,
    };
  }
  if (LIMIT_KINDS.has(rhai.kind)) {
    return {
      code: 'PICLOUD_ERR_SCRIPT_LIMIT',
      status: 500,
      kind: rhai.kind,
      message: rhai.message,
      ...position,
    };
  }
  if (rhai instanceof ScriptServiceError) {
    // Not thrown by the script: an SDK function failed (a service, or an invalid argument). The
    // database being out of reach is not the script's fault: a 503 the client may retry.
    const unavailable = rhai.reason === 'DATABASE_UNAVAILABLE';
    return {
      code: unavailable ? 'PICLOUD_ERR_DB_UNAVAILABLE' : 'PICLOUD_ERR_SCRIPT_RUNTIME',
      status: unavailable ? 503 : 500,
      kind: rhai.kind,
      message: rhai.message,
      ...position,
      details: { reason: rhai.reason },
    };
  }
  if (rhai.kind === 'ErrorRuntime') return thrownFailure(rhai, position);
  return {
    code: 'PICLOUD_ERR_SCRIPT_RUNTIME',
    status: 500,
    kind: rhai.kind,
    message: top.message,
    ...position,
  };
}

/** `throw` — a map may choose the status (400–599) and message; other values become the message. */
function thrownFailure(
  error: RhaiError,
  position: { line: number | null; column: number | null },
): ExecutionFailure {
  const value = error.value;
  if (value instanceof Map) {
    const status = value.get('status');
    const message = value.get('message');
    const details: Record<string, unknown> = {};
    for (const [key, v] of value) if (key !== 'status' && key !== 'message') details[key] = safeJson(v);
    return {
      code: 'PICLOUD_ERR_SCRIPT_THROWN',
      status:
        typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599
          ? status
          : 500,
      kind: error.kind,
      message: typeof message === 'string' ? message : 'The script threw an error',
      ...position,
      ...(Object.keys(details).length > 0 ? { details } : {}),
    };
  }
  const message = typeof value === 'string' ? value : error.message;
  return { code: 'PICLOUD_ERR_SCRIPT_THROWN', status: 500, kind: error.kind, message, ...position };
}

/** A thrown map's value as plain JSON; what nests deeper than a service value may is cut off. */
function safeJson(value: unknown, depth = 1): unknown {
  if ((value instanceof Map || Array.isArray(value)) && depth > MAX_VALUE_DEPTH) return NESTED_TOO_DEEPLY;
  if (value instanceof Map) {
    return Object.fromEntries([...value].map(([k, v]) => [k, safeJson(v, depth + 1)]));
  }
  if (Array.isArray(value)) return value.map((v) => safeJson(v, depth + 1));
  if (typeof value === 'bigint') return value.toString();
  if (
    value === undefined ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  ) {
    return value ?? null;
  }
  return String(value);
}
