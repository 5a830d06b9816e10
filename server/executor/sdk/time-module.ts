/**
 * `time::` — the wall clock (SDK 1.2): the current time as an integer of milliseconds since the Unix
 * epoch (UTC), RFC 3339 text in and out, and patterns in any IANA time zone. Rhai's own
 * `timestamp()` stays what it is: a monotonic clock for measuring durations.
 */
import type { HostModule, Value } from '../../rhai/index.js';
import { integerArg, type SdkFn, sdkFunction, stringArg, stringOf } from './sdk-values.js';
import { invalidArgument } from './service-binding.js';
import {
  checkTimeZone,
  formatTime,
  isoText,
  MAX_TIMESTAMP,
  MIN_TIMESTAMP,
  parseRfc3339,
  TimeTextError,
} from './time-text.js';

/** A timestamp argument: integer milliseconds within the years 0000–9999. */
function timestampArg(label: string, v: Value): number {
  const ts = integerArg(label, 'the timestamp', v);
  if (ts < MIN_TIMESTAMP || ts > MAX_TIMESTAMP) {
    throw invalidArgument(label, 'the timestamp is outside the years 0000 to 9999');
  }
  return ts;
}

/** Runs `body`, turning a refused text or pattern into the function's BAD_ARGUMENTS error. */
function checked<T>(label: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof TimeTextError) throw invalidArgument(label, error.message);
    throw error;
  }
}

const format: SdkFn = (ctx, args, label) => {
  const ts = timestampArg(label, args[0]);
  const pattern = stringArg(label, 'the pattern', args[1]);
  const zone = args.length > 2 ? stringArg(label, 'the time zone', args[2]) : 'UTC';
  ctx.addOperations(pattern.length);
  return stringOf(
    ctx,
    checked(label, () => {
      checkTimeZone(zone);
      return formatTime(ts, pattern, zone);
    }),
  );
};

/** The `time` module. */
export function timeModule(): HostModule {
  return {
    functions: [
      sdkFunction('time', 'now', 0, () => Date.now()),
      sdkFunction('time', 'iso', 1, (_ctx, [ts], label) => isoText(timestampArg(label, ts))),
      sdkFunction('time', 'parse', 1, (_ctx, [text], label) =>
        checked(label, () => parseRfc3339(stringArg(label, 'the text', text))),
      ),
      sdkFunction('time', 'format', 2, format),
      sdkFunction('time', 'format', 3, format),
    ],
  };
}
