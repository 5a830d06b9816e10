/**
 * AST node types: a typed union with a literal `type` and a position on every node.
 * Loops, `if`, `switch` and blocks are expressions (Rhai's "statement expressions").
 */
import { type Position, toPositionObject } from '../errors.js';

/**
 * A source position packed into one number, so tokens and AST nodes carry it without allocating:
 * `line * 1024 + column` (a small integer, stored unboxed by the JS engine) for columns below 1024
 * and lines below 2^20; otherwise the negative wide form `-(line * 2^22 + column)`.
 * `toPosition` unpacks it for errors.
 */
export type SrcPos = number;

const NARROW = 1024;
const WIDE = 4194304;

/** Pack a 1-based line and column. */
export function srcPos(line: number, column: number): SrcPos {
  if (column < NARROW && line < 1048576) return line * NARROW + column;
  return -(line * WIDE + Math.min(column, WIDE - 1));
}

/** Unpack a position. */
export function toPosition(p: SrcPos): Position {
  return toPositionObject(p) as Position;
}

/** Binary operators evaluated eagerly on both operands. */
export type BinaryOp =
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '**'
  | '<<'
  | '>>'
  | '&'
  | '|'
  | '^'
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'in'
  | '!in'
  | '..'
  | '..=';

/** Short-circuiting operators. */
export type LogicalOp = '&&' | '||' | '??';

/** Assignment operators (`=` and compound forms). */
export type AssignOp = '=' | '+=' | '-=' | '*=' | '/=' | '%=' | '**=' | '<<=' | '>>=' | '&=' | '|=' | '^=';

interface Node {
  readonly pos: SrcPos;
}

export interface IntLit extends Node {
  readonly type: 'IntLit';
  readonly value: number | bigint;
}
export interface FloatLit extends Node {
  readonly type: 'FloatLit';
  readonly value: number;
}
export interface StringLit extends Node {
  readonly type: 'StringLit';
  readonly value: string;
}
export interface CharLit extends Node {
  readonly type: 'CharLit';
  readonly value: string;
}
export interface BoolLit extends Node {
  readonly type: 'BoolLit';
  readonly value: boolean;
}
export interface UnitLit extends Node {
  readonly type: 'UnitLit';
}
/** A backtick string with `${}` parts (strings, or block expressions). */
export interface InterpString extends Node {
  readonly type: 'InterpString';
  readonly parts: readonly (string | Block)[];
}
export interface ArrayLit extends Node {
  readonly type: 'ArrayLit';
  readonly items: readonly Expr[];
}
export interface MapLit extends Node {
  readonly type: 'MapLit';
  readonly entries: readonly { readonly key: string; readonly value: Expr; readonly pos: SrcPos }[];
}
/** A variable reference, possibly module-qualified (`m::x`, `global::X`). */
export interface Variable extends Node {
  readonly type: 'Variable';
  readonly name: string;
  readonly namespace?: readonly string[];
}
export interface This extends Node {
  readonly type: 'This';
}
export interface Unary extends Node {
  readonly type: 'Unary';
  readonly op: '-' | '+' | '!';
  readonly operand: Expr;
}
export interface Binary extends Node {
  readonly type: 'Binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
}
export interface Logical extends Node {
  readonly type: 'Logical';
  readonly op: LogicalOp;
  readonly left: Expr;
  readonly right: Expr;
}
/** `target[index]` or `target?[index]`. */
export interface Index extends Node {
  readonly type: 'Index';
  readonly target: Expr;
  readonly index: Expr;
  readonly safe: boolean;
}
/** `target.name` or `target?.name`. */
export interface Property extends Node {
  readonly type: 'Property';
  readonly target: Expr;
  readonly name: string;
  readonly safe: boolean;
}
/** A function call `name(args)`, `ns::name(args)` or `name!(args)` (runs in the caller's scope). */
export interface Call extends Node {
  readonly type: 'Call';
  readonly name: string;
  readonly args: readonly Expr[];
  readonly namespace?: readonly string[];
  readonly capture: boolean;
}
/** A method call `target.name(args)` / `target?.name(args)`. */
export interface MethodCall extends Node {
  readonly type: 'MethodCall';
  readonly target: Expr;
  readonly name: string;
  readonly args: readonly Expr[];
  readonly safe: boolean;
}
/** An anonymous function / closure `|a, b| body`. */
export interface Closure extends Node {
  readonly type: 'Closure';
  readonly params: readonly string[];
  readonly body: Expr;
}
export interface Block extends Node {
  readonly type: 'Block';
  readonly body: readonly Stmt[];
}
export interface If extends Node {
  readonly type: 'If';
  readonly cond: Expr;
  readonly then: Block;
  readonly otherwise?: Expr;
}
/** One `switch` arm: literal values (or a range), optional guard, body. */
export interface SwitchCase {
  readonly values: readonly Expr[];
  /** Integer ranges the case also matches (`1 | 5..10 =>`). */
  readonly ranges: readonly { readonly start: number; readonly end: number; readonly inclusive: boolean }[];
  readonly guard?: Expr;
  readonly body: Expr;
  readonly pos: SrcPos;
}
export interface Switch extends Node {
  readonly type: 'Switch';
  readonly subject: Expr;
  readonly cases: readonly SwitchCase[];
  readonly defaultCase?: Expr;
}
export interface While extends Node {
  readonly type: 'While';
  readonly cond: Expr;
  readonly body: Block;
}
export interface Loop extends Node {
  readonly type: 'Loop';
  readonly body: Block;
}
/** `do { } while cond` (until = false) or `do { } until cond` (until = true). */
export interface DoLoop extends Node {
  readonly type: 'DoLoop';
  readonly body: Block;
  readonly cond: Expr;
  readonly until: boolean;
}
export interface For extends Node {
  readonly type: 'For';
  readonly name: string;
  readonly counter?: string;
  readonly iterable: Expr;
  readonly body: Block;
}
/** An assignment; only parsed at statement positions. Its value is `()`. */
export interface Assign extends Node {
  readonly type: 'Assign';
  readonly op: AssignOp;
  readonly target: Expr;
  readonly value: Expr;
}

/** Every expression node. */
export type Expr =
  | IntLit
  | FloatLit
  | StringLit
  | CharLit
  | BoolLit
  | UnitLit
  | InterpString
  | ArrayLit
  | MapLit
  | Variable
  | This
  | Unary
  | Binary
  | Logical
  | Index
  | Property
  | Call
  | MethodCall
  | Closure
  | Block
  | If
  | Switch
  | While
  | Loop
  | DoLoop
  | For
  | Assign;

export interface Let extends Node {
  readonly type: 'Let';
  readonly name: string;
  readonly init?: Expr;
  readonly constant: boolean;
  /** `export let x` / `export const x`. */
  readonly exported: boolean;
}
export interface ExprStmt extends Node {
  readonly type: 'ExprStmt';
  readonly expr: Expr;
}
export interface Return extends Node {
  readonly type: 'Return';
  readonly value?: Expr;
}
export interface Throw extends Node {
  readonly type: 'Throw';
  readonly value?: Expr;
}
export interface Break extends Node {
  readonly type: 'Break';
  readonly value?: Expr;
}
export interface Continue extends Node {
  readonly type: 'Continue';
}
export interface TryCatch extends Node {
  readonly type: 'TryCatch';
  readonly body: Block;
  readonly catchVar?: string;
  readonly catchBody: Block;
}
export interface Import extends Node {
  readonly type: 'Import';
  readonly path: Expr;
  readonly alias?: string;
}
export interface Export extends Node {
  readonly type: 'Export';
  readonly items: readonly { readonly name: string; readonly alias: string; readonly pos: SrcPos }[];
}
export interface Noop extends Node {
  readonly type: 'Noop';
}

/** Every statement node. */
export type Stmt = Let | ExprStmt | Return | Throw | Break | Continue | TryCatch | Import | Export | Noop;

/** A script-defined function. */
export interface FnDef extends Node {
  readonly type: 'FnDef';
  readonly name: string;
  readonly params: readonly string[];
  readonly body: Block;
  readonly isPrivate: boolean;
  /** Doc comment text preceding the definition, if any. */
  readonly doc?: string;
}

/** A parsed script: top-level statements plus hoisted function definitions. */
export interface Script {
  readonly type: 'Script';
  readonly body: readonly Stmt[];
  readonly functions: readonly FnDef[];
  /** Every `import` statement, in source order (function bodies and `${}` blocks included). */
  readonly imports: readonly Import[];
  readonly pos: SrcPos;
}

/** Thrown by exhaustive switches on node types. */
export function unreachable(x: never, what = 'node'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify((x as { type?: string })?.type ?? x)}`);
}
