/**
 * One script run on the executor's real `ScriptRunner` (the engine and SDK modules a worker uses),
 * in-process: for tests of what a script sees and gets back, without threads or an appliance.
 */
import { expect } from 'vitest';
import type {
  ExecutionJob,
  ExecutionLimits,
  ExecutionReport,
  ScriptTrigger,
} from '../../server/contracts/executor.js';
import type { SyncServiceClient } from '../../server/contracts/script-services.js';
import { ScriptRunner } from '../../server/executor/run-script.js';

/** Small limits, so that tests of the limits stay fast. */
export const TEST_LIMITS: ExecutionLimits = {
  maxOperations: 100_000,
  timeoutMs: 1_000,
  maxResponseBytes: 100_000,
  // Also the cap on an error's message: room for the SDK's longest ones.
  maxOutputBytes: 1_000,
  maxCallLevels: 32,
  maxStringSize: 1_000,
  maxArraySize: 100,
  maxMapSize: 100,
};

const runner = new ScriptRunner();
let id = 0;

/** Runs `source` as an endpoint of app `app-1` for `GET /p`. */
export function runScript(
  source: string,
  options: {
    client?: SyncServiceClient;
    trigger?: ScriptTrigger;
    limits?: Partial<ExecutionLimits>;
    /** Another runner than the shared one (e.g. one that runs as a given node). */
    runner?: ScriptRunner;
  } = {},
): ExecutionReport {
  id += 1;
  const job: ExecutionJob = {
    script: { id: `s${id}`, version: 1, name: `s${id}`, source },
    request: {
      method: 'GET',
      path: '/p',
      params: {},
      query: {},
      headers: {},
      body: null,
      app: { id: 'app-1', slug: 'one' },
      request_id: 'r',
      ...(options.trigger ? { trigger: options.trigger } : {}),
    },
    limits: { ...TEST_LIMITS, ...options.limits },
  };
  return (options.runner ?? runner).run(job, options.client);
}

/** The script's value, as JSON (a text or bytes response as it is). */
export function scriptValue(report: ExecutionReport): unknown {
  expect(report.result.ok, JSON.stringify(report.result)).toBe(true);
  if (!report.result.ok) return undefined;
  const { headers, body } = report.result.response;
  return headers['content-type']?.startsWith('application/json') ? JSON.parse(String(body)) : body;
}

/** The failure of a run. */
export function scriptFailure(report: ExecutionReport) {
  expect(report.result.ok, JSON.stringify(report.result)).toBe(false);
  if (report.result.ok) throw new Error('the run succeeded');
  return report.result.error;
}
