/**
 * Recursive-descent parser with precedence climbing for binary operators (Rhai's precedence table).
 * Nesting is bounded by the expression-depth limits so hostile input cannot exhaust the JS stack.
 */
import { type ParseErrorKind, RhaiError } from '../errors.js';
import { I64_MAX } from '../runtime/value.js';
import type {
  AssignOp,
  BinaryOp,
  Block,
  Expr,
  FnDef,
  Import,
  LogicalOp,
  MapLit,
  Script,
  SrcPos,
  Stmt,
  SwitchCase,
} from './ast.js';
import { toPosition } from './ast.js';
import { isValidIdentifier, Lexer } from './lexer.js';
import { FUNCTION_KEYWORDS, type Token } from './tokens.js';

/** Parser settings (from the engine's limits and options). */
export interface ParseOptions {
  /** Maximum nesting depth at global level (0 = unlimited). */
  maxExprDepth?: number;
  /** Maximum nesting depth inside function bodies (0 = unlimited). */
  maxFunctionExprDepth?: number;
  /** Maximum number of script functions (0 = unlimited). */
  maxFunctions?: number;
  /** Parsing code for `eval`: function definitions are refused. */
  isEval?: boolean;
  /** Maximum length of a string literal in UTF-8 bytes, as Rhai measures it (0 = unlimited). */
  maxStringSize?: number;
  /** Maximum number of items of an array literal (0 = unlimited). */
  maxArraySize?: number;
  /** Maximum number of properties of an object map literal (0 = unlimited). */
  maxMapSize?: number;
}

const BINARY_PRECEDENCE: Readonly<Record<string, number>> = {
  '||': 30,
  '^': 30,
  '|': 30,
  '&&': 60,
  '&': 60,
  '==': 90,
  '!=': 90,
  in: 110,
  '!in': 110,
  '<': 130,
  '<=': 130,
  '>': 130,
  '>=': 130,
  '??': 135,
  '..': 140,
  '..=': 140,
  '+': 150,
  '-': 150,
  '*': 180,
  '/': 180,
  '%': 180,
  '**': 190,
  '<<': 210,
  '>>': 210,
};

const ASSIGN_OPS: ReadonlySet<string> = new Set([
  '=',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '**=',
  '<<=',
  '>>=',
  '&=',
  '|=',
  '^=',
]);

/** Function names that scripts may not define. */
const UNDEFINABLE_FNS: ReadonlySet<string> = new Set([
  'Fn',
  'call',
  'curry',
  'is_def_fn',
  'is_def_var',
  'is_shared',
]);

/** Parse a whole script. */
export function parseScript(source: string, options: ParseOptions = {}): Script {
  try {
    return new Parser(new Lexer(source), options).parseScript();
  } catch (e) {
    throw toParseError(e);
  }
}

/** Parse a single expression (used by hosts/tools). */
export function parseExpression(source: string, options: ParseOptions = {}): Expr {
  try {
    const parser = new Parser(new Lexer(source), options);
    return parser.parseStandaloneExpr();
  } catch (e) {
    throw toParseError(e);
  }
}

/** A JS stack overflow while parsing becomes an ExprTooDeep parse error. */
function toParseError(e: unknown): unknown {
  if (e instanceof RangeError) return RhaiError.parse('ExprTooDeep', 'Expression exceeds maximum complexity');
  return e;
}

/** Where the parser reads tokens from: the lexer (streaming) or a pre-lexed list. */
interface TokenSource {
  next(): Token;
}

/** Tokens of an interpolation block. */
class TokenList implements TokenSource {
  private i = 0;
  private readonly toks: readonly Token[];
  constructor(toks: readonly Token[]) {
    this.toks = toks;
  }
  next(): Token {
    const t = this.toks[this.i];
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
}

class Parser {
  private readonly source: TokenSource;
  /** The current token. */
  private cur: Token;
  /** Look-ahead tokens already read from the source. */
  private readonly ahead: Token[] = [];
  private readonly opts: ParseOptions;
  private depth = 0;
  private maxDepth: number;
  private loopDepth = 0;
  private inFunction = false;
  /** Block nesting at the global level (0 = top level), for `fn`/`export` placement. */
  private blockLevel = 0;
  private readonly functions: FnDef[] = [];
  /** Shared with the sub-parsers of `${}` blocks, so every import of the script is listed. */
  private imports: Import[] = [];
  private readonly fnKeys = new Set<string>();

  constructor(source: TokenSource, opts: ParseOptions) {
    this.source = source;
    this.cur = source.next();
    this.opts = opts;
    this.maxDepth = opts.maxExprDepth ?? 0;
  }

  // ---- token helpers -------------------------------------------------------------------------

  private get tok(): Token {
    return this.cur;
  }
  private peek(k = 1): Token {
    while (this.ahead.length < k) this.ahead.push(this.source.next());
    return this.ahead[k - 1];
  }
  private next(): Token {
    const t = this.cur;
    this.cur = this.ahead.length > 0 ? (this.ahead.shift() as Token) : this.source.next();
    return t;
  }
  private isOp(text: string, t: Token = this.tok): boolean {
    return t.kind === 'op' && t.text === text;
  }
  private isKw(text: string, t: Token = this.tok): boolean {
    return t.kind === 'keyword' && t.text === text;
  }
  private eatOp(text: string): boolean {
    if (this.isOp(text)) {
      this.next();
      return true;
    }
    return false;
  }
  private fail(kind: ParseErrorKind, msg: string, pos: SrcPos = this.tok.pos): never {
    throw RhaiError.parse(kind, msg, toPosition(pos));
  }
  private expectOp(text: string, context: string): Token {
    if (this.isOp(text)) return this.next();
    if (this.tok.kind === 'eof') this.fail('UnexpectedEOF', `Expecting '${text}' ${context}`);
    return this.fail('MissingToken', `Expecting '${text}' ${context}, found ${describe(this.tok)}`);
  }

  private checkLiteralSize(t: Token, text = t.text): void {
    const max = this.opts.maxStringSize ?? 0;
    if (max > 0 && text.length * 3 > max && utf8Length(text) > max) {
      this.fail('LiteralTooLarge', 'Length of string literal too large', t.pos);
    }
  }

  /** An array or map literal with more entries than the limit allows. */
  private checkLiteralCount(count: number, max: number | undefined, what: string, pos: SrcPos): void {
    if (max !== undefined && max > 0 && count > max) this.fail('LiteralTooLarge', `${what} too large`, pos);
  }

  private enter(pos: SrcPos): void {
    this.depth++;
    if (this.maxDepth > 0 && this.depth > this.maxDepth) {
      this.fail('ExprTooDeep', 'Expression exceeds maximum complexity', pos);
    }
  }
  private leave(): void {
    this.depth--;
  }

  /** Reject reserved words and keywords where a name is needed. */
  private checkName(t: Token, what: 'variable' | 'function' | 'parameter'): string {
    if (t.kind === 'reserved') this.fail('Reserved', `'${t.text}' is a reserved keyword`, t.pos);
    if (t.kind === 'keyword') {
      this.fail(
        what === 'function' ? 'FnMissingName' : 'VariableExpected',
        `'${t.text}' is a keyword`,
        t.pos,
      );
    }
    if (t.kind === 'op' && t.text === '_') this.fail('VariableExpected', "'_' is not a valid name", t.pos);
    if (t.kind !== 'ident') {
      if (t.kind === 'eof') this.fail('UnexpectedEOF', `Expecting a ${what} name`, t.pos);
      this.fail(
        what === 'function' ? 'FnMissingName' : 'VariableExpected',
        `Expecting a ${what} name`,
        t.pos,
      );
    }
    if (!isValidIdentifier(t.text)) this.fail('BadInput', `Invalid identifier: '${t.text}'`, t.pos);
    if (what !== 'function' && FUNCTION_KEYWORDS.has(t.text)) {
      this.fail('Reserved', `'${t.text}' is a reserved function name`, t.pos);
    }
    if (what === 'function' && UNDEFINABLE_FNS.has(t.text)) {
      this.fail('Reserved', `'${t.text}' is a reserved function name`, t.pos);
    }
    return t.text;
  }

  // ---- script & statements -------------------------------------------------------------------

  parseScript(): Script {
    const pos = this.tok.pos;
    const body = this.parseStatements(true);
    return { type: 'Script', body, functions: this.functions, imports: this.imports, pos };
  }

  parseStandaloneExpr(): Expr {
    const e = this.parseExpr();
    if (this.tok.kind !== 'eof') this.fail('BadInput', `Unexpected ${describe(this.tok)}`);
    return e;
  }

  /** Statements until `}` (not consumed) or end of input. */
  private parseStatements(topLevel: boolean): Stmt[] {
    const out: Stmt[] = [];
    for (;;) {
      const t = this.tok;
      if (t.kind === 'eof') {
        if (!topLevel) this.fail('UnexpectedEOF', "Expecting '}' to close the block");
        return out;
      }
      if (this.isOp('}')) {
        if (topLevel) this.fail('BadInput', "Unexpected '}'");
        return out;
      }
      if (this.isKw('fn') || (this.isKw('private') && this.isKw('fn', this.peek()))) {
        this.parseFnDef();
        continue;
      }
      const stmt = this.parseStatement();
      out.push(stmt);
      if (this.isOp(';')) {
        this.next();
        continue;
      }
      if (this.isOp('}') || this.tok.kind === 'eof' || selfTerminated(stmt)) continue;
      this.fail('MissingToken', `Expecting ';' to terminate this statement, found ${describe(this.tok)}`);
    }
  }

  private parseStatement(): Stmt {
    const t = this.tok;
    this.enter(t.pos);
    try {
      if (t.kind === 'op' && t.text === ';') return { type: 'Noop', pos: t.pos };
      if (t.kind === 'keyword') {
        switch (t.text) {
          case 'let':
          case 'const':
            return this.parseLet(false);
          case 'export':
            return this.parseExport();
          case 'import':
            return this.parseImport();
          case 'return': {
            this.next();
            const value = this.atStatementEnd() ? undefined : this.parseExpr();
            return { type: 'Return', value, pos: t.pos };
          }
          case 'throw': {
            this.next();
            const value = this.atStatementEnd() ? undefined : this.parseExpr();
            return { type: 'Throw', value, pos: t.pos };
          }
          case 'break': {
            this.next();
            if (this.loopDepth === 0) this.fail('LoopBreak', "'break' must be within a loop", t.pos);
            const value = this.atStatementEnd() ? undefined : this.parseExpr();
            return { type: 'Break', value, pos: t.pos };
          }
          case 'continue':
            this.next();
            if (this.loopDepth === 0) this.fail('LoopBreak', "'continue' must be within a loop", t.pos);
            return { type: 'Continue', pos: t.pos };
          case 'try':
            return this.parseTry();
          case 'fn':
          case 'private':
            this.fail(
              'WrongFnDefinition',
              this.opts.isEval
                ? 'Functions cannot be defined inside eval'
                : 'Functions can only be defined at the global level',
              t.pos,
            );
            break;
          default:
            break;
        }
      }
      // `if`, loops, `switch` and blocks at the start of a statement are complete statements:
      // a following `[`, `(` or `-` starts the next statement, not an index or a subtraction.
      if (startsBlockStatement(t)) {
        const expr = t.kind === 'op' ? this.parseBlock() : this.parseKeywordExpr(t);
        return { type: 'ExprStmt', expr, pos: t.pos };
      }
      const expr = this.parseExprOrAssign();
      return { type: 'ExprStmt', expr, pos: t.pos };
    } finally {
      this.leave();
    }
  }

  private atStatementEnd(): boolean {
    return this.isOp(';') || this.isOp('}') || this.isOp(',') || this.tok.kind === 'eof';
  }

  private parseLet(exported: boolean): Stmt {
    const kw = this.next();
    const constant = kw.text === 'const';
    const nameTok = this.next();
    const name = this.checkName(nameTok, 'variable');
    let init: Expr | undefined;
    if (this.eatOp('=')) init = this.parseExpr();
    return { type: 'Let', name, init, constant, exported, pos: kw.pos };
  }

  private parseExport(): Stmt {
    const kw = this.next();
    if (this.inFunction || this.blockLevel > 0) {
      this.fail('WrongExport', 'Export statement can only appear at global level', kw.pos);
    }
    if (this.isKw('let') || this.isKw('const')) return this.parseLet(true);
    const items: { name: string; alias: string; pos: SrcPos }[] = [];
    do {
      const t = this.next();
      const name = this.checkName(t, 'variable');
      let alias = name;
      if (this.isKw('as')) {
        this.next();
        alias = this.checkName(this.next(), 'variable');
      }
      items.push({ name, alias, pos: t.pos });
    } while (this.eatOp(','));
    return { type: 'Export', items, pos: kw.pos };
  }

  private parseImport(): Stmt {
    const kw = this.next();
    const path = this.parseExpr();
    let alias: string | undefined;
    if (this.isKw('as')) {
      this.next();
      alias = this.checkName(this.next(), 'variable');
    }
    const stmt: Import = { type: 'Import', path, alias, pos: kw.pos };
    this.imports.push(stmt);
    return stmt;
  }

  private parseTry(): Stmt {
    const kw = this.next();
    const body = this.parseBlock();
    if (!this.isKw('catch')) this.fail('MissingToken', "Expecting 'catch' after the try block");
    this.next();
    let catchVar: string | undefined;
    if (this.eatOp('(')) {
      catchVar = this.checkName(this.next(), 'variable');
      this.expectOp(')', 'to close the catch variable');
    }
    const catchBody = this.parseBlock();
    return { type: 'TryCatch', body, catchVar, catchBody, pos: kw.pos };
  }

  private parseFnDef(): void {
    const start = this.tok;
    if (this.opts.isEval)
      this.fail('WrongFnDefinition', 'Functions cannot be defined inside eval', start.pos);
    if (this.inFunction || this.blockLevel > 0) {
      this.fail('WrongFnDefinition', 'Functions can only be defined at the global level', start.pos);
    }
    const isPrivate = this.isKw('private');
    if (isPrivate) this.next();
    this.next(); // fn
    const nameTok = this.next();
    const name = this.checkName(nameTok, 'function');
    if (!this.isOp('(')) this.fail('FnMissingParams', `Expecting parameters for function '${name}'`);
    this.next();
    const params: string[] = [];
    while (!this.isOp(')')) {
      const pt = this.next();
      const param = this.checkName(pt, 'parameter');
      if (params.includes(param)) {
        this.fail('FnDuplicatedParam', `Duplicated parameter '${param}' in function '${name}'`, pt.pos);
      }
      params.push(param);
      if (!this.eatOp(',')) break;
    }
    this.expectOp(')', `to close the parameters of function '${name}'`);
    if (!this.isOp('{')) this.fail('FnMissingBody', `Expecting a body for function '${name}'`);
    const key = `${name}/${params.length}`;
    if (this.fnKeys.has(key)) {
      this.fail(
        'FnDuplicatedDefinition',
        `Function '${name}' with ${params.length} parameter(s) is already defined`,
        nameTok.pos,
      );
    }
    this.fnKeys.add(key);
    const max = this.opts.maxFunctions ?? 0;
    if (max > 0 && this.fnKeys.size > max)
      this.fail('TooManyFunctions', 'Too many functions defined', start.pos);
    const body = this.inFunctionContext(() => this.parseBlock());
    this.functions.push({ type: 'FnDef', name, params, body, isPrivate, pos: start.pos });
  }

  /** Run a parse step with function-body settings (own depth limit, no enclosing loop). */
  private inFunctionContext<T>(f: () => T): T {
    const saved = [this.depth, this.maxDepth, this.loopDepth, this.inFunction] as const;
    this.depth = 0;
    this.maxDepth = this.opts.maxFunctionExprDepth ?? 0;
    this.loopDepth = 0;
    this.inFunction = true;
    try {
      return f();
    } finally {
      [this.depth, this.maxDepth, this.loopDepth, this.inFunction] = saved;
    }
  }

  private parseBlock(): Block {
    const open = this.tok;
    if (!this.isOp('{')) {
      if (open.kind === 'eof') this.fail('UnexpectedEOF', "Expecting '{' to start a block");
      this.fail('MissingToken', `Expecting '{' to start a block, found ${describe(open)}`);
    }
    this.next();
    this.enter(open.pos);
    this.blockLevel++;
    try {
      const body = this.parseStatements(false);
      this.expectOp('}', 'to close the block');
      return { type: 'Block', body, pos: open.pos };
    } finally {
      this.blockLevel--;
      this.leave();
    }
  }

  // ---- expressions ---------------------------------------------------------------------------

  /** An expression, or an assignment when followed by `=`/`op=` (statement positions only). */
  private parseExprOrAssign(): Expr {
    const target = this.parseExpr();
    const t = this.tok;
    if (t.kind === 'op' && ASSIGN_OPS.has(t.text)) {
      this.next();
      checkAssignable(target, t.pos);
      const value = this.parseExpr();
      if (this.tok.kind === 'op' && ASSIGN_OPS.has(this.tok.text)) {
        this.fail('AssignmentToInvalidLHS', 'Assignments cannot be chained', this.tok.pos);
      }
      return { type: 'Assign', op: t.text as AssignOp, target, value, pos: t.pos };
    }
    return target;
  }

  /** A statement in expression position (closure bodies, switch arms). */
  private parseStmtAsExpr(): Expr {
    const t = this.tok;
    if (
      t.kind === 'keyword' &&
      ['return', 'throw', 'break', 'continue', 'let', 'const', 'import'].includes(t.text)
    ) {
      const stmt = this.parseStatement();
      return { type: 'Block', body: [stmt], pos: t.pos };
    }
    return this.parseExprOrAssign();
  }

  parseExpr(): Expr {
    this.enter(this.tok.pos);
    try {
      return this.parseBinary(1);
    } finally {
      this.leave();
    }
  }

  private binaryPrecedence(t: Token): number {
    if (t.kind === 'op') return BINARY_PRECEDENCE[t.text] ?? 0;
    if (t.kind === 'keyword' && t.text === 'in') return 110;
    return 0;
  }

  private parseBinary(minPrec: number): Expr {
    const left = this.parseUnary();
    // Every operator of a chain nests one level deeper, as in Rhai (`a + b + c` is two levels).
    const depth = this.depth;
    try {
      return this.parseOperators(left, minPrec);
    } finally {
      this.depth = depth;
    }
  }

  private parseOperators(first: Expr, minPrec: number): Expr {
    let left = first;
    for (;;) {
      const t = this.tok;
      const prec = this.binaryPrecedence(t);
      if (prec === 0 || prec < minPrec) return left;
      this.enter(t.pos);
      this.next();
      const op = t.text;
      // `a..` / `a..=` with nothing after it: a range open at the end (`s[2..]`).
      const right =
        (op === '..' || op === '..=') && this.endsOperand()
          ? openBound(t.pos)
          : op === '??' && this.startsJump()
            ? this.parseJumpExpr()
            : this.parseBinary(op === '**' ? prec : prec + 1);
      if (op === '&&' || op === '||' || op === '??') {
        left = { type: 'Logical', op: op as LogicalOp, left, right, pos: t.pos };
      } else {
        left = { type: 'Binary', op: op as BinaryOp, left, right, pos: t.pos };
      }
    }
  }

  private parseUnary(): Expr {
    const t = this.tok;
    if (t.kind === 'op' && (t.text === '-' || t.text === '+' || t.text === '!')) {
      this.next();
      this.enter(t.pos);
      try {
        // Fold negative literals so that i64::MIN can be written.
        // A negative number literal is one literal, so `-42.abs()` is `(-42).abs()` and i64::MIN
        // can be written.
        if (t.text === '-' && (this.tok.kind === 'int' || this.tok.kind === 'float')) {
          const lit = this.next();
          let neg: Expr;
          if (lit.kind === 'float') {
            neg = { type: 'FloatLit', value: -(lit.num as number), pos: t.pos };
          } else {
            const v = lit.num as number | bigint;
            const n = typeof v === 'bigint' ? -v : -v;
            const value = typeof n === 'bigint' && n >= -9007199254740991n ? Number(n) : n;
            neg = { type: 'IntLit', value: value === 0 ? 0 : value, pos: t.pos };
          }
          return this.parsePostfix(neg);
        }
        const operand = this.parseUnary();
        return { type: 'Unary', op: t.text as '-' | '+' | '!', operand, pos: t.pos };
      } finally {
        this.leave();
      }
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePostfix(expr: Expr): Expr {
    let e = expr;
    for (;;) {
      const t = this.tok;
      if (t.kind !== 'op') return e;
      if (t.text === '.' || t.text === '?.') {
        this.next();
        const safe = t.text === '?.';
        const nameTok = this.next();
        if (nameTok.kind !== 'ident' && nameTok.kind !== 'keyword') {
          this.fail('PropertyExpected', `Expecting a property name after '${t.text}'`, nameTok.pos);
        }
        const name = nameTok.text;
        if (this.isOp('!') && this.isOp('(', this.peek())) {
          this.fail('MalformedCapture', "Capturing the caller's scope is not allowed in method-call style");
        }
        if (this.isOp('(')) {
          const args = this.parseArgs();
          e = { type: 'MethodCall', target: e, name, args, safe, pos: nameTok.pos };
        } else {
          if (nameTok.kind === 'keyword')
            this.fail('PropertyExpected', `'${name}' is a keyword`, nameTok.pos);
          e = { type: 'Property', target: e, name, safe, pos: nameTok.pos };
        }
        continue;
      }
      if (t.text === '[' || t.text === '?[') {
        this.next();
        const index = this.parseExpr();
        checkIndexType(e, index);
        this.expectOp(']', 'to close the index');
        e = { type: 'Index', target: e, index, safe: t.text === '?[', pos: t.pos };
        continue;
      }
      return e;
    }
  }

  private parseArgs(): Expr[] {
    this.expectOp('(', 'to start the arguments');
    const args: Expr[] = [];
    while (!this.isOp(')')) {
      args.push(this.parseExpr());
      if (!this.eatOp(',')) break;
    }
    if (!this.isOp(')')) {
      if (this.tok.kind === 'eof') this.fail('UnexpectedEOF', "Expecting ')' to close the arguments");
      this.fail('MissingToken', `Expecting ',' or ')' in the arguments, found ${describe(this.tok)}`);
    }
    this.next();
    return args;
  }

  private parsePrimary(): Expr {
    const t = this.tok;
    switch (t.kind) {
      case 'int':
        this.next();
        return { type: 'IntLit', value: checkIntLiteral(t), pos: t.pos };
      case 'float':
        this.next();
        return { type: 'FloatLit', value: t.num as number, pos: t.pos };
      case 'string':
        this.next();
        this.checkLiteralSize(t);
        return { type: 'StringLit', value: t.text, pos: t.pos };
      case 'char':
        this.next();
        return { type: 'CharLit', value: t.text, pos: t.pos };
      case 'interp':
        this.next();
        return this.parseInterp(t);
      case 'ident':
        return this.parseIdentifierExpr();
      case 'reserved':
        return this.fail('Reserved', `'${t.text}' is a reserved keyword`);
      case 'eof':
        return this.fail('UnexpectedEOF', 'Expecting an expression');
      case 'keyword':
        return this.parseKeywordExpr(t);
      case 'op':
        return this.parseOpExpr(t);
      default:
        return this.fail('ExprExpected', `Expecting an expression, found ${describe(t)}`);
    }
  }

  private parseKeywordExpr(t: Token): Expr {
    switch (t.text) {
      case 'true':
      case 'false':
        this.next();
        return { type: 'BoolLit', value: t.text === 'true', pos: t.pos };
      case 'this':
        this.next();
        return { type: 'This', pos: t.pos };
      case 'if':
        return this.parseIf();
      case 'switch':
        return this.parseSwitch();
      case 'while': {
        this.next();
        const cond = this.parseExpr();
        const body = this.parseLoopBody();
        return { type: 'While', cond, body, pos: t.pos };
      }
      case 'loop': {
        this.next();
        return { type: 'Loop', body: this.parseLoopBody(), pos: t.pos };
      }
      case 'do': {
        this.next();
        const body = this.parseLoopBody();
        const until = this.isKw('until');
        if (!until && !this.isKw('while'))
          this.fail('MissingToken', "Expecting 'while' or 'until' after the do block");
        this.next();
        const cond = this.parseExpr();
        return { type: 'DoLoop', body, cond, until, pos: t.pos };
      }
      case 'for':
        return this.parseFor();
      case 'global':
        if (this.isOp('::', this.peek())) return this.parseIdentifierExpr();
        return this.fail('ExprExpected', "Expecting '::' after 'global'");
      case 'fn':
      case 'private':
        return this.fail('WrongFnDefinition', 'Functions can only be defined at the global level');
      default:
        return this.fail('ExprExpected', `Expecting an expression, found '${t.text}'`);
    }
  }

  /** The current token is `break`, `continue`, `return` or `throw`. */
  private startsJump(): boolean {
    const t = this.tok;
    return (
      t.kind === 'keyword' &&
      (t.text === 'break' || t.text === 'continue' || t.text === 'return' || t.text === 'throw')
    );
  }

  /** `x ?? return v` (also break/continue/throw): the jump statement as a block expression. */
  private parseJumpExpr(): Expr {
    const pos = this.tok.pos;
    const st = this.parseStatement();
    return { type: 'Block', body: [st], pos };
  }

  /** The current token cannot start an operand (it closes an index, argument list or statement). */
  private endsOperand(): boolean {
    const t = this.tok;
    return (
      t.kind === 'eof' ||
      (t.kind === 'op' &&
        (t.text === ']' || t.text === ')' || t.text === ',' || t.text === ';' || t.text === '}'))
    );
  }

  private parseOpExpr(t: Token): Expr {
    switch (t.text) {
      case '..':
      case '..=': {
        // `..b`, `..=b`, `..`, `..=`: a range open at the start (from 0), and maybe at the end.
        this.next();
        const end = this.endsOperand() ? openBound(t.pos) : this.parseBinary(BINARY_PRECEDENCE['..'] + 1);
        return {
          type: 'Binary',
          op: t.text,
          left: { type: 'IntLit', value: 0, pos: t.pos },
          right: end,
          pos: t.pos,
        };
      }
      case '(': {
        this.next();
        // `()` is the unit value only when written as one token: `( )` is an empty parenthesis.
        if (this.isOp(')') && adjacent(t.pos, this.tok.pos)) {
          this.next();
          return { type: 'UnitLit', pos: t.pos };
        }
        const e = this.parseExpr();
        this.expectOp(')', 'to close the parenthesis');
        return e;
      }
      case '[': {
        this.next();
        const items: Expr[] = [];
        while (!this.isOp(']')) {
          items.push(this.parseExpr());
          if (!this.eatOp(',')) break;
        }
        this.expectOp(']', 'to close the array literal');
        this.checkLiteralCount(items.length, this.opts.maxArraySize, 'Size of array literal', t.pos);
        return { type: 'ArrayLit', items, pos: t.pos };
      }
      case '#{':
        return this.parseMapLit();
      case '{':
        return this.parseBlock();
      case '|':
      case '||':
        return this.parseClosure();
      default:
        if (t.text === '}' || t.text === ')' || t.text === ']' || t.text === ';' || t.text === ',') {
          return this.fail('ExprExpected', `Expecting an expression, found '${t.text}'`);
        }
        return this.fail('BadInput', `Unexpected '${t.text}'`);
    }
  }

  private parseIdentifierExpr(): Expr {
    const first = this.next();
    if (first.kind === 'ident' && !isValidIdentifier(first.text)) {
      this.fail('BadInput', `Invalid identifier: '${first.text}'`, first.pos);
    }
    let name = first.text;
    let namespace: string[] | undefined;
    while (this.isOp('::')) {
      this.next();
      const part = this.next();
      if (part.kind !== 'ident') this.fail('VariableExpected', "Expecting a name after '::'", part.pos);
      namespace = namespace ?? [];
      namespace.push(name);
      name = part.text;
    }
    if (this.isOp('!') && this.isOp('(', this.peek())) {
      if (namespace) {
        this.fail(
          'MalformedCallExpr',
          'Capturing the caller scope is not allowed in namespace-qualified calls',
        );
      }
      this.next();
      const args = this.parseArgs();
      return { type: 'Call', name, args, capture: true, pos: first.pos };
    }
    if (this.isOp('(')) {
      const args = this.parseArgs();
      return { type: 'Call', name, args, namespace, capture: false, pos: first.pos };
    }
    if (!namespace && FUNCTION_KEYWORDS.has(name) && name !== 'Fn') {
      // `print` etc. are keywords: only callable.
      return this.fail('Reserved', `'${name}' is a reserved keyword`, first.pos);
    }
    return { type: 'Variable', name, namespace, pos: first.pos };
  }

  private parseInterp(t: Token): Expr {
    const parts: (string | Block)[] = [];
    for (const part of t.parts ?? []) {
      if ('text' in part) {
        this.checkLiteralSize(t, part.text);
        parts.push(part.text);
      } else {
        const sub = new Parser(new TokenList(part.tokens), this.opts);
        sub.depth = this.depth + 1;
        sub.maxDepth = this.maxDepth;
        sub.inFunction = this.inFunction;
        sub.blockLevel = this.blockLevel + 1;
        sub.loopDepth = this.loopDepth;
        sub.imports = this.imports;
        const body = sub.parseStatements(true);
        parts.push({ type: 'Block', body, pos: part.pos });
      }
    }
    return { type: 'InterpString', parts, pos: t.pos };
  }

  private parseMapLit(): MapLit {
    const open = this.next();
    const entries: { key: string; value: Expr; pos: SrcPos }[] = [];
    const seen = new Set<string>();
    while (!this.isOp('}')) {
      const k = this.next();
      if (k.kind !== 'ident' && k.kind !== 'string' && k.kind !== 'keyword') {
        if (k.kind === 'interp')
          this.fail('PropertyExpected', 'Property names cannot be interpolated', k.pos);
        if (k.kind === 'eof') this.fail('UnexpectedEOF', "Expecting '}' to close the object map");
        this.fail('PropertyExpected', `Expecting a property name, found ${describe(k)}`, k.pos);
      }
      if (seen.has(k.text)) this.fail('DuplicatedProperty', `Duplicated property '${k.text}'`, k.pos);
      seen.add(k.text);
      this.expectOp(':', 'after the property name');
      const value = this.parseExpr();
      entries.push({ key: k.text, value, pos: k.pos });
      if (!this.eatOp(',')) break;
    }
    this.expectOp('}', 'to close the object map');
    this.checkLiteralCount(
      entries.length,
      this.opts.maxMapSize,
      'Number of properties in object map literal',
      open.pos,
    );
    return { type: 'MapLit', entries, pos: open.pos };
  }

  private parseClosure(): Expr {
    const open = this.next();
    const params: string[] = [];
    if (open.text === '|') {
      while (!this.isOp('|')) {
        const pt = this.next();
        const name = this.checkName(pt, 'parameter');
        if (params.includes(name)) this.fail('FnDuplicatedParam', `Duplicated parameter '${name}'`, pt.pos);
        params.push(name);
        if (!this.eatOp(',')) break;
      }
      this.expectOp('|', 'to close the closure parameters');
    }
    // A block body ends the closure: `|x| { ... }.curry(1)` calls `curry` on the closure.
    const body = this.inFunctionContext(() => (this.isOp('{') ? this.parseBlock() : this.parseStmtAsExpr()));
    return { type: 'Closure', params, body, pos: open.pos };
  }

  private parseIf(): Expr {
    const kw = this.next();
    const cond = this.parseExpr();
    const then = this.parseBlock();
    let otherwise: Expr | undefined;
    if (this.isKw('else')) {
      this.next();
      otherwise = this.isKw('if') ? this.parseIf() : this.parseBlock();
    }
    return { type: 'If', cond, then, otherwise, pos: kw.pos };
  }

  private parseLoopBody(): Block {
    this.loopDepth++;
    try {
      return this.parseBlock();
    } finally {
      this.loopDepth--;
    }
  }

  private parseFor(): Expr {
    const kw = this.next();
    let name: string;
    let counter: string | undefined;
    if (this.eatOp('(')) {
      name = this.checkName(this.next(), 'variable');
      this.expectOp(',', 'between the loop variable and the counter');
      counter = this.checkName(this.next(), 'variable');
      this.expectOp(')', 'to close the loop variables');
    } else {
      name = this.checkName(this.next(), 'variable');
    }
    if (!this.isKw('in')) this.fail('MissingToken', "Expecting 'in' in the for loop");
    this.next();
    const iterable = this.parseExpr();
    const body = this.parseLoopBody();
    return { type: 'For', name, counter, iterable, body, pos: kw.pos };
  }

  private parseSwitch(): Expr {
    const kw = this.next();
    const subject = this.parseExpr();
    this.expectOp('{', 'to start the switch body');
    const cases: SwitchCase[] = [];
    let defaultCase: Expr | undefined;
    let sawRange = false;
    while (!this.isOp('}')) {
      const caseTok = this.tok;
      if (caseTok.kind === 'eof') this.fail('UnexpectedEOF', "Expecting '}' to close the switch");
      if (defaultCase !== undefined) {
        this.fail('WrongSwitchDefaultCase', 'The default case must be the last case', caseTok.pos);
      }
      if (this.isOp('_')) {
        this.next();
        if (this.isKw('if'))
          this.fail('WrongSwitchCaseCondition', 'The default case cannot have a condition');
        this.expectOp('=>', 'after the switch case');
        defaultCase = this.parseStmtAsExpr();
      } else {
        const values: Expr[] = [];
        const ranges: { start: number; end: number; inclusive: boolean }[] = [];
        do {
          const v = this.parseBinary(31); // above `|`, so `1 | 2 =>` lists alternatives
          if (v.type === 'Binary' && (v.op === '..' || v.op === '..=')) {
            const s = constInt(v.left);
            const e = constInt(v.right);
            if (s === undefined || e === undefined)
              this.fail('ExprExpected', 'Expecting a literal range', v.pos);
            ranges.push({ start: s, end: e, inclusive: v.op === '..=' });
            sawRange = true;
          } else {
            if (!isConstantExpr(v))
              this.fail('ExprExpected', 'Expecting a literal value for the switch case', v.pos);
            if (sawRange && (v.type === 'IntLit' || v.type === 'FloatLit')) {
              this.fail('WrongSwitchIntegerCase', 'Numeric cases must come before range cases', v.pos);
            }
            values.push(v);
          }
        } while (this.eatOp('|'));
        let guard: Expr | undefined;
        if (this.isKw('if')) {
          this.next();
          guard = this.parseExpr();
        }
        // A repeated value is allowed, as in Rhai: the first case whose condition holds wins.
        this.expectOp('=>', 'after the switch case');
        const body = this.parseStmtAsExpr();
        cases.push({ values, ranges, guard, body, pos: caseTok.pos });
      }
      const last = defaultCase ?? cases[cases.length - 1].body;
      if (this.eatOp(',')) continue;
      if (this.isOp('}')) break;
      if (!endsWithBlock(last)) this.fail('MissingToken', "Expecting ',' between switch cases");
    }
    this.next();
    return { type: 'Switch', subject, cases, defaultCase, pos: kw.pos };
  }
}

// ---- helpers ----------------------------------------------------------------------------------

function startsBlockStatement(t: Token): boolean {
  if (t.kind === 'op') return t.text === '{';
  if (t.kind !== 'keyword') return false;
  switch (t.text) {
    case 'if':
    case 'switch':
    case 'while':
    case 'loop':
    case 'do':
    case 'for':
      return true;
    default:
      return false;
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'end of script';
    case 'string':
      return 'a string';
    case 'char':
      return 'a character';
    case 'int':
    case 'float':
      return `'${t.text}'`;
    default:
      return `'${t.text}'`;
  }
}

function checkIntLiteral(t: Token): number | bigint {
  const v = t.num as number | bigint;
  if (typeof v === 'bigint' && v > 9223372036854775807n) {
    throw RhaiError.parse('LiteralTooLarge', `Integer literal too large: ${t.text}`, toPosition(t.pos));
  }
  return v;
}

/** Statements that end in a block need no `;`. */
function selfTerminated(s: Stmt): boolean {
  switch (s.type) {
    case 'TryCatch':
    case 'Noop':
      return true;
    case 'ExprStmt':
      return endsWithBlock(s.expr);
    default:
      return false;
  }
}

function endsWithBlock(e: Expr): boolean {
  switch (e.type) {
    case 'Block':
    case 'If':
    case 'Switch':
    case 'While':
    case 'Loop':
    case 'For':
    case 'DoLoop':
      return true;
    default:
      return false;
  }
}

/** Assignment targets: a variable, `this`, or an index/property chain rooted at one. */
function checkAssignable(e: Expr, pos: SrcPos): void {
  let root = e;
  while (root.type === 'Index' || root.type === 'Property') root = root.target;
  if (root.type === 'This') return;
  if (root.type === 'Variable') {
    if (root.namespace)
      throw RhaiError.parse('AssignmentToConstant', 'Cannot assign to a module variable', toPosition(pos));
    return;
  }
  // A literal is a constant value (`true = 1`, `123 = 4`), as in Rhai.
  if (root === e && isLiteral(e))
    throw RhaiError.parse('AssignmentToConstant', 'Cannot assign to a constant value', toPosition(pos));
  throw RhaiError.parse('AssignmentToInvalidLHS', 'Cannot assign to this expression', toPosition(pos));
}

/** Node types of literal values. */
const LITERALS: ReadonlySet<Expr['type']> = new Set([
  'IntLit',
  'FloatLit',
  'StringLit',
  'CharLit',
  'BoolLit',
  'UnitLit',
]);

function isLiteral(e: Expr): boolean {
  return LITERALS.has(e.type);
}

function constInt(e: Expr): number | undefined {
  return e.type === 'IntLit' && typeof e.value === 'number' ? e.value : undefined;
}

/** Literal values usable as switch cases. */
export function isConstantExpr(e: Expr): boolean {
  if (isLiteral(e)) return true;
  switch (e.type) {
    case 'ArrayLit':
      return e.items.every(isConstantExpr);
    case 'MapLit':
      return e.entries.every((x) => isConstantExpr(x.value));
    default:
      return false;
  }
}

/** A structural key for a constant expression (duplicate detection). */
export function constKey(e: Expr): string {
  switch (e.type) {
    case 'IntLit':
      return `i:${e.value}`;
    case 'FloatLit':
      return `f:${e.value}`;
    case 'StringLit':
      return `s:${JSON.stringify(e.value)}`;
    case 'CharLit':
      return `c:${e.value}`;
    case 'BoolLit':
      return `b:${e.value}`;
    case 'UnitLit':
      return 'u';
    case 'ArrayLit':
      return `a:[${e.items.map(constKey).join(',')}]`;
    case 'MapLit':
      return `m:{${[...e.entries]
        .sort((a, b) => (a.key < b.key ? -1 : 1))
        .map((x) => `${JSON.stringify(x.key)}:${constKey(x.value)}`)
        .join(',')}}`;
    default:
      return `?${e.type}`;
  }
}

/** The end of a range written without one (`2..`): the largest INT. */
function openBound(pos: SrcPos): Expr {
  return { type: 'IntLit', value: I64_MAX, pos };
}

/** `b` starts right after `a` (one column further on the same line). */
function adjacent(a: SrcPos, b: SrcPos): boolean {
  const pa = toPosition(a);
  const pb = toPosition(b);
  return pa.line === pb.line && pb.column === pa.column + 1;
}

/**
 * Indexing a literal with an index that can never work for it is a parse error, as in Rhai: an
 * array literal takes integers (or ranges), a map literal takes strings.
 */
function checkIndexType(target: Expr, index: Expr): void {
  if (target.type !== 'ArrayLit' && target.type !== 'MapLit') return;
  // Literals an index can be: an integer for arrays, a string for maps.
  const right = target.type === 'ArrayLit' ? 'IntLit' : 'StringLit';
  const wrong = (isLiteral(index) && index.type !== right) || isBoolValued(index);
  if (wrong) {
    const what =
      target.type === 'ArrayLit'
        ? 'Array access expects integer index'
        : 'Object map access expects string index';
    throw RhaiError.parse('MalformedIndexExpr', `${what}`, toPosition(index.pos));
  }
}

function isBoolValued(e: Expr): boolean {
  return (
    e.type === 'BoolLit' || (e.type === 'Logical' && e.op !== '??') || (e.type === 'Unary' && e.op === '!')
  );
}

/** Length of a string in UTF-8 bytes. */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
