/**
 * The `kv` script service: what answers `kv::get`, `kv::set`, `kv::delete`, `kv::list` and
 * `kv::incr` (argument shapes in `server/contracts/script-services.ts`). The app is the caller's
 * (`request.appId`), never an argument.
 */
import { ServiceError, type ServiceHandler, serviceOps } from '../services/script-services.js';
import type { KvStore } from './kv-store.js';

/**
 * What the handler needs of a store: the appliance's `KvStore` (PostgreSQL), or the in-memory one
 * `picloud rhai run` uses; both check names, values and TTLs the same way.
 */
export type KvOperations = Pick<KvStore, 'get' | 'set' | 'delete' | 'list' | 'incr'>;

/** The options `kv.list` accepts. */
const LIST_OPTIONS = ['prefix', 'cursor', 'limit'];

/** Checks the number of arguments: between `min` and `max`. */
function arity(op: string, args: unknown[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    const expected = min === max ? `${min}` : `${min} to ${max}`;
    throw new ServiceError('BAD_ARGUMENTS', `${op} takes ${expected} arguments, not ${args.length}`);
  }
}

function listOptions(options: unknown): { prefix?: string; cursor?: string | null; limit?: number } {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new ServiceError('BAD_ARGUMENTS', 'the options must be a map #{prefix, cursor, limit}');
  }
  const unknown = Object.keys(options).filter((name) => !LIST_OPTIONS.includes(name));
  if (unknown.length > 0) {
    throw new ServiceError(
      'BAD_ARGUMENTS',
      `the options hold an unknown name (known: ${LIST_OPTIONS.join(', ')})`,
    );
  }
  return options as { prefix?: string; cursor?: string | null; limit?: number };
}

/**
 * The handler to register as `kv`.
 * @example services.register('kv', kvHandler(new KvStore(db, { maxValueBytes: 65536 })));
 */
export function kvHandler(store: KvOperations): ServiceHandler {
  return serviceOps('kv', {
    get: ({ appId, op, args }) => {
      arity(op, args, 2);
      return store.get(appId, args[0], args[1]);
    },
    set: async ({ appId, op, args }) => {
      arity(op, args, 3, 4);
      await store.set(appId, args[0], args[1], args[2], args[3] ?? null);
      return null;
    },
    delete: ({ appId, op, args }) => {
      arity(op, args, 2);
      return store.delete(appId, args[0], args[1]);
    },
    list: async ({ appId, op, args }) => {
      arity(op, args, 1, 2);
      const page = await store.list(appId, args[0], listOptions(args[1]));
      return {
        items: page.items.map((entry) => ({ key: entry.key, value: entry.value })),
        next_cursor: page.next_cursor,
      };
    },
    incr: ({ appId, op, args }) => {
      arity(op, args, 2, 3);
      return store.incr(appId, args[0], args[1], args[2] ?? 1);
    },
  });
}
