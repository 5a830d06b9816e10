/**
 * How the SDK modules reach the script services: the engines are cached per set of limits, so their
 * modules are registered once and find the run in progress through a `ServiceBinding` the runner
 * fills before each run. Also the one error type of the SDK and the cost of a call in operations.
 */
import type { ServiceCall, ServiceOutcome, SyncServiceClient } from '../../contracts/script-services.js';
import { type NativeCallContext, RhaiError, Suspension, type Value } from '../../rhai/index.js';
import { SERVICE_UNAVAILABLE } from '../service-bridge.js';

/**
 * Operations one service call counts, on top of the call itself: a loop of calls is bounded by the
 * operation budget (5,000 calls with the default 5,000,000), not only by the deadline.
 */
export const SERVICE_CALL_OPERATIONS = 1_000;

/** The reason of an SDK error raised before any call: a wrong argument or a value that is not JSON. */
export const BAD_ARGUMENTS = 'BAD_ARGUMENTS';

/** The services of the run in progress (none between runs). */
export class ServiceBinding {
  private client: SyncServiceClient | null = null;
  private deadline = Number.POSITIVE_INFINITY;

  /** A run starts: its calls go to `client` (null: every call fails with `SERVICE_UNAVAILABLE`). */
  begin(client: SyncServiceClient | null, deadline: number): void {
    this.client = client;
    this.deadline = deadline;
  }

  /** The run is over. */
  end(): void {
    this.client = null;
    this.deadline = Number.POSITIVE_INFINITY;
  }

  /**
   * Asks for `call` for the function `label` (e.g. `kv::set`): returns a `Suspension` (as the
   * native's result) whose answer, the service's outcome, becomes `then(value)`. Where the run can
   * suspend the worker runs other scripts meanwhile; elsewhere the engine waits in place. A failed
   * outcome is a catchable `ScriptServiceError`; a call that ran out the run's time ends the run
   * (ErrorTerminated, which scripts cannot catch), as the engine's own deadline does.
   */
  call(ctx: NativeCallContext, label: string, call: ServiceCall, then: (value: unknown) => Value): Value {
    // Counted first: a runaway loop of calls stops before making one more.
    ctx.addOperations(SERVICE_CALL_OPERATIONS);
    if (this.client === null) return then(this.settle(ctx, label, SERVICE_UNAVAILABLE));
    const suspension = new Suspension(call, (outcome) =>
      then(this.settle(ctx, label, outcome as ServiceOutcome)),
    );
    return suspension as unknown as Value;
  }

  /** The value of a successful outcome; else the error it means. */
  private settle(ctx: NativeCallContext, label: string, outcome: ServiceOutcome): unknown {
    if (outcome.ok) return outcome.value;
    if (outcome.reason === 'TIMEOUT' || Date.now() > this.deadline) {
      throw new RhaiError('ErrorTerminated', 'Script terminated', ctx.position);
    }
    throw new ScriptServiceError(label, outcome.reason, outcome.message).at(ctx.position);
  }
}

/**
 * An error of an SDK function: a failed service call or an invalid argument. Scripts catch it like
 * any runtime error; the caught value is `#{ message, reason }`, so `err.reason` tells what failed
 * without parsing the message. Uncaught, the run fails with `PICLOUD_ERR_SCRIPT_RUNTIME` and the
 * reason in its details.
 *
 * @example
 * // kv::set failed (KV_VALUE_TOO_LARGE): the value is 70000 bytes, over the limit of 65536
 */
export class ScriptServiceError extends RhaiError {
  /** Stable machine-readable reason (`KV_VALUE_TOO_LARGE`, `BAD_ARGUMENTS`…). */
  readonly reason: string;

  constructor(label: string, reason: string, detail: string) {
    const message = `${label} failed (${reason}): ${detail}`;
    const value = new Map<string, Value>([
      ['message', message],
      ['reason', reason],
    ]);
    super('ErrorRuntime', message, null, value);
    this.reason = reason;
  }
}

/** An invalid argument of `label`. */
export function invalidArgument(label: string, detail: string): ScriptServiceError {
  return new ScriptServiceError(label, BAD_ARGUMENTS, detail);
}
