/**
 * The data-plane services a script reaches with `kv::`, `secret::`, `http::` and `queue::`. The
 * executor never touches the database: from its worker thread it calls these synchronously through a
 * bridge (the worker blocks on Atomics.wait while its main thread performs the call), and the manager
 * implements them. The app is always the job's (`job.request.app.id`), never a script argument, so
 * one app can never reach another's data.
 *
 * Every value crossing this boundary is plain JSON (structured clone between threads, JSON over the
 * wire in cluster mode).
 */

/** A service. */
export type ServiceName = 'kv' | 'secret' | 'http' | 'queue';

/**
 * One call. The operations and their arguments (all JSON):
 * - kv.get `[collection, key]` → value or null
 * - kv.set `[collection, key, value, ttlSeconds | null]` → null
 * - kv.delete `[collection, key]` → true when an entry was deleted
 * - kv.list `[collection, {prefix?, cursor?, limit?}]` → `{items: [{key, value}], next_cursor}`
 * - kv.incr `[collection, key, by]` → the new integer value (a missing entry counts as 0)
 * - secret.get `[name]` → the value, or null when the app has no such secret
 * - http.request `[{method, url, headers, body, timeout_ms}]` → `{status, headers, body}`
 * - queue.send `[queue, payload]` → the message id
 *
 * What the SDK (`server/executor/sdk/`) sends, exactly: strings where names are expected; `ttlSeconds`
 * a whole number ≥ 1 or null; kv.list's options carry only the keys the script set (`cursor` left out
 * when the script passed `()`); kv.incr's `by` an integer within ±2^53−1 (1 by default). http.request
 * always has all five fields: `method` upper-cased (GET by default), `url` an absolute http(s) URL,
 * `headers` an object of strings (maybe empty), `body` any JSON (a string is sent as is, anything
 * else as JSON; null: none), `timeout_ms` a positive integer or null (the service's default). Its
 * answer's `body` is the response text and `headers` has lower-case names: the SDK parses a JSON
 * content type into a value itself.
 */
export interface ServiceCall {
  service: ServiceName;
  op: string;
  args: unknown[];
}

/** The result of a call: a value, or an error the script sees as a Rhai runtime error. */
export type ServiceOutcome =
  | { ok: true; value: unknown }
  | {
      ok: false;
      /** Human message, safe to show to the script (never a secret). */
      message: string;
      /**
       * Stable machine-readable reason, e.g. `KV_VALUE_TOO_LARGE`, `HTTP_HOST_NOT_ALLOWED`, `TIMEOUT`.
       * The bridge itself answers `SERVICE_UNAVAILABLE` (no services injected), `TIMEOUT` (the run's
       * deadline passed: the script's run then ends as timed out) and `INTERNAL` (the service threw
       * or answered something that is not an outcome).
       */
      reason: string;
    };

/** The appliance side (manager): performs calls for an app. */
export interface ScriptServices {
  /**
   * Performs one call for `appId`. Must settle by `deadline` (epoch milliseconds: the run's own
   * deadline); past it the bridge answers `TIMEOUT` to the script anyway.
   */
  call(appId: string, call: ServiceCall, deadline: number): Promise<ServiceOutcome>;
}

/** The worker side: a blocking call (used by the Rhai modules while a script runs). */
export interface SyncServiceClient {
  call(call: ServiceCall): ServiceOutcome;
}
