/**
 * The boundary between the orchestrator and the executor. The orchestrator only ever sees
 * `ExecutorClient`: the local implementation runs scripts in this machine's worker threads; a remote
 * one (cluster mode) sends the same jobs over the wire protocol. Everything here is plain data, so it
 * crosses threads (structured clone) and networks (JSON) unchanged.
 */

/**
 * The deepest nesting of arrays and objects in a value that crosses the executor boundary: a JSON
 * request body (deeper is a 400 before any script runs), a script's service arguments and the
 * answers it gets. Copying a value between threads and converting it for the engine are recursive;
 * this bound keeps both far from the stack's limit.
 */
export const MAX_VALUE_DEPTH = 64;

/**
 * The appliance's cap on the text one run leaves behind, in UTF-8 bytes: its captured print/debug
 * output, and separately its error's message (`ExecutionLimits.maxOutputBytes`). Log listings cut
 * what they read from the database to as many characters, whatever an older row holds.
 */
export const RUN_TEXT_MAX_BYTES = 64 * 1024;

/**
 * The node that runs a script (`ctx.node`, SDK 1.3): its id (the SHA-256 of its certificate; empty on
 * a node in no cluster) and its name.
 */
export interface ScriptNode {
  id: string;
  name: string;
}

/** The request a script sees as `ctx`. */
export interface ScriptRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Route parameters (`:id`, `*`). */
  params: Record<string, string>;
  /** Query string; repeated keys give arrays. */
  query: Record<string, string | string[]>;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** Parsed by content type: JSON value, form map, text, or raw bytes; null when there is none. */
  body: unknown;
  /**
   * The body's exact bytes (`ctx.raw_body`, SDK 1.2: what a webhook signature covers); null without a
   * body. Optional for callers that predate SDK 1.2; the runner shows `()` when it is missing.
   */
  raw_body?: Uint8Array | null;
  /** The app the request was routed to. */
  app: { id: string; slug: string };
  request_id: string;
  /**
   * Why the script runs (`ctx.trigger`). Optional for callers that predate SDK 1.1; the runner shows
   * `{kind: 'http'}` to the script when it is missing.
   */
  trigger?: ScriptTrigger;
}

/**
 * What started a run, as the script sees it in `ctx.trigger`. Only the fields of its kind are set
 * (snake_case: this is script-facing data).
 */
export interface ScriptTrigger {
  /** `http`: a route of the app; `execute`: `/api/v1/execute/{id}`; `cron`: a schedule; `queue`: a message. */
  kind: 'http' | 'execute' | 'cron' | 'queue';
  /** cron: the cron expression. */
  schedule?: string;
  /** cron: the IANA time zone the expression is read in. */
  timezone?: string;
  /** cron: the instant the run was scheduled for (ISO 8601). */
  scheduled_at?: string;
  /** queue: the queue's name. */
  queue?: string;
  /** queue: the message id (what `queue::send` returned). */
  message_id?: string;
  /** queue: 1 for the first delivery, 2 for the first retry… */
  attempt?: number;
}

/** Per-execution limits. */
export interface ExecutionLimits {
  /** Rhai operations (progress counter). */
  maxOperations: number;
  /** Wall-clock budget in milliseconds. */
  timeoutMs: number;
  /** Largest response body in bytes. */
  maxResponseBytes: number;
  /** Largest captured print/debug output, and largest error message, in UTF-8 bytes (the rest is cut). */
  maxOutputBytes: number;
  /** Function call depth. */
  maxCallLevels: number;
  /** Largest string (characters), array (elements) and map (properties). */
  maxStringSize: number;
  maxArraySize: number;
  maxMapSize: number;
}

/** One script run. */
export interface ExecutionJob {
  script: { id: string; version: number; name: string; source: string };
  /**
   * The modules the script imports, directly or through other modules, by the name `import` uses;
   * absent when it imports none. Keyed by name, compiled (and cached) by id and version.
   */
  modules?: Record<string, ModuleSource>;
  request: ScriptRequest;
  limits: ExecutionLimits;
}

/** The live version of a module a job needs. */
export interface ModuleSource {
  id: string;
  version: number;
  source: string;
}

/** An HTTP response produced by a script. */
export interface ScriptResponse {
  status: number;
  headers: Record<string, string>;
  /** Text or bytes; null for no body. */
  body: string | Uint8Array | null;
}

/** Why a run failed; `code` is a catalogue code. */
export interface ExecutionFailure {
  code:
    | 'PICLOUD_ERR_SCRIPT_RUNTIME'
    | 'PICLOUD_ERR_SCRIPT_THROWN'
    | 'PICLOUD_ERR_SCRIPT_LIMIT'
    | 'PICLOUD_ERR_SCRIPT_TIMEOUT'
    | 'PICLOUD_ERR_SCRIPT_RESPONSE_TOO_LARGE'
    | 'PICLOUD_ERR_SCRIPT_COMPILE'
    | 'PICLOUD_ERR_EXECUTOR_CRASHED'
    | 'PICLOUD_ERR_EXECUTOR_BUSY'
    | 'PICLOUD_ERR_EXECUTOR_UNSENDABLE'
    | 'PICLOUD_ERR_DB_UNAVAILABLE';
  message: string;
  /** HTTP status to answer with (a `throw #{status: 4xx}` chooses its own). */
  status: number;
  /** The engine's error kind, e.g. ErrorTooManyOperations. */
  kind?: string;
  line?: number | null;
  column?: number | null;
  /** Extra safe fields of a thrown map. */
  details?: Record<string, unknown>;
}

/** The outcome of a run, with what it cost and printed. */
export type ExecutionResult = { ok: true; response: ScriptResponse } | { ok: false; error: ExecutionFailure };

/** A finished run: result plus measurements. */
export interface ExecutionReport {
  result: ExecutionResult;
  /** Operations used (0 when unknown, e.g. a crashed worker). */
  operations: number;
  /** Captured print/debug output (size-capped). */
  output: string;
  /** Wall-clock milliseconds of the run. */
  durationMs: number;
}

/** Runs scripts; local (worker threads) or remote (another node). */
export interface ExecutorClient {
  execute(job: ExecutionJob): Promise<ExecutionReport>;
  /** Stops accepting jobs and releases workers. */
  close(): Promise<void>;
}
