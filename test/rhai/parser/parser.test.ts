import { describe, expect, it } from 'vitest';
import { Engine, RhaiError } from '../../../server/rhai/index.js';
import type { Expr, Stmt } from '../../../server/rhai/parser/ast.js';
import { toPosition } from '../../../server/rhai/parser/ast.js';
import { parseExpression, parseScript } from '../../../server/rhai/parser/parser.js';

/** Render an expression with explicit parentheses to check precedence. */
function show(e: Expr): string {
  switch (e.type) {
    case 'IntLit':
    case 'FloatLit':
      return String(e.value);
    case 'Variable':
      return e.namespace ? `${e.namespace.join('::')}::${e.name}` : e.name;
    case 'Binary':
    case 'Logical':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'Unary':
      return `(${e.op}${show(e.operand)})`;
    case 'Call':
      return `${e.name}(${e.args.map(show).join(', ')})`;
    case 'MethodCall':
      return `${show(e.target)}.${e.name}(${e.args.map(show).join(', ')})`;
    case 'Property':
      return `${show(e.target)}${e.safe ? '?.' : '.'}${e.name}`;
    case 'Index':
      return `${show(e.target)}${e.safe ? '?[' : '['}${show(e.index)}]`;
    default:
      return e.type;
  }
}

describe('precedence (Rhai table)', () => {
  it.each([
    ['1 + 2 * 3', '(1 + (2 * 3))'],
    ['a || b && c', '(a || (b && c))'],
    ['a | b & c', '(a | (b & c))'],
    ['a == b < c', '(a == (b < c))'],
    ['a in b == c', '((a in b) == c)'],
    ['a < b ?? c', '(a < (b ?? c))'],
    ['a ?? b .. c', '(a ?? (b .. c))'],
    ['a .. b + c', '(a .. (b + c))'],
    ['a ** b ** c', '(a ** (b ** c))'],
    ['a ** b << c', '(a ** (b << c))'],
    ['-a ** 2', '((-a) ** 2)'],
    ['-2 ** 2', '(-2 ** 2)'],
    ['!a && b', '((!a) && b)'],
    ['a - b - c', '((a - b) - c)'],
    ['a.b.c(1)[2]?.d', 'a.b.c(1)[2]?.d'],
    ['m::n::f(x) + global::Y', '(f(x) + global::Y)'],
    ['x !in y', '(x !in y)'],
  ])('%s => %s', (src, expected) => {
    expect(show(parseExpression(src))).toBe(expected);
  });
});

describe('statements and positions', () => {
  it('hoists functions and keeps positions', () => {
    const s = parseScript('let a = 1;\nfn f(x) { x }\n  a + f(2)');
    expect(s.functions.map((f) => [f.name, f.params])).toEqual([['f', ['x']]]);
    expect(s.body.map((x: Stmt) => x.type)).toEqual(['Let', 'ExprStmt']);
    expect(toPosition(s.body[1].pos)).toEqual({ line: 3, column: 3 });
  });

  it('allows omitting ; after block statements and the last statement', () => {
    expect(() =>
      parseScript('if a { 1 } while b { } for x in y { } loop { break } switch z { } { } 5'),
    ).not.toThrow();
    expect(() => parseScript('let a = 1 let b = 2')).toThrow(/Expecting ';'/);
  });

  it('parses closures, switch alternatives and ranges', () => {
    const s = parseScript('let f = |a, b| a + b; switch x { 1 | 2 => 3, 4..=9 if y => 5, _ => 6 }');
    const sw = (s.body[1] as { expr: Expr }).expr;
    expect(sw.type).toBe('Switch');
    if (sw.type === 'Switch') {
      expect(sw.cases[0].values.length).toBe(2);
      expect(sw.cases[1].ranges).toEqual([{ start: 4, end: 9, inclusive: true }]);
      expect(sw.defaultCase).toBeDefined();
    }
  });

  it.each([
    ['let x = ', 'UnexpectedEOF'],
    ['(1 + 2', 'UnexpectedEOF'],
    ['foo(1 2)', 'MissingToken'],
    ['#{a: 1, a: 2}', 'DuplicatedProperty'],
    ['x.1', 'PropertyExpected'],
    ['let x = match;', 'Reserved'],
    ['let print = 1;', 'Reserved'],
    ['fn Fn() {}', 'Reserved'],
    ['x = ;', 'ExprExpected'],
    ['f() = 1;', 'AssignmentToInvalidLHS'],
    ['continue;', 'LoopBreak'],
  ])('%s fails with %s', (src, kind) => {
    try {
      parseScript(src);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RhaiError);
      expect((e as RhaiError).parseKind).toBe(kind);
    }
  });

  it('formats errors with the source line and a caret', () => {
    const src = 'let a = 1;\nlet b = a +;\n';
    try {
      new Engine().compile(src);
      expect.unreachable();
    } catch (e) {
      const err = e as RhaiError;
      expect(err.position).toEqual({ line: 2, column: 12 });
      expect(err.format(src)).toBe(`line 2, column 12: ${err.message}\nlet b = a +;\n           ^`);
    }
  });
});

// Parsing speed (≥ 5 MB/s) is measured by bench/rhai, next to a baseline, not in a timed unit test.
