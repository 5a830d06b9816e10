/**
 * One script invocation as the orchestrator reports it to the manager's log.
 */

/** An error with its position in the script, as logged and returned to callers. */
export interface ExecutionError {
  code: string;
  message: string;
  /** The engine's error kind (e.g. ErrorTooManyOperations), when the error came from the script. */
  kind?: string;
  line?: number | null;
  column?: number | null;
}

/** What is recorded for every invocation. */
export interface ExecutionRecord {
  app_id: string;
  script_id: string | null;
  script_version: number | null;
  request_id: string;
  trigger: 'http' | 'execute' | 'cron' | 'queue' | 'test';
  status: 'ok' | 'error' | 'timeout' | 'limit';
  http_status: number | null;
  duration_ms: number;
  operations: number;
  error: ExecutionError | null;
  /** Captured print/debug output, already size-capped. */
  output: string;
  started_at: Date;
  /** The request the run answered (never its body or headers); absent or null for cron and queue runs. */
  request?: ExecutionRequestInfo | null;
}

/** What the log keeps of the request a run answered. */
export interface ExecutionRequestInfo {
  method: string;
  /** The path, without the query string (which may carry credentials), at most 2048 characters. */
  path: string;
  /** The Host header, at most 255 characters; null without one. */
  host: string | null;
  /** Bytes of the response body sent (0 for none, or for HEAD). */
  response_bytes: number;
}

/** Receives records; implemented by the manager's batching writer. */
export interface ExecutionLogSink {
  record(entry: ExecutionRecord): void;
}
