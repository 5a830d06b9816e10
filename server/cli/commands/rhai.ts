/**
 * `picloud rhai run FILE` runs a script as its endpoint would on the appliance — `ctx` from the
 * options, the executor's own worker and SDK, local `kv::` and `secret::` — and prints its response;
 * `picloud rhai repl` is an interactive shell with the same SDK. Both apply the appliance's limits
 * (from its settings) unless told otherwise. No appliance, no database.
 */
import { parseArgs } from 'node:util';
import { executionLimits } from '../../config/execution-limits.js';
import { loadConfig } from '../../config/load-config.js';
import { type Config, ConfigError } from '../../config/settings.js';
import type { ExecutionLimits } from '../../contracts/executor.js';
import { PicloudError } from '../../errors/catalogue.js';
import { isSecretName } from '../../manager/secrets/secret-store.js';
import { startRepl } from '../../rhai/tools/repl.js';
import { EXIT, wantsHelp } from '../exit-codes.js';
import { buildScriptRequest, UsageError } from '../rhai/endpoint-request.js';
import { localScriptServices } from '../rhai/local-services.js';
import { KvFileError, MemoryKvStore } from '../rhai/memory-kv-store.js';
import { runEndpoint } from '../rhai/run-endpoint.js';
import { WorkerReplEvaluator } from '../rhai/worker-evaluator.js';

export const RHAI_USAGE = `Usage:
  picloud rhai run FILE [options]   run a script as its endpoint would, print its response
  picloud rhai repl [options]       interactive Rhai shell (:help inside; Ctrl+C stops a running input)

The request a run gets as ctx:
  --method M              the method (GET)
  --path P                the path, with ?query if you like (/)
  --query NAME=VALUE      a query parameter (repeatable)
  --param NAME=VALUE      a route parameter, ctx.params.NAME (repeatable)
  --header 'Name: value'  a request header (repeatable)
  --body TEXT | @FILE     the body: this text, or the bytes of FILE. Without a content-type header it
                          is sent as application/json when it is valid JSON, else as text/plain.
  --request FILE          the request from a JSON file: {method, path, query, params, headers, body}
  --app SLUG              ctx.app.slug (local)
  -i, --include           print the response's status line and headers before its body

Services (run and repl):
  --kv FILE               keep the kv:: data in this JSON file (made on the first write); without it
                          the data lives in memory for this run only
  --secret NAME=VALUE     a secret for secret::get (repeatable)
  http:: calls go out from this machine; queue::send shows the message on stderr (nothing consumes it)

Limits (run: per run, repl: per input; 0 means none):
  --max-operations N      Rhai operations (default: PICLOUD_SCRIPT_MAX_OPERATIONS, 5000000)
  --timeout MS            wall-clock milliseconds (default: PICLOUD_SCRIPT_TIMEOUT_MS, 5000)

Output: what the script printed, then the response body; a failed run prints
file:line:column: kind: message with the source line and a caret on stderr and exits 1.
Modules: import "name" reads name.rhai beside the script.`;

/** A wall-clock "no limit" the executor can still arm a timer for (about 24 days). */
const NO_TIMEOUT_MS = 2_147_483_647;

const COMMON_OPTIONS = {
  kv: { type: 'string' },
  secret: { type: 'string', multiple: true },
  'max-operations': { type: 'string' },
  timeout: { type: 'string' },
} as const;

const RUN_OPTIONS = {
  ...COMMON_OPTIONS,
  method: { type: 'string' },
  path: { type: 'string' },
  query: { type: 'string', multiple: true },
  param: { type: 'string', multiple: true },
  header: { type: 'string', multiple: true },
  body: { type: 'string' },
  request: { type: 'string' },
  app: { type: 'string' },
  include: { type: 'boolean', short: 'i' },
} as const;

type CommonValues = {
  [K in keyof typeof COMMON_OPTIONS]?: (typeof COMMON_OPTIONS)[K] extends { multiple: true }
    ? string[]
    : string;
};

/** A non-negative integer option, or the default. */
function count(option: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(n) || n < 0) {
    throw new UsageError(`--${option} must be a whole number, 0 or more, not "${text}"`);
  }
  return n;
}

/** The limits: the appliance's, with the options' overrides. */
function limitsFrom(config: Config, values: CommonValues): ExecutionLimits {
  const limits = executionLimits(config);
  limits.maxOperations = count('max-operations', values['max-operations'], limits.maxOperations);
  const timeout = count('timeout', values.timeout, limits.timeoutMs);
  limits.timeoutMs = timeout === 0 ? 0 : Math.min(timeout, NO_TIMEOUT_MS);
  return limits;
}

/** The services of the run, from `--kv` and `--secret`. */
function servicesFrom(config: Config, values: CommonValues) {
  const secrets = new Map<string, string>();
  for (const text of values.secret ?? []) {
    const at = text.indexOf('=');
    const name = at === -1 ? text : text.slice(0, at);
    if (at <= 0 || !isSecretName(name)) {
      throw new UsageError(
        `--secret expects NAME=VALUE with a secret's name (letters, digits, _ . -), not "${text}"`,
      );
    }
    secrets.set(name, text.slice(at + 1));
  }
  return localScriptServices({
    kv: new MemoryKvStore({ maxValueBytes: config.kvMaxValueBytes, file: values.kv ?? null }),
    secrets,
    outbound: { timeoutMs: config.outboundTimeoutMs, maxResponseBytes: config.outboundMaxResponseBytes },
    onQueueMessage: (queue, payload, id) => {
      process.stderr.write(
        `queue::send to "${queue}" (message ${id}, not delivered locally): ${JSON.stringify(payload)}\n`,
      );
    },
    onError: (error) => process.stderr.write(`picloud rhai: a service failed: ${(error as Error).message}\n`),
  });
}

async function run(argv: string[], config: Config): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: RUN_OPTIONS });
  if (positionals.length !== 1) throw new UsageError('expected one FILE');
  const limits = limitsFrom(config, values);
  const request = buildScriptRequest(values);
  return runEndpoint({
    file: positionals[0],
    request,
    // The executor needs a deadline: "no limit" is a very distant one.
    limits: { ...limits, timeoutMs: limits.timeoutMs === 0 ? NO_TIMEOUT_MS : limits.timeoutMs },
    services: servicesFrom(config, values),
    memoryLimitMb: config.workerMemoryMb,
    include: values.include === true,
    stdout: process.stdout,
    stderr: process.stderr,
  });
}

async function repl(argv: string[], config: Config): Promise<number> {
  const { values } = parseArgs({ args: argv, options: COMMON_OPTIONS });
  const limits = limitsFrom(config, values);
  const services = servicesFrom(config, values);
  await startRepl({
    input: process.stdin,
    output: process.stdout,
    terminal: process.stdin.isTTY === true,
    evaluator: (write) =>
      new WorkerReplEvaluator(write, { limits, memoryLimitMb: config.workerMemoryMb, services }),
  });
  return EXIT.ok;
}

/** Dispatches `picloud rhai ...`. */
export async function runRhai(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (wantsHelp(argv) || sub === 'help') {
    console.log(RHAI_USAGE);
    return EXIT.ok;
  }
  if (sub !== 'run' && sub !== 'repl') {
    console.error(sub === undefined ? RHAI_USAGE : `picloud rhai: unknown command "${sub}"\n\n${RHAI_USAGE}`);
    return EXIT.usage;
  }
  try {
    const config = loadConfig();
    return await (sub === 'run' ? run(rest, config) : repl(rest, config));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`picloud rhai ${sub}: ${error.message}\n\n${RHAI_USAGE}`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError || error instanceof KvFileError || error instanceof PicloudError) {
      console.error(`picloud rhai ${sub}: ${error.message}`);
      return EXIT.usage;
    }
    throw error;
  }
}
