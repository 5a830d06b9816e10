/**
 * Which parts of a script may suspend. A call to a function of a host module registered as
 * suspending (`kv::get`, `http::get`…) may wait for the host, and so may a call into an imported
 * script module (its function may make one); so may a script function that makes such a call, or
 * calls a script function that may, directly by name. Those functions and the top level compile to
 * generators that yield at such calls (delegating to a module function's generator); everything
 * else stays plain synchronous code.
 *
 * Closures never suspend (they run inside natives like `map`, which cannot wait): a call inside
 * one waits in place, and so does a call reached through a function pointer (see suspension.ts).
 */
import type { Expr, Script, Stmt } from '../parser/ast.js';
import { forEachChild, forEachStmtChild } from './analysis.js';

/** The parts of a script that compile to generators. */
export interface SuspendingParts {
  /** The top level. */
  readonly main: boolean;
  /** Script functions, as `name/arity`. */
  readonly fns: ReadonlySet<string>;
}

/** What one body does that matters here. */
interface BodyCalls {
  /** It calls a suspending host module function itself. */
  direct: boolean;
  /** Script functions it calls by name (`name/arity`). */
  calls: Set<string>;
}

/**
 * True when a call into module `root` (`root::f(...)`) may suspend: a host module not known to be
 * quiet (one registered as suspending), or a script module imported under that name, whose
 * functions may make such calls themselves.
 */
export function mayReachSuspension(root: string, quiet: ReadonlySet<string> | undefined): boolean {
  return quiet !== undefined && root !== 'global' && !quiet.has(root);
}

/** The parts of `script` that may suspend at calls into modules other than the `quiet` ones. */
export function suspendingParts(script: Script, quiet: ReadonlySet<string>): SuspendingParts {
  const bodies = new Map<string, BodyCalls>();
  for (const f of script.functions) bodies.set(`${f.name}/${f.params.length}`, scan(f.body.body, quiet));
  // Fixed point: a function suspends when it calls one that does.
  const fns = new Set<string>();
  for (const [key, body] of bodies) if (body.direct) fns.add(key);
  for (let changed = true; changed; ) {
    changed = false;
    for (const [key, body] of bodies) {
      if (fns.has(key)) continue;
      for (const callee of body.calls) {
        if (fns.has(callee)) {
          fns.add(key);
          changed = true;
          break;
        }
      }
    }
  }
  const top = scan(script.body, quiet);
  const main = top.direct || [...top.calls].some((c) => fns.has(c));
  return { main, fns };
}

/** The calls `body` makes outside closures. */
function scan(body: readonly Stmt[], quiet: ReadonlySet<string>): BodyCalls {
  const found: BodyCalls = { direct: false, calls: new Set() };
  const expr = (e: Expr): void => {
    if (e.type === 'Closure') return;
    if (e.type === 'Call') {
      const ns = e.namespace;
      if (ns === undefined || (ns.length === 1 && ns[0] === 'global')) {
        found.calls.add(`${e.name}/${e.args.length}`);
      } else if (mayReachSuspension(ns[0], quiet)) {
        found.direct = true;
      }
    } else if (e.type === 'MethodCall') {
      found.calls.add(`${e.name}/${e.args.length}`);
    }
    forEachChild(e, expr, stmt);
  };
  const stmt = (s: Stmt): void => forEachStmtChild(s, expr, stmt);
  body.forEach(stmt);
  return found;
}
