/**
 * Calling script callbacks from natives (`map`, `filter`, `reduce`, `for_each`...) the way Rhai
 * does: the callee decides which arguments it receives. A closure `|v, i|` gets the element and
 * its index, `|v|` only the element, and `||` (or `|i|`) gets the element bound to `this` —
 * which is how `a.for_each(|| this *= 2)` updates the array in place.
 */
import { RhaiError } from '../errors.js';
import type { NativeCallContext } from '../runtime/native.js';
import { FnPtr, type Value } from '../runtime/value.js';

/** A callback argument: a function pointer or (older Rhai style) the name of a function. */
export function asFnPtr(v: Value): FnPtr {
  if (v instanceof FnPtr) return v;
  if (typeof v === 'string') return new FnPtr(v);
  throw RhaiError.mismatch('Expected a function pointer');
}

/** Rhai treats any non-`bool` predicate result as `false`. */
export function isTrue(v: Value): boolean {
  return v === true;
}

/** How the callee receives its arguments. */
type Shape = 'element+extras' | 'element' | 'this+extras' | 'this' | 'extras' | 'plain';

/** Where the element goes: moved into the argument list (at a position), or bound to `this` only. */
export interface CallbackLayout {
  /** Position in the argument list where the element is inserted, or null when it can only be `this`. */
  readonly elementAt: number | null;
  /** Whether calls pass an element at all (false for `zip`, which passes plain arguments). */
  readonly hasElement: boolean;
}

const NO_ARGS: Value[] = [];

/** Layout of element callbacks: `f(element, index)` or `this = element; f(index)`. */
export const ELEMENT_FIRST: CallbackLayout = { elementAt: 0, hasElement: true };

/**
 * One callback used repeatedly within a native call. The argument shape is decided on the first
 * invocation and reused, so the (possibly expensive) probing happens once.
 */
export class Callback {
  private shape: Shape | undefined;

  constructor(
    private readonly ctx: NativeCallContext,
    readonly fn: FnPtr,
    private readonly layout: CallbackLayout,
  ) {}

  /**
   * Invoke the callback. `fixed` are the leading arguments (e.g. a reducer's accumulator),
   * `element` the element (its `value` is updated when the callee mutates `this`), `extras` the
   * optional trailing arguments (the index).
   */
  invoke(fixed: Value[], element: { value: Value } | null, extras: Value[]): Value {
    if (this.shape === undefined) this.shape = this.chooseShape(fixed.length, extras.length);
    return this.run(this.shape, fixed, element, extras);
  }

  /**
   * Invoke the callback on element `i` of an array, passing the index as the optional extra
   * argument and writing back any change the callee makes through `this`. Element-first calls,
   * by far the most common, take a fast path without intermediate objects.
   */
  invokeOnElement(array: Value[], i: number, fixed: Value[] = NO_ARGS): Value {
    if (this.shape === undefined) this.shape = this.chooseShape(fixed.length, 1);
    if (fixed.length === 0) {
      if (this.shape === 'element') return this.ctx.callFnPtr(this.fn, [array[i]]);
      if (this.shape === 'element+extras') return this.ctx.callFnPtr(this.fn, [array[i], i]);
    }
    const ref = { value: array[i] };
    const result = this.run(this.shape, fixed, ref, [i]);
    if (ref.value !== array[i]) array[i] = ref.value;
    return result;
  }

  /**
   * The first argument shape the callee accepts, most specific first (as Rhai tries them). When
   * none fits, the plainest form is used so the engine reports the missing function.
   */
  private chooseShape(fixed: number, extras: number): Shape {
    const candidates = this.candidates(fixed, extras);
    for (const [shape, arity] of candidates) {
      if (this.ctx.fnPtrAcceptsArgs(this.fn, arity)) return shape;
    }
    return candidates[Math.min(1, candidates.length - 1)][0];
  }

  /** The argument shapes to try, most specific first, with the argument count each passes. */
  private candidates(fixed: number, extras: number): [Shape, number][] {
    const out: [Shape, number][] = [];
    if (this.layout.hasElement) {
      if (this.layout.elementAt !== null) {
        if (extras > 0) out.push(['element+extras', fixed + 1 + extras]);
        out.push(['element', fixed + 1]);
      }
      if (extras > 0) out.push(['this+extras', fixed + extras]);
      out.push(['this', fixed]);
    } else {
      if (extras > 0) out.push(['extras', fixed + extras]);
      out.push(['plain', fixed]);
    }
    return out;
  }

  private run(shape: Shape, fixed: Value[], element: { value: Value } | null, extras: Value[]): Value {
    const ctx = this.ctx;
    switch (shape) {
      case 'element+extras':
      case 'element': {
        const value = element === null ? undefined : element.value;
        // The common case (element first, at most an index) builds its argument list directly:
        // these callbacks run once per element, so avoiding intermediate arrays matters.
        if (fixed.length === 0) {
          if (shape === 'element') return ctx.callFnPtr(this.fn, [value]);
          return ctx.callFnPtr(this.fn, extras.length === 1 ? [value, extras[0]] : [value, ...extras]);
        }
        const at = this.layout.elementAt ?? 0;
        const args = fixed.slice(0, at);
        args.push(value);
        for (let k = at; k < fixed.length; k++) args.push(fixed[k]);
        if (shape === 'element+extras') args.push(...extras);
        return ctx.callFnPtr(this.fn, args);
      }
      case 'this+extras':
      case 'this': {
        const ref = element ?? { value: undefined };
        const args = shape === 'this+extras' ? [...fixed, ...extras] : fixed;
        return ctx.callFnPtrWithThis(this.fn, ref, args);
      }
      case 'extras':
        return ctx.callFnPtr(this.fn, [...fixed, ...extras]);
      case 'plain':
        return ctx.callFnPtr(this.fn, fixed);
      default: {
        const never: never = shape;
        throw new Error(`unknown callback shape ${String(never)}`);
      }
    }
  }
}
