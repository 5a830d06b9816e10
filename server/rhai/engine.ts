/**
 * The Engine: compiles Rhai scripts (lexer -> parser -> code generator -> `new Function`) and runs
 * them in a sandbox with limits. Hosts register native functions and modules here.
 */
import { checkScript } from './compiler/check.js';
import { generate } from './compiler/codegen.js';
import { fromJs, toJs } from './convert.js';
import { type Position, RhaiError } from './errors.js';
import type { Script } from './parser/ast.js';
import { parseScript } from './parser/parser.js';
import { coreFunctions } from './runtime/core-functions.js';
import { type Limits, resolveLimits } from './runtime/limits.js';
import { type HostModule, moduleFromHost, type RModule } from './runtime/modules.js';
import type { NativeFn, NativeFnDef, ParamType } from './runtime/native.js';
import { FunctionRegistry } from './runtime/registry.js';
import {
  type CompiledUnit,
  type Factory,
  type Instance,
  PLAIN_VALUE_WORK,
  Runtime,
  type RuntimeHost,
  toRhaiError,
  UNBOUND,
} from './runtime/runtime.js';
import type { Scope } from './runtime/scope.js';
import { HostScopeView } from './runtime/scope-view.js';
import type { Value } from './runtime/value.js';
import { registerStandardLibrary, STANDARD_VALUE_WORK } from './stdlib/index.js';
import type { RunStep, SuspendableRun } from './suspension.js';

export type { HostModule } from './runtime/modules.js';

/** Resolves `import "path" as m;` to script source, a compiled AST, or a host module (null: not found). */
export interface ModuleResolver {
  resolve(path: string, importer?: string): string | AST | HostModule | null | undefined;
}

/** Engine configuration. */
export interface EngineOptions {
  /** Sandbox limits (missing fields take the defaults; 0 = unlimited). */
  limits?: Partial<Limits>;
  /** Receives `print` output (default: ignored). */
  onPrint?: (s: string) => void;
  /** Receives `debug` output (default: ignored). */
  onDebug?: (s: string, pos: Position) => void;
  /** Called every few thousand operations with the count so far; return `true` to cancel the run. */
  onProgress?: (operations: number) => boolean | undefined;
  /** Epoch milliseconds after which a run is terminated (ErrorTerminated). */
  deadline?: number;
  /** Refuse `eval(...)` in scripts. */
  disableEval?: boolean;
  /** Names a script does not declare are compile errors (unless in the scope given to `compile`/`eval`). */
  strictVariables?: boolean;
  /** Do not install the standard library. */
  noStdlib?: boolean;
}

/** Per-run overrides of the cancellation options. */
export interface RunOptions {
  /** Epoch milliseconds after which this run is terminated. */
  deadline?: number;
  /** Progress callback for this run; return `true` to cancel. */
  onProgress?: (operations: number) => boolean | undefined;
  /** Filled in when the run ends, successfully or not: the operations it used. */
  stats?: { operations: number };
  /**
   * Waits in place for the answer to a host function's request (see `Suspension`), where the run
   * cannot suspend. Without it such a request fails the run.
   */
  block?: (request: unknown) => unknown;
}

/** Options for `compile`. */
export interface CompileOptions {
  /** Name used in error messages. */
  sourceName?: string;
  /** Variables that will be provided at run time (for strict-variables mode). */
  scope?: Scope;
}

/** A compiled script: reusable and cacheable across runs of the engine that compiled it. */
export class AST {
  /** The script text. */
  readonly source: string;
  /** Name used in error messages. */
  readonly sourceName: string | undefined;
  /** @internal the parsed script */
  readonly script: Script;
  /** @internal compiled code, per engine configuration */
  readonly units = new Map<string, CompiledUnit>();

  constructor(source: string, script: Script, sourceName?: string) {
    this.source = source;
    this.script = script;
    this.sourceName = sourceName;
  }

  /** Names and arities of the script-defined functions (private ones included). */
  functions(): { name: string; params: readonly string[]; isPrivate: boolean }[] {
    return this.script.functions.map((f) => ({ name: f.name, params: f.params, isPrivate: f.isPrivate }));
  }
}

/** Maximum number of scripts/eval chunks whose compiled code is cached by source text. */
const SOURCE_CACHE_SIZE = 256;

/** A Rhai script engine. */
export class Engine {
  private readonly limits: Limits;
  private readonly registry = new FunctionRegistry();
  private readonly modules = new Map<string, RModule>();
  /** Host modules whose functions never return a `Suspension`. */
  private readonly quietModules = new Set<string>();
  private resolver: ModuleResolver | undefined;
  private printHook: ((s: string) => void) | undefined;
  private debugHook: ((s: string, pos: Position) => void) | undefined;
  private readonly options: EngineOptions;
  private readonly configKey: string;
  private readonly sourceCache = new Map<string, AST>();
  private readonly evalCache = new Map<string, CompiledUnit>();
  private readonly host: RuntimeHost;

  constructor(options: EngineOptions = {}) {
    this.options = options;
    this.limits = resolveLimits(options.limits);
    this.printHook = options.onPrint;
    this.debugHook = options.onDebug;
    this.configKey = JSON.stringify([this.limits, !!options.strictVariables]);
    const engine = this;
    for (const def of coreFunctions({
      print: (s) => engine.printHook?.(s),
      debug: (s, ctx) => engine.debugHook?.(s, ctx.position),
    })) {
      this.registry.register(def);
    }
    if (!options.noStdlib) {
      registerStandardLibrary(this.registry);
      this.registry.sealStandard();
    }
    this.host = {
      registry: this.registry,
      values: options.noStdlib ? PLAIN_VALUE_WORK : STANDARD_VALUE_WORK,
      limits: this.limits,
      modules: this.modules,
      disableEval: !!options.disableEval,
      get onPrint() {
        return engine.printHook;
      },
      get onDebug() {
        return engine.debugHook;
      },
      compileEval: (source) => this.compileEval(source),
      resolveModule: (path) => this.resolveModule(path),
    };
  }

  /** The limits in force. */
  getLimits(): Readonly<Limits> {
    return this.limits;
  }

  // ---- compilation ----------------------------------------------------------------------------

  /** Parse and compile a script; throws RhaiError (ErrorParsing). */
  compile(source: string, options: CompileOptions = {}): AST {
    try {
      const script = parseScript(source, {
        maxExprDepth: this.limits.maxExprDepth,
        maxFunctionExprDepth: this.limits.maxFunctionExprDepth,
        maxFunctions: this.limits.maxFunctions,
        maxStringSize: this.limits.maxStringSize,
        maxArraySize: this.limits.maxArraySize,
        maxMapSize: this.limits.maxMapSize,
      });
      const ast = new AST(source, script, options.sourceName);
      // Validate now; JavaScript is generated on the first run (see docs/rhai-engine.md).
      const strict = !!this.options.strictVariables;
      checkScript(script, {
        strictVariables: strict,
        knownVariables: strict && options.scope ? new Set(options.scope.names()) : undefined,
        knownModules: strict ? new Set(this.modules.keys()) : undefined,
      });
      return ast;
    } catch (e) {
      throw this.finish(e, options.sourceName);
    }
  }

  private unitFor(ast: AST, scope?: Scope): CompiledUnit {
    const strict = !!this.options.strictVariables;
    const known = strict && scope ? new Set(scope.names()) : undefined;
    const key = known ? `${this.configKey}|${[...known].sort().join(',')}` : this.configKey;
    let unit = ast.units.get(key);
    if (unit === undefined) {
      unit = this.build(ast.script, 'script', ast.sourceName, known);
      ast.units.set(key, unit);
    }
    return unit;
  }

  private build(
    script: Script,
    mode: 'script' | 'eval',
    sourceName: string | undefined,
    known?: ReadonlySet<string>,
  ): CompiledUnit {
    let code: ReturnType<typeof generate>;
    try {
      code = generate(script, {
        limits: this.limits,
        mode,
        strictVariables: !!this.options.strictVariables,
        knownVariables: known,
        quietModules: this.quietModules,
      });
    } catch (e) {
      if (e instanceof RangeError)
        throw RhaiError.parse('ExprTooDeep', 'Expression exceeds maximum complexity');
      throw e;
    }
    let factory: Factory;
    try {
      // The source contains only compiler-made identifiers and templates; script text is in K.
      factory = new Function('K', 'P', 'S', 'FP', 'GP', 'H', code.source) as Factory;
    } catch (e) {
      if (e instanceof RangeError)
        throw RhaiError.parse('ExprTooDeep', 'Expression exceeds maximum complexity');
      throw new RhaiError('ErrorParsing', `Internal compiler error: ${(e as Error).message}`);
    }
    return {
      factory,
      consts: code.consts,
      positions: code.positions,
      sites: code.sites,
      sourceName,
      suspends: code.suspends,
    };
  }

  private compileEval(source: string): CompiledUnit {
    let unit = this.evalCache.get(source);
    if (unit === undefined) {
      const script = parseScript(source, {
        maxExprDepth: this.limits.maxExprDepth,
        maxFunctionExprDepth: this.limits.maxFunctionExprDepth,
        maxStringSize: this.limits.maxStringSize,
        maxArraySize: this.limits.maxArraySize,
        maxMapSize: this.limits.maxMapSize,
        isEval: true,
      });
      unit = this.build(script, 'eval', undefined);
      remember(this.evalCache, source, unit);
    }
    return unit;
  }

  private resolveModule(path: string): CompiledUnit | RModule | null {
    const found = this.resolver?.resolve(path);
    if (found === null || found === undefined) return this.modules.get(path) ?? null;
    if (typeof found === 'string') {
      const ast = this.compile(found, { sourceName: path });
      return this.unitFor(ast);
    }
    if (found instanceof AST) return this.unitFor(found);
    return moduleFromHost(path, found);
  }

  // ---- running --------------------------------------------------------------------------------

  private astOf(sourceOrAst: string | AST, scope?: Scope): AST {
    if (typeof sourceOrAst !== 'string') return sourceOrAst;
    if (this.options.strictVariables && scope) return this.compile(sourceOrAst, { scope });
    const hit = this.sourceCache.get(sourceOrAst);
    if (hit !== undefined) return hit;
    const ast = this.compile(sourceOrAst);
    remember(this.sourceCache, sourceOrAst, ast);
    return ast;
  }

  private runtime(scope: Scope | undefined, run: RunOptions | undefined): Runtime {
    return new Runtime(this.host, {
      onProgress: run?.onProgress ?? this.options.onProgress,
      deadline: run?.deadline ?? this.options.deadline,
      view: scope ? new HostScopeView(scope) : null,
      block: run?.block,
    });
  }

  /** The value of a unit's top level run on `rt`, its service calls waited on in place. */
  private runToEnd(rt: Runtime, unit: CompiledUnit): { value: Value; instance: Instance } {
    const { value, instance } = rt.run(unit);
    if (!unit.suspends) return { value, instance };
    return { value: rt.drive(value as unknown as Generator<unknown, Value, unknown>), instance };
  }

  /** Run a script and return its result as a JS value (see docs/rhai-engine.md for the conversion). */
  eval(sourceOrAst: string | AST, scope?: Scope, run?: RunOptions): unknown {
    return toJs(this.evalRaw(sourceOrAst, scope, run));
  }

  /**
   * Starts a run that may suspend where a host function returns a `Suspension`: each `next(answer)`
   * runs until the script ends or waits on a request. Limits and the deadline apply across the whole
   * run, suspended time included.
   */
  start(ast: AST, scope?: Scope, run?: RunOptions): SuspendableRun {
    let rt: Runtime | undefined;
    let gen: Generator<unknown, Value, unknown> | null = null;
    let over = false;
    /** The run ended (or was abandoned): its instances go back, its operations are reported. */
    const end = () => {
      over = true;
      if (run?.stats && rt) run.stats.operations = rt.ops;
      rt?.release();
    };
    /** One stretch: from the start, or from an answer; ends with a value or a request. */
    const stretch = (first: boolean, answer: unknown): RunStep => {
      try {
        let step: IteratorResult<unknown, Value>;
        if (first) {
          const unit = this.unitFor(ast, scope);
          rt = this.runtime(scope, run);
          const { value } = rt.run(unit);
          if (!unit.suspends) {
            end();
            return { done: true, value };
          }
          gen = value as unknown as Generator<unknown, Value, unknown>;
          step = gen.next();
        } else {
          step = (gen as Generator<unknown, Value, unknown>).next(answer);
        }
        if (step.done) {
          end();
          return { done: true, value: step.value };
        }
        return { done: false, request: step.value };
      } catch (e) {
        end();
        throw this.finish(e, ast.sourceName);
      }
    };
    let started = false;
    return {
      next: (answer?: unknown): RunStep => {
        if (over) throw new RhaiError('ErrorRuntime', 'The run is over');
        const first = !started;
        started = true;
        return stretch(first, answer);
      },
      cancel: () => {
        if (!over) end();
      },
    };
  }

  /** Run a script and return its result as a Rhai value. */
  evalRaw(sourceOrAst: string | AST, scope?: Scope, run?: RunOptions): Value {
    const ast = this.astOf(sourceOrAst, scope);
    let rt: Runtime | undefined;
    try {
      const unit = this.unitFor(ast, scope);
      rt = this.runtime(scope, run);
      return this.runToEnd(rt, unit).value;
    } catch (e) {
      throw this.finish(e, ast.sourceName);
    } finally {
      if (run?.stats && rt) run.stats.operations = rt.ops;
      rt?.release();
    }
  }

  /**
   * Call a script-defined function of a compiled AST (the script's top level runs first, so its
   * constants and imports are available). Arguments and result are converted from/to JS.
   */
  callFn(ast: AST, name: string, args: unknown[], scope?: Scope, run?: RunOptions): unknown {
    return toJs(
      this.callFnRaw(
        ast,
        name,
        args.map((a) => fromJs(a)),
        scope,
        run,
      ),
    );
  }

  /** `callFn` with Rhai values. */
  callFnRaw(ast: AST, name: string, args: Value[], scope?: Scope, run?: RunOptions): Value {
    let rt: Runtime | undefined;
    try {
      const unit = this.unitFor(ast, scope);
      rt = this.runtime(scope, run);
      const { instance } = this.runToEnd(rt, unit);
      const fn = instance.F.get(`${name}/${args.length}`);
      if (fn === undefined) {
        throw new RhaiError(
          'ErrorFunctionNotFound',
          `Function not found: ${name} (${args.length} arguments)`,
        );
      }
      return fn.fn(1, UNBOUND, ...args);
    } catch (e) {
      throw this.finish(e, ast.sourceName);
    } finally {
      if (run?.stats && rt) run.stats.operations = rt.ops;
      rt?.release();
    }
  }

  /** Attach the source name; make sure only RhaiErrors leave the engine. */
  private finish(e: unknown, sourceName: string | undefined): RhaiError {
    const err = toRhaiError(e);
    if (sourceName !== undefined && err.sourceName === undefined) err.sourceName = sourceName;
    return err;
  }

  // ---- host registration ----------------------------------------------------------------------

  /** Register a host function (later registrations with the same signature replace earlier ones). */
  registerFn(name: string, params: ParamType[], fn: NativeFn, options: { mutates?: boolean } = {}): this {
    this.registry.register({ name, params, fn, mutates: options.mutates });
    return this;
  }

  /** Register a full native function definition. */
  registerNative(def: NativeFnDef): this {
    this.registry.register(def);
    return this;
  }

  /** Register a static host module: `name::fn(...)`, `name::CONST`. */
  registerModule(name: string, module: HostModule): this {
    this.modules.set(name, moduleFromHost(name, module));
    if (module.suspends) this.quietModules.delete(name);
    else this.quietModules.add(name);
    return this;
  }

  /** Set the resolver for `import`. */
  setModuleResolver(resolver: ModuleResolver): this {
    this.resolver = resolver;
    return this;
  }

  /** Receive `print` output. */
  onPrint(fn: (s: string) => void): this {
    this.printHook = fn;
    return this;
  }

  /** Receive `debug` output. */
  onDebug(fn: (s: string, pos: Position) => void): this {
    this.debugHook = fn;
    return this;
  }
}

/** Insert into a bounded cache (oldest entry evicted first). */
function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= SOURCE_CACHE_SIZE) {
    const first = cache.keys().next();
    if (!first.done) cache.delete(first.value);
  }
  cache.set(key, value);
}
