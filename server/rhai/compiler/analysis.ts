/**
 * Static properties of expressions used by the code generator to pick cheaper code shapes.
 */
import { type Expr, type Stmt, unreachable } from '../parser/ast.js';

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
