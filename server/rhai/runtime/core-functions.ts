/**
 * Built-in functions the core provides as natives too, so they also work through function pointers
 * (`Fn("type_of").call(x)`) and in method style. The compiler handles direct calls itself.
 */
import type { NativeCallContext, NativeFnDef } from './native.js';
import { debugString, displayString, typeOf, type Value } from './value.js';

/** Hooks the core functions need from the running engine. */
export interface CoreHooks {
  print(s: string): void;
  debug(s: string, ctx: NativeCallContext): void;
}

/** The core natives. */
export function coreFunctions(hooks: CoreHooks): NativeFnDef[] {
  return [
    { name: 'type_of', params: ['any'], fn: (_ctx, [v]) => typeOf(v) },
    {
      name: 'print',
      params: ['any'],
      fn: (_ctx, [v]): Value => {
        hooks.print(displayString(v));
        return undefined;
      },
    },
    {
      name: 'debug',
      params: ['any'],
      fn: (ctx, [v]): Value => {
        hooks.debug(debugString(v), ctx);
        return undefined;
      },
    },
  ];
}
