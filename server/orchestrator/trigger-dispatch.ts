/**
 * Runs a script for a cron or queue trigger — the orchestrator's path to the executor without an HTTP
 * request: the job is built from the in-memory routing snapshot (no database query), its request is a
 * `GET /` (cron) or a `POST /` whose body is the message payload (queue), `ctx.trigger` says why the
 * script runs, and the run is recorded in the execution log with trigger `cron` or `queue`.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ExecutionLimits, ExecutorClient } from '../contracts/executor.js';
import type { Database } from '../db/schema.js';
import type { ExecutionLogSink } from '../manager/logs/execution-record.js';
import type { TriggeredOutcome, TriggerRunner } from '../manager/triggers/trigger-runner.js';
import { runAndRecord, runError } from './dispatch.js';
import type { RoutingCache } from './routing-cache.js';
import { reloadScript } from './routing-snapshot.js';

/** What triggered runs need. */
export interface TriggerDispatchDeps {
  /** Read once when a trigger names a script the snapshot does not know yet (created a moment ago). */
  db: Kysely<Database>;
  executor: ExecutorClient;
  logSink: ExecutionLogSink;
  limits: ExecutionLimits;
  routing: RoutingCache;
}

/**
 * Creates the runner the trigger scheduler calls.
 * @example const run = createTriggerRunner(deps); await run(appId, scriptId, { kind: 'cron', … }, null);
 */
export function createTriggerRunner(deps: TriggerDispatchDeps): TriggerRunner {
  return async (appId, scriptId, trigger, payload): Promise<TriggeredOutcome> => {
    let snapshot = deps.routing.snapshot;
    if (!snapshot.scripts.has(scriptId) || !snapshot.apps.has(appId)) {
      // A script created just before its trigger fired may not have reached the snapshot yet.
      await deps.routing.settled();
      snapshot = deps.routing.snapshot;
      if (!snapshot.scripts.has(scriptId)) await reloadScript(deps.db, snapshot, scriptId);
    }
    const script = snapshot.scripts.get(scriptId);
    const app = snapshot.apps.get(appId);
    if (!script || !app || script.appId !== appId) {
      return {
        ok: false,
        error: { code: 'PICLOUD_ERR_SCRIPT_NOT_FOUND', message: `No script with id ${scriptId}` },
      };
    }
    if (script.kind !== 'endpoint') {
      return {
        ok: false,
        error: {
          code: 'PICLOUD_ERR_SCRIPT_NOT_ENDPOINT',
          message: `"${script.name}" is a module: only endpoints run`,
        },
      };
    }
    const { result } = await runAndRecord(deps, {
      app,
      script,
      request: {
        method: trigger.kind === 'queue' ? 'POST' : 'GET',
        path: '/',
        params: {},
        query: {},
        headers: {},
        body: payload ?? null,
        app: { id: app.id, slug: app.slug },
        request_id: randomUUID(),
        trigger,
      },
      trigger: trigger.kind === 'queue' ? 'queue' : 'cron',
    });
    const error = runError(result);
    return error === null ? { ok: true } : { ok: false, error };
  };
}
