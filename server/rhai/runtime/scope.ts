/**
 * A host-visible variable scope: the host pushes variables/constants before a run, and top-level
 * `let`/`const` of the script are written back into it afterwards (so a REPL can keep state).
 */
import { fromJs, toJs } from '../convert.js';
import { RhaiError } from '../errors.js';
import type { Value } from './value.js';

/** One scope entry. */
export interface ScopeEntry {
  name: string;
  value: Value;
  constant: boolean;
}

/** Variables shared between host and script runs. Later entries shadow earlier ones of the same name. */
export class Scope {
  /** @internal entries in push order */
  readonly entries: ScopeEntry[] = [];

  /** Add a variable (JS value, converted). */
  push(name: string, value: unknown): this {
    this.entries.push({ name, value: fromJs(value), constant: false });
    return this;
  }

  /** Add a constant (JS value, converted); scripts cannot assign it. */
  pushConstant(name: string, value: unknown): this {
    this.entries.push({ name, value: fromJs(value), constant: true });
    return this;
  }

  /** Add a variable holding a Rhai value as-is. */
  pushValue(name: string, value: Value, constant = false): this {
    this.entries.push({ name, value, constant });
    return this;
  }

  /** The innermost entry with this name. */
  entry(name: string): ScopeEntry | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      if (this.entries[i].name === name) return this.entries[i];
    }
    return undefined;
  }

  /** True when a variable of this name exists. */
  has(name: string): boolean {
    return this.entry(name) !== undefined;
  }

  /** A variable's value converted to JS (undefined when absent). */
  get(name: string): unknown {
    const e = this.entry(name);
    return e === undefined ? undefined : toJs(e.value);
  }

  /** A variable's Rhai value. */
  getValue(name: string): Value {
    return this.entry(name)?.value;
  }

  /** Set a variable (pushing it when absent); constants cannot be set. */
  set(name: string, value: unknown): this {
    return this.setValue(name, fromJs(value));
  }

  /** Set a variable to a Rhai value (pushing it when absent). */
  setValue(name: string, value: Value): this {
    const e = this.entry(name);
    if (e === undefined) this.entries.push({ name, value, constant: false });
    else if (e.constant) throw new RhaiError('ErrorAssignmentToConstant', `Cannot modify constant ${name}`);
    else e.value = value;
    return this;
  }

  /** True when the innermost variable of this name is a constant. */
  isConstant(name: string): boolean {
    return this.entry(name)?.constant ?? false;
  }

  /** Names in push order (duplicates included). */
  names(): string[] {
    return this.entries.map((e) => e.name);
  }

  /** Number of entries. */
  get length(): number {
    return this.entries.length;
  }

  /** Remove everything. */
  clear(): this {
    this.entries.length = 0;
    return this;
  }
}
