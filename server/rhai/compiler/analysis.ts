/**
 * Static properties of expressions used by the code generator to pick cheaper code shapes.
 */
import { type Block, type Expr, type Stmt, unreachable } from '../parser/ast.js';

/**
 * True when evaluating `e` cannot change any script variable, so an earlier operand that is a
 * plain variable may be read after it without changing the result.
 */
export function isPure(e: Expr): boolean {
  switch (e.type) {
    case 'IntLit':
    case 'FloatLit':
    case 'StringLit':
    case 'CharLit':
    case 'BoolLit':
    case 'UnitLit':
    case 'Variable':
    case 'This':
    case 'Closure':
      return true;
    case 'Unary':
      return isPure(e.operand);
    case 'Binary':
    case 'Logical':
      return isPure(e.left) && isPure(e.right);
    case 'Index':
      return isPure(e.target) && isPure(e.index);
    case 'Property':
      return isPure(e.target);
    case 'ArrayLit':
      return e.items.every(isPure);
    case 'MapLit':
      return e.entries.every((x) => isPure(x.value));
    case 'InterpString':
    case 'Call':
    case 'MethodCall':
    case 'Block':
    case 'If':
    case 'Switch':
    case 'While':
    case 'Loop':
    case 'DoLoop':
    case 'For':
    case 'Assign':
      return false;
    default:
      return unreachable(e);
  }
}

/** True when `e` always evaluates to a `bool` (no runtime check needed in conditions). */
export function isBoolExpr(e: Expr): boolean {
  switch (e.type) {
    case 'BoolLit':
      return true;
    case 'Unary':
      return e.op === '!';
    case 'Binary':
      return (
        e.op === '==' ||
        e.op === '!=' ||
        e.op === '<' ||
        e.op === '<=' ||
        e.op === '>' ||
        e.op === '>=' ||
        e.op === 'in' ||
        e.op === '!in'
      );
    case 'Logical':
      return e.op !== '??';
    default:
      return false;
  }
}

/**
 * True when the value of `e` may be shared with a variable or container (so it must be copied
 * before being stored elsewhere, to keep Rhai's value semantics).
 */
export function mayAlias(e: Expr): boolean {
  switch (e.type) {
    case 'Variable':
    case 'This':
    case 'Index':
    case 'Property':
      return true;
    case 'Block':
      return blockMayAlias(e.body);
    case 'If':
      return blockMayAlias(e.then.body) || (e.otherwise !== undefined && mayAlias(e.otherwise));
    case 'Switch':
      return (
        e.cases.some((c) => mayAlias(c.body)) || (e.defaultCase !== undefined && mayAlias(e.defaultCase))
      );
    case 'Logical':
      return e.op === '??' && (mayAlias(e.left) || mayAlias(e.right));
    case 'While':
    case 'Loop':
    case 'DoLoop':
    case 'For':
      // `break value` may hand out a variable's value.
      return true;
    default:
      return false;
  }
}

function blockMayAlias(body: readonly Stmt[]): boolean {
  const last = body[body.length - 1];
  return last !== undefined && last.type === 'ExprStmt' && mayAlias(last.expr);
}

/** Number of statements directly in a block (used as its operation cost per execution). */
export function stmtCount(body: readonly Stmt[]): number {
  return body.length;
}

/** Call `f` on every direct child expression of `e` (statements of blocks included). */
export function forEachChild(e: Expr, f: (child: Expr) => void, s: (stmt: Stmt) => void): void {
  switch (e.type) {
    case 'IntLit':
    case 'FloatLit':
    case 'StringLit':
    case 'CharLit':
    case 'BoolLit':
    case 'UnitLit':
    case 'Variable':
    case 'This':
      return;
    case 'InterpString':
      for (const p of e.parts) if (typeof p !== 'string') f(p);
      return;
    case 'ArrayLit':
      e.items.forEach(f);
      return;
    case 'MapLit':
      for (const x of e.entries) f(x.value);
      return;
    case 'Unary':
      f(e.operand);
      return;
    case 'Binary':
    case 'Logical':
      f(e.left);
      f(e.right);
      return;
    case 'Index':
      f(e.target);
      f(e.index);
      return;
    case 'Property':
      f(e.target);
      return;
    case 'Call':
      e.args.forEach(f);
      return;
    case 'MethodCall':
      f(e.target);
      e.args.forEach(f);
      return;
    case 'Closure':
      f(e.body);
      return;
    case 'Block':
      e.body.forEach(s);
      return;
    case 'If':
      f(e.cond);
      f(e.then);
      if (e.otherwise !== undefined) f(e.otherwise);
      return;
    case 'Switch':
      f(e.subject);
      for (const c of e.cases) {
        c.values.forEach(f);
        if (c.guard !== undefined) f(c.guard);
        f(c.body);
      }
      if (e.defaultCase !== undefined) f(e.defaultCase);
      return;
    case 'While':
    case 'DoLoop':
      f(e.cond);
      f(e.body);
      return;
    case 'Loop':
      f(e.body);
      return;
    case 'For':
      f(e.iterable);
      f(e.body);
      return;
    case 'Assign':
      f(e.target);
      f(e.value);
      return;
    default:
      unreachable(e);
  }
}

/** Call `f` on the expressions directly inside a statement. */
export function forEachStmtChild(st: Stmt, f: (child: Expr) => void, s: (stmt: Stmt) => void): void {
  switch (st.type) {
    case 'Let':
      if (st.init !== undefined) f(st.init);
      return;
    case 'ExprStmt':
      f(st.expr);
      return;
    case 'Return':
    case 'Throw':
    case 'Break':
      if (st.value !== undefined) f(st.value);
      return;
    case 'TryCatch':
      f(st.body);
      f(st.catchBody);
      return;
    case 'Import':
      f(st.path);
      return;
    case 'Continue':
    case 'Export':
    case 'Noop':
      return;
    default:
      unreachable(st, 'statement');
  }
}

function rootName(e: Expr): string | undefined {
  let r = e;
  while (r.type === 'Index' || r.type === 'Property') r = r.target;
  return r.type === 'Variable' && r.namespace === undefined ? r.name : undefined;
}

/**
 * True when the variable `name`, declared just before `body` (a `for` loop variable), keeps the
 * value it was given for the whole body: nothing assigns it, passes it by reference (method
 * receiver, first argument of a native), captures it in a closure, or reaches it by name (`eval`,
 * `f!(...)`), and no inner declaration shadows it. The code generator then knows its type.
 */
export function keepsValue(name: string, body: Block): boolean {
  let ok = true;
  const expr = (e: Expr): void => {
    if (!ok) return;
    switch (e.type) {
      case 'Assign':
        if (rootName(e.target) === name) ok = false;
        break;
      case 'MethodCall':
        if (rootName(e.target) === name) ok = false;
        break;
      case 'Call':
        if (e.capture || e.name === 'eval' || (e.args.length > 0 && rootName(e.args[0]) === name)) ok = false;
        break;
      case 'Closure':
        ok = false;
        return;
      case 'For':
        if (e.name === name || e.counter === name) ok = false;
        break;
      default:
        break;
    }
    if (ok) forEachChild(e, expr, stmt);
  };
  const stmt = (st: Stmt): void => {
    if (!ok) return;
    if (st.type === 'Let' && st.name === name) ok = false;
    if (st.type === 'TryCatch' && st.catchVar === name) ok = false;
    if (ok) forEachStmtChild(st, expr, stmt);
  };
  expr(body);
  return ok;
}
