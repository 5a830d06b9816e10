/**
 * How the trigger scheduler runs a script. The manager decides *when* a trigger fires; the
 * orchestrator runs the script on the executor and records the run in the execution log (it alone
 * holds the live scripts). The appliance injects the orchestrator's runner when it starts the
 * scheduler, so the manager never imports the orchestrator.
 */
import type { ScriptTrigger } from '../../contracts/executor.js';
import type { ExecutionError } from '../logs/execution-record.js';

/** The outcome of a triggered run: any error result is a failed attempt. */
export type TriggeredOutcome = { ok: true } | { ok: false; error: ExecutionError };

/**
 * Runs `scriptId` of `appId` for a trigger, with `payload` as the request body (`ctx.body`) and
 * `trigger` as `ctx.trigger`; resolves once the run is over (never rejects for a failed run).
 */
export type TriggerRunner = (
  appId: string,
  scriptId: string,
  trigger: ScriptTrigger,
  payload: unknown,
) => Promise<TriggeredOutcome>;
