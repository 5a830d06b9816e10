/**
 * `import` in the executor, in-process: the compiled-module cache (hits, misses, LRU eviction, a new
 * version picked up on the next run), modules importing modules, a job seeing only its own modules,
 * and clear errors naming a module that fails at import time.
 */
import { describe, expect, it } from 'vitest';
import type { ExecutionJob, ModuleSource } from '../../server/contracts/executor.js';
import { ModuleCache } from '../../server/executor/module-resolver.js';
import { ScriptRunner } from '../../server/executor/run-script.js';
import { Engine } from '../../server/rhai/index.js';

const LIMITS: ExecutionJob['limits'] = {
  maxOperations: 100_000,
  timeoutMs: 1_000,
  maxResponseBytes: 10_000,
  maxOutputBytes: 1_000,
  maxCallLevels: 32,
  maxStringSize: 10_000,
  maxArraySize: 10_000,
  maxMapSize: 1_000,
};

function job(source: string, modules?: Record<string, ModuleSource>): ExecutionJob {
  return {
    script: { id: 'endpoint', version: 1, name: 'endpoint', source },
    ...(modules ? { modules } : {}),
    request: {
      method: 'GET',
      path: '/',
      params: {},
      query: {},
      headers: {},
      body: null,
      app: { id: 'app', slug: 'app' },
      request_id: 'r',
    },
    limits: LIMITS,
  };
}

/** The response body of a successful run, or the failure. */
function answer(runner: ScriptRunner, j: ExecutionJob) {
  const { result } = runner.run(j);
  return result.ok ? result.response.body : result.error;
}

const m = (id: string, version: number, source: string): ModuleSource => ({ id, version, source });

describe('ModuleCache', () => {
  const engine = new Engine();

  it('compiles a module once per id@version: a miss, then hits', () => {
    const cache = new ModuleCache(4);
    const util = m('u', 1, 'fn f() { 1 }');
    const first = cache.compiled(engine, 'util', util);
    expect(cache.compiled(engine, 'util', util)).toBe(first);
    expect(cache.compiled(engine, 'util', { ...util })).toBe(first);
    expect(cache.stats).toEqual({ hits: 2, misses: 1, evictions: 0 });
  });

  it('a new version is a miss with the new source', () => {
    const cache = new ModuleCache(4);
    const v1 = cache.compiled(engine, 'util', m('u', 1, 'fn f() { 1 }'));
    const v2 = cache.compiled(engine, 'util', m('u', 2, 'fn f() { 2 }'));
    expect(v2).not.toBe(v1);
    expect(v2.source).toBe('fn f() { 2 }');
    expect(cache.stats.misses).toBe(2);
  });

  it('evicts the least recently used module when full', () => {
    const cache = new ModuleCache(2);
    const [a, b, c] = ['a', 'b', 'c'].map((id) => m(id, 1, `fn ${id}() { 1 }`));
    const compiledA = cache.compiled(engine, 'a', a);
    cache.compiled(engine, 'b', b);
    cache.compiled(engine, 'a', a); // a is now the most recently used
    cache.compiled(engine, 'c', c); // evicts b
    expect(cache.count).toBe(2);
    expect(cache.stats).toEqual({ hits: 1, misses: 3, evictions: 1 });
    expect(cache.compiled(engine, 'a', a)).toBe(compiledA);
    cache.compiled(engine, 'b', b);
    expect(cache.stats).toEqual({ hits: 2, misses: 4, evictions: 2 });
  });

  it('names only the modules of the job; anything else is not found', () => {
    const cache = new ModuleCache(2);
    const resolver = cache.resolverFor(engine, { util: m('u', 1, 'fn f() { 1 }') });
    expect(resolver.resolve('util')).not.toBeNull();
    expect(resolver.resolve('other')).toBeNull();
    expect(resolver.resolve('toString')).toBeNull();
    expect(resolver.resolve('__proto__')).toBeNull();
    expect(cache.resolverFor(engine, undefined).resolve('util')).toBeNull();
  });

  it('remembers a module that does not compile, and says so', () => {
    const cache = new ModuleCache(2);
    const broken = m('b', 1, 'fn f( {');
    for (let i = 0; i < 2; i++) {
      expect(() => cache.compiled(engine, 'broken', broken)).toThrow(
        /The module does not compile: .+ \(line 1, column 7\)/,
      );
    }
    expect(cache.stats).toEqual({ hits: 1, misses: 1, evictions: 0 });
  });
});

describe('imports in a run', () => {
  const inner = (version: number, value: number) =>
    m('inner', version, `export const VALUE = ${value};\nfn value() { ${value} }`);
  const outer = m('outer', 1, 'import "inner" as inner;\nfn twice() { inner::value() * 2 }');
  const source =
    'import "outer" as outer;\nimport "inner" as i;\n#{ twice: outer::twice(), value: i::VALUE }';

  it('an endpoint imports a module that imports another', () => {
    const runner = new ScriptRunner();
    expect(answer(runner, job(source, { outer, inner: inner(1, 21) }))).toBe('{"twice":42,"value":21}');
  });

  it('a new version of the inner module changes the answer on the next run', () => {
    const runner = new ScriptRunner();
    expect(answer(runner, job(source, { outer, inner: inner(1, 21) }))).toBe('{"twice":42,"value":21}');
    expect(answer(runner, job(source, { outer, inner: inner(2, 5) }))).toBe('{"twice":10,"value":5}');
  });

  it("a job does not see the previous job's modules", () => {
    const runner = new ScriptRunner();
    expect(answer(runner, job(source, { outer, inner: inner(1, 21) }))).toBe('{"twice":42,"value":21}');
    expect(answer(runner, job(source))).toMatchObject({
      code: 'PICLOUD_ERR_SCRIPT_RUNTIME',
      message: 'Module not found: outer',
      line: 1,
      column: 1,
    });
  });

  it('a module that does not compile fails the run, naming the module and the import', () => {
    const runner = new ScriptRunner();
    const failure = answer(runner, job('let x = 1;\nimport "util" as u;\nx', { util: m('u', 1, 'fn f( {') }));
    expect(failure).toMatchObject({
      code: 'PICLOUD_ERR_SCRIPT_RUNTIME',
      kind: 'ErrorInModule',
      message: expect.stringMatching(
        /^The module does not compile: .+ \(line 1, column 7\) \(in module 'util'\)$/,
      ),
      line: 2,
      column: 1,
    });
  });

  it('a module whose constants fail at import time fails the run, naming the module', () => {
    const runner = new ScriptRunner();
    const failure = answer(runner, job('import "util" as u;\n1', { util: m('u', 1, 'const X = 1 / 0;') }));
    expect(failure).toMatchObject({
      code: 'PICLOUD_ERR_SCRIPT_RUNTIME',
      kind: 'ErrorInModule',
      message: expect.stringContaining("(in module 'util')"),
    });
  });

  it('the cache size is the second constructor argument', () => {
    const runner = new ScriptRunner(256, 1);
    expect(answer(runner, job(source, { outer, inner: inner(1, 21) }))).toBe('{"twice":42,"value":21}');
    expect(answer(runner, job(source, { outer, inner: inner(1, 21) }))).toBe('{"twice":42,"value":21}');
    const cache = (runner as unknown as { modules: ModuleCache }).modules;
    expect(cache.size).toBe(1);
    expect(cache.count).toBe(1);
  });
});
