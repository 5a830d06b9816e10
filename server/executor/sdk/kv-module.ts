/**
 * `kv::` — the app's key-value store. Identity `(app, collection, key)`: the app is the running
 * job's, never an argument. Values are JSON.
 */
import type { HostModule, Value } from '../../rhai/index.js';
import {
  fromServiceJson,
  integerArg,
  optionsArg,
  type SdkFn,
  sdkFunction,
  stringArg,
  toServiceJson,
} from './sdk-values.js';
import { invalidArgument, type ServiceBinding } from './service-binding.js';

const def = (name: string, arity: number, fn: SdkFn) => sdkFunction('kv', name, arity, fn);

/** `#{ ttl: seconds }` → the TTL in whole seconds, or null without one. */
function ttlOption(label: string, options: Value): number | null {
  const ttl = optionsArg(label, options, ['ttl']).get('ttl');
  if (ttl === undefined) return null;
  const seconds = integerArg(label, 'the ttl', ttl);
  if (seconds < 1) throw invalidArgument(label, 'the ttl must be at least 1 second');
  return seconds;
}

/** `#{ prefix, cursor, limit }` → the list options, unset ones left out. */
function listOptions(label: string, options: Value): { prefix?: string; cursor?: string; limit?: number } {
  const map = optionsArg(label, options, ['prefix', 'cursor', 'limit']);
  const out: { prefix?: string; cursor?: string; limit?: number } = {};
  const prefix = map.get('prefix');
  if (prefix !== undefined) out.prefix = stringArg(label, 'the prefix', prefix);
  // `()` is what `next_cursor` is on the last page: passing it back starts from the beginning.
  const cursor = map.get('cursor');
  if (cursor !== undefined) out.cursor = stringArg(label, 'the cursor', cursor);
  const limit = map.get('limit');
  if (limit !== undefined) {
    out.limit = integerArg(label, 'the limit', limit);
    if (out.limit < 1) throw invalidArgument(label, 'the limit must be at least 1');
  }
  return out;
}

/** The `kv` module, calling through `services`. */
export function kvModule(services: ServiceBinding): HostModule {
  const names = (label: string, [collection, key]: Value[]) => [
    stringArg(label, 'the collection', collection),
    stringArg(label, 'the key', key),
  ];
  const set: SdkFn = (ctx, args, label) => {
    const [collection, key] = names(label, args);
    const value = toServiceJson(label, 'value', args[2]);
    const ttl = args.length > 3 ? ttlOption(label, args[3]) : null;
    return services.call(
      ctx,
      label,
      { service: 'kv', op: 'set', args: [collection, key, value, ttl] },
      () => undefined,
    );
  };
  const list: SdkFn = (ctx, args, label) => {
    const collection = stringArg(label, 'the collection', args[0]);
    const options = args.length > 1 ? listOptions(label, args[1]) : {};
    return services.call(ctx, label, { service: 'kv', op: 'list', args: [collection, options] }, (page) =>
      fromServiceJson(ctx, label, page),
    );
  };
  const incr: SdkFn = (ctx, args, label) => {
    const [collection, key] = names(label, args);
    const by = args.length > 2 ? integerArg(label, 'the increment', args[2]) : 1;
    return services.call(ctx, label, { service: 'kv', op: 'incr', args: [collection, key, by] }, (value) =>
      fromServiceJson(ctx, label, value),
    );
  };
  return {
    suspends: true,
    functions: [
      def('get', 2, (ctx, args, label) =>
        services.call(ctx, label, { service: 'kv', op: 'get', args: names(label, args) }, (value) =>
          fromServiceJson(ctx, label, value),
        ),
      ),
      def('set', 3, set),
      def('set', 4, set),
      def('delete', 2, (ctx, args, label) =>
        services.call(
          ctx,
          label,
          { service: 'kv', op: 'delete', args: names(label, args) },
          (deleted) => deleted === true,
        ),
      ),
      def('list', 1, list),
      def('list', 2, list),
      def('incr', 2, incr),
      def('incr', 3, incr),
    ],
  };
}
