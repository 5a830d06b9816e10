/**
 * The boundary between the orchestrator and the executor. The orchestrator only ever sees
 * `ExecutorClient`: the local implementation runs scripts in this machine's worker threads; a remote
 * one (cluster mode) sends the same jobs over the wire protocol. Everything here is plain data, so it
 * crosses threads (structured clone) and networks (JSON) unchanged.
 */

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
  /** The app the request was routed to. */
  app: { id: string; slug: string };
  request_id: string;
}

/** Per-execution limits. */
export interface ExecutionLimits {
  /** Rhai operations (progress counter). */
  maxOperations: number;
  /** Wall-clock budget in milliseconds. */
  timeoutMs: number;
  /** Largest response body in bytes. */
  maxResponseBytes: number;
  /** Largest captured print/debug output in bytes (the rest is cut). */
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
  request: ScriptRequest;
  limits: ExecutionLimits;
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
    | 'PICLOUD_ERR_EXECUTOR_BUSY';
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
