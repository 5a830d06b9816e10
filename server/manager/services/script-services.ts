/**
 * The manager's side of the script services (`server/contracts/script-services.ts`): a registry that
 * answers each call from a running script by handing it to the handler of its service (`kv`, and
 * whatever other modules `register`: `queue`, `secret`, `http`).
 *
 * A handler returns the call's value or throws a {@link ServiceError}, which the script sees as a
 * Rhai error with that reason and message. Anything else a handler throws is a bug or an outage: the
 * script gets `INTERNAL` with a message that reveals nothing, and the error is reported to `onError`
 * — except that the database cannot be reached (PostgreSQL stopped or restarting): the script gets
 * `DATABASE_UNAVAILABLE`, and `onUnavailable` hears the kind of failure (see outage-log.ts, which
 * turns a burst of them into one warning line).
 * Every call settles by its deadline: a handler still running then is abandoned (its `signal` aborts)
 * and the answer is `TIMEOUT`.
 *
 * @example
 * const services = new ScriptServiceRegistry({ onError: (error, call) => log.error({ err: error, ...call }) });
 * services.register('kv', kvHandler(store));
 * await services.call(appId, { service: 'kv', op: 'get', args: ['users', 'ada'] }, Date.now() + 5000);
 */
import type {
  ScriptServices,
  ServiceCall,
  ServiceName,
  ServiceOutcome,
} from '../../contracts/script-services.js';
import { type UnreachableDatabase, unreachableDatabase } from '../../db/unreachable.js';

/** Reasons every service may answer, besides its own (`KV_…`, `HTTP_…`). */
export const SERVICE_REASONS = {
  /** No handler is registered for the service (or it is switched off). */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /** The service has no such operation. */
  UNKNOWN_OPERATION: 'UNKNOWN_OPERATION',
  /** Wrong number or types of arguments. */
  BAD_ARGUMENTS: 'BAD_ARGUMENTS',
  /** The run's deadline passed before the call was answered. */
  TIMEOUT: 'TIMEOUT',
  /** An unexpected failure, logged on the appliance; the message reveals nothing. */
  INTERNAL: 'INTERNAL',
  /** The appliance's database cannot be reached right now (stopped, restarting): try again later. */
  DATABASE_UNAVAILABLE: 'DATABASE_UNAVAILABLE',
} as const;

/**
 * An expected failure of a call, shown to the script: `reason` is stable and machine-readable,
 * `message` human and safe (never a secret, a SQL text or a stack).
 * @example throw new ServiceError('KV_INVALID_KEY', 'the key must not be empty');
 */
export class ServiceError extends Error {
  /** Stable machine-readable reason, e.g. `KV_VALUE_TOO_LARGE`. */
  readonly reason: string;

  /**
   * @param cause what the appliance's log should say about it (paths, file modes): reported to the
   * registry's `onError`, never shown to the script.
   */
  constructor(reason: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ServiceError';
    this.reason = reason;
  }
}

/** One call as a handler receives it. */
export interface ServiceRequest {
  /** The app of the running script (from the job, never from the script). */
  appId: string;
  /** The operation, e.g. `get`. */
  op: string;
  /** Its JSON arguments. */
  args: unknown[];
  /** Epoch milliseconds by which the answer is useless. */
  deadline: number;
  /** Aborts at the deadline: pass it to anything cancellable (fetch, a query). */
  signal: AbortSignal;
}

/** Performs the calls of one service: returns the value (JSON) or throws a {@link ServiceError}. */
export type ServiceHandler = (request: ServiceRequest) => unknown;

/** Where the registry reports unexpected failures (with the call, never its arguments). */
export type ServiceErrorReporter = (
  error: unknown,
  call: { appId: string; service: string; op: string },
) => void;

/** Where the registry reports calls that failed because the database cannot be reached. */
export type ServiceUnavailableReporter = (
  failure: UnreachableDatabase,
  call: { appId: string; service: string; op: string },
) => void;

/**
 * A handler made of one function per operation; an operation not in `ops` answers
 * `UNKNOWN_OPERATION` listing the known ones.
 * @example register('kv', serviceOps('kv', { get: ({ appId, args }) => store.get(appId, ...) }))
 */
export function serviceOps(service: string, ops: Record<string, ServiceHandler>): ServiceHandler {
  const names = Object.keys(ops);
  return (request) => {
    if (!Object.hasOwn(ops, request.op)) {
      throw new ServiceError(
        SERVICE_REASONS.UNKNOWN_OPERATION,
        `${service} has no operation "${String(request.op).slice(0, 64)}" (known: ${names.join(', ')})`,
      );
    }
    return ops[request.op](request);
  };
}

function failure(reason: string, message: string): ServiceOutcome {
  return { ok: false, reason, message };
}

/** The manager's {@link ScriptServices}: dispatches each call to its service's handler. */
export class ScriptServiceRegistry implements ScriptServices {
  readonly #handlers = new Map<string, ServiceHandler>();
  readonly #onError: ServiceErrorReporter;
  readonly #onUnavailable: ServiceUnavailableReporter;

  constructor(options: { onError?: ServiceErrorReporter; onUnavailable?: ServiceUnavailableReporter } = {}) {
    this.#onError = options.onError ?? (() => undefined);
    this.#onUnavailable = options.onUnavailable ?? (() => undefined);
  }

  /**
   * Installs (or replaces) the handler of a service. Called by the module that owns the service
   * while the appliance is assembled.
   */
  register(service: ServiceName, handler: ServiceHandler): void {
    this.#handlers.set(service, handler);
  }

  /** Whether a service has a handler. */
  has(service: ServiceName): boolean {
    return this.#handlers.has(service);
  }

  /** Performs one call for `appId`; always settles, by `deadline` at the latest, and never throws. */
  async call(appId: string, call: ServiceCall, deadline: number): Promise<ServiceOutcome> {
    const service = typeof call?.service === 'string' ? call.service : '';
    const handler = this.#handlers.get(service);
    if (!handler) {
      return failure(
        SERVICE_REASONS.SERVICE_UNAVAILABLE,
        `The ${service.slice(0, 32) || 'requested'} service is not available`,
      );
    }
    if (typeof call.op !== 'string' || !Array.isArray(call.args)) {
      return failure(
        SERVICE_REASONS.BAD_ARGUMENTS,
        `${service}: a call needs an operation and an argument list`,
      );
    }
    const name = `${service}.${call.op.slice(0, 64)}`;
    const remaining = deadline - Date.now();
    if (!(remaining > 0)) return failure(SERVICE_REASONS.TIMEOUT, `${name}: the script ran out of time`);

    const controller = new AbortController();
    const run = (async (): Promise<ServiceOutcome> => {
      try {
        const value = await handler({
          appId,
          op: call.op,
          args: call.args,
          deadline,
          signal: controller.signal,
        });
        return { ok: true, value: value === undefined ? null : value };
      } catch (error) {
        if (error instanceof ServiceError) {
          if (error.cause !== undefined) this.#onError(error.cause, { appId, service, op: call.op });
          return failure(error.reason, error.message);
        }
        const unreachable = unreachableDatabase(error);
        if (unreachable !== null) {
          this.#onUnavailable(unreachable, { appId, service, op: call.op });
          return failure(
            SERVICE_REASONS.DATABASE_UNAVAILABLE,
            "the appliance's database cannot be reached right now; try again shortly",
          );
        }
        // A handler that stopped because its signal aborted is not a failure to report.
        if (!controller.signal.aborted) this.#onError(error, { appId, service, op: call.op });
        return failure(SERVICE_REASONS.INTERNAL, `${name} failed (internal error; see the appliance log)`);
      }
    })();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<ServiceOutcome>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve(failure(SERVICE_REASONS.TIMEOUT, `${name}: the script ran out of time`));
      }, remaining);
    });
    try {
      return await Promise.race([run, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
