/**
 * `import "name" as m;` in the executor. The orchestrator puts in each job the modules its script
 * needs (the transitive closure of its imports, by name, each with its id, version and source); this
 * resolver hands the engine the compiled module for a name, from an LRU cache keyed by `id@version`.
 * A module saved again has a new version, so the next job that needs it compiles the new source, and
 * the old entry simply ages out. Names a job does not list fall through to the engine's host modules
 * (`kv`, `http`…), then fail as "Module not found": a script reaches only its own app's modules.
 */
import type { ModuleSource } from '../contracts/executor.js';

/** A module version as a job lists it; without source when the worker is expected to have compiled it. */
export interface ModuleRef {
  id: string;
  version: number;
  source?: string;
}

import { AST, type Engine, isRhaiError, type ModuleResolver, RhaiError } from '../rhai/index.js';

/** Compiled modules (or their compile errors) by `id@version`, least recently used evicted first. */
export class ModuleCache {
  private readonly entries = new Map<string, AST | RhaiError>();
  /** Lookups answered from the cache, compilations, and entries evicted (for tests and tuning). */
  readonly stats = { hits: 0, misses: 0, evictions: 0 };

  /** `size`: the most modules kept (the `moduleCacheSize` setting). */
  constructor(readonly size = 256) {}

  /** Modules cached now. */
  get count(): number {
    return this.entries.size;
  }

  /** Whether the module version `key` (`id@version`) is cached. */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /**
   * Every module of one job, compiled (or its compile error), by the name `import` uses: pinned for
   * the whole run, so runs interleaved in the same worker cannot evict a module another still needs.
   * Cached modules are taken first, so compiling the others cannot evict one this job lists. A module
   * that comes without source must be cached (the worker asks for the sources it lacks first).
   */
  pin(engine: Engine, modules: Record<string, ModuleRef> | undefined): Map<string, AST | RhaiError> {
    const pinned = new Map<string, AST | RhaiError>();
    if (modules === undefined) return pinned;
    const uncached: [string, ModuleRef][] = [];
    for (const [name, module] of Object.entries(modules)) {
      const entry = this.entries.get(`${module.id}@${module.version}`);
      if (entry === undefined) uncached.push([name, module]);
      else {
        this.stats.hits += 1;
        this.touch(`${module.id}@${module.version}`, entry);
        pinned.set(name, entry);
      }
    }
    for (const [name, module] of uncached) {
      if (module.source === undefined) {
        pinned.set(name, new RhaiError('ErrorInModule', 'The module is not available to this worker'));
        continue;
      }
      this.stats.misses += 1;
      const entry = compile(engine, name, module.source);
      this.store(`${module.id}@${module.version}`, entry);
      pinned.set(name, entry);
    }
    return pinned;
  }

  private touch(key: string, entry: AST | RhaiError): void {
    this.entries.delete(key); // re-inserted last: the map's order is least recently used first
    this.entries.set(key, entry);
  }

  private store(key: string, entry: AST | RhaiError): void {
    if (this.entries.size >= this.size) {
      this.entries.delete(this.entries.keys().next().value as string);
      this.stats.evictions += 1;
    }
    this.entries.set(key, entry);
  }

  /**
   * The compiled module; compiles it on a miss. A module that does not compile throws a runtime error
   * (the engine adds "in module 'name'" and the position of the `import`); the failure is cached too.
   */
  compiled(engine: Engine, name: string, module: ModuleSource): AST {
    const key = `${module.id}@${module.version}`;
    let entry = this.entries.get(key);
    if (entry !== undefined) {
      this.stats.hits += 1;
      this.entries.delete(key); // re-inserted last: the map's order is least recently used first
    } else {
      this.stats.misses += 1;
      entry = compile(engine, name, module.source);
      if (this.entries.size >= this.size) {
        this.entries.delete(this.entries.keys().next().value as string);
        this.stats.evictions += 1;
      }
    }
    this.entries.set(key, entry);
    if (entry instanceof AST) return entry;
    throw new RhaiError('ErrorInModule', entry.message);
  }

  /** The resolver of one job: its modules by name (none when the script imports nothing). */
  resolverFor(engine: Engine, modules: Record<string, ModuleSource> | undefined): ModuleResolver {
    return {
      resolve: (path) =>
        modules !== undefined && Object.hasOwn(modules, path)
          ? this.compiled(engine, path, modules[path])
          : null,
    };
  }
}

function compile(engine: Engine, name: string, source: string): AST | RhaiError {
  try {
    return engine.compile(source, { sourceName: name });
  } catch (error) {
    if (!isRhaiError(error)) throw error;
    const where = error.position ? ` (line ${error.position.line}, column ${error.position.column})` : '';
    return new RhaiError('ErrorInModule', `The module does not compile: ${error.message}${where}`);
  }
}
