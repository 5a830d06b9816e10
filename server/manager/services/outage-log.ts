/**
 * The appliance log's view of script-service calls failing because the database cannot be reached.
 * While PostgreSQL is down every `kv::` (`queue::`, `secret::`) call fails the same way, and a script
 * calling in a loop would write thousands of identical errors with stacks. Instead: one warning line
 * when a kind of failure (`ECONNREFUSED`, `57P01`…) first appears, then at most one line per kind a
 * minute, counting the calls it stands for. The scripts meanwhile get `DATABASE_UNAVAILABLE`.
 *
 * No timer: the next failure after the minute writes the next line (nothing happens when no call
 * fails).
 *
 * @example
 * const outage = createOutageLog((level, message, fields) => logger[level](fields, message));
 * new ScriptServiceRegistry({ onUnavailable: outage });
 */
import type { ServiceUnavailableReporter } from './script-services.js';

/** How long a kind of failure stays quiet after its line. */
export const OUTAGE_LOG_INTERVAL_MS = 60_000;

/** Writes one line to the appliance's log. */
export type OutageLogLine = (level: 'warn', message: string, fields: Record<string, unknown>) => void;

/** A reporter that logs each kind of failure once per {@link OUTAGE_LOG_INTERVAL_MS}. */
export function createOutageLog(
  log: OutageLogLine,
  now: () => number = Date.now,
): ServiceUnavailableReporter {
  const kinds = new Map<string, { loggedAt: number; quiet: number }>();
  return (failure, call) => {
    const at = now();
    const seen = kinds.get(failure.kind);
    if (seen !== undefined && at - seen.loggedAt < OUTAGE_LOG_INTERVAL_MS) {
      seen.quiet += 1;
      return;
    }
    const since = seen === undefined ? '' : `; ${seen.quiet} more calls failed so since the last line`;
    kinds.set(failure.kind, { loggedAt: at, quiet: 0 });
    log(
      'warn',
      `script services cannot reach the database (${failure.kind}: ${failure.message}): calls answer DATABASE_UNAVAILABLE until it is back${since}`,
      { kind: failure.kind, appId: call.appId, service: call.service, op: call.op },
    );
  };
}
