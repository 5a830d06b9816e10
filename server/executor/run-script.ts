/**
 * Runs one job on a Rhai engine: compile (cached per script version), build `ctx`, evaluate under the
 * job's limits and deadline, capture print/debug output, turn the result or the error into a report.
 * Pure with respect to its inputs, so it runs the same in a worker thread and in-process in tests.
 */
import {
  type ExecutionFailure,
  type ExecutionJob,
  type ExecutionLimits,
  type ExecutionReport,
  MAX_VALUE_DEPTH,
} from '../contracts/executor.js';
import type { SyncServiceClient } from '../contracts/script-services.js';
import { type AST, Engine, isRhaiError, type Limits, type RhaiError, Scope } from '../rhai/index.js';
import { SDK_VERSION } from '../version.js';
import { ModuleCache } from './module-resolver.js';
import { bodyBytes, ResponseShapeError, toScriptResponse } from './script-response.js';
import { registerSdkModules, ScriptServiceError, ServiceBinding } from './sdk/index.js';
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

/** Keeps compiled scripts (by id and version) and one engine per distinct set of limits. */
export class ScriptRunner {
  private readonly engines = new Map<string, { engine: Engine; output: OutputBuffer }>();
  private readonly compiled = new Map<string, AST>();
  /** The services of the run in progress, shared by every engine's SDK modules. */
  private readonly services = new ServiceBinding();

  /** Compiled modules for `import` (by id and version). */
  private readonly modules: ModuleCache;

  constructor(
    private readonly cacheSize = 256,
    moduleCacheSize = 256,
  ) {
    this.modules = new ModuleCache(moduleCacheSize);
  }

  private engineFor(limits: ExecutionLimits) {
    const key = `${limits.maxOperations}/${limits.maxCallLevels}/${limits.maxStringSize}/${limits.maxArraySize}/${limits.maxMapSize}`;
    let entry = this.engines.get(key);
    if (!entry) {
      const output = new OutputBuffer();
      const engine = new Engine({
        limits: engineLimits(limits),
        onPrint: (text) => output.write(text),
        onDebug: (text) => output.write(text),
      });
      registerSdkModules(engine, this.services);
      entry = { engine, output };
      this.engines.set(key, entry);
    }
    return entry;
  }

  private compile(engine: Engine, job: ExecutionJob): AST {
    const key = `${job.script.id}@${job.script.version}`;
    let ast = this.compiled.get(key);
    if (ast) {
      // Refresh its place in the LRU order.
      this.compiled.delete(key);
    } else {
      ast = engine.compile(job.script.source, { sourceName: job.script.name });
      if (this.compiled.size >= this.cacheSize)
        this.compiled.delete(this.compiled.keys().next().value as string);
    }
    this.compiled.set(key, ast);
    return ast;
  }

  /**
   * Runs the job. Never throws. `services` answers the script's `kv::`, `http::`… calls (without it
   * they fail with `SERVICE_UNAVAILABLE`).
   */
  run(job: ExecutionJob, services?: SyncServiceClient): ExecutionReport {
    const started = performance.now();
    const deadline = Date.now() + job.limits.timeoutMs;
    const { engine, output } = this.engineFor(job.limits);
    // Always replaced: a job sees only its own modules, never those of the previous job.
    engine.setModuleResolver(this.modules.resolverFor(engine, job.modules));
    output.reset(job.limits.maxOutputBytes);
    const stats = { operations: 0 };
    const finish = (result: ExecutionReport['result']): ExecutionReport => ({
      // A thrown message is as big as the script makes it (4 Mi characters): it is capped like output.
      result: result.ok ? result : { ok: false, error: capFailure(result.error, job.limits.maxOutputBytes) },
      operations: stats.operations,
      output: output.text(),
      durationMs: performance.now() - started,
    });
    this.services.begin(services ?? null, deadline);
    try {
      const ast = this.compile(engine, job);
      const scope = new Scope();
      scope.pushConstant('ctx', {
        ...job.request,
        trigger: job.request.trigger ?? { kind: 'http' },
        raw_body: job.request.raw_body ?? null,
        sdk_version: SDK_VERSION,
      });
      const value = engine.evalRaw(ast, scope, { deadline, stats } as never);
      const response = toScriptResponse(value);
      if (bodyBytes(response) > job.limits.maxResponseBytes) {
        return finish({
          ok: false,
          error: {
            code: 'PICLOUD_ERR_SCRIPT_RESPONSE_TOO_LARGE',
            status: 500,
            message: `The response body is ${bodyBytes(response)} bytes, over the limit of ${job.limits.maxResponseBytes}`,
          },
        });
      }
      return finish({ ok: true, response });
    } catch (error) {
      return finish({ ok: false, error: describeFailure(error) });
    } finally {
      this.services.end();
    }
  }
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
    // Not thrown by the script: an SDK function failed (a service, or an invalid argument).
    return {
      code: 'PICLOUD_ERR_SCRIPT_RUNTIME',
      status: 500,
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
