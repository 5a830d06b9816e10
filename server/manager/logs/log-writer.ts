/**
 * Writes execution logs in batches, off the request path: `record()` only appends to a buffer; a flush
 * (when the batch is full, or shortly after the first record of a batch) inserts them in one
 * statement. Retention (count and age) is enforced after flushes, at most once a minute — no timer
 * runs while nothing is logged. Listeners see each batch with its database ids (the live tail). An
 * optional `redact` step rewrites each batch first (the manager masks the apps' secret values there).
 */

import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import { storableText } from '../../db/storable.js';
import type { ExecutionLogSink, ExecutionRecord, ExecutionRequestInfo } from './execution-record.js';

/** A stored record, as the API and the live tail show it. */
export interface ExecutionLogView extends Omit<ExecutionRecord, 'started_at' | 'request'> {
  id: string;
  started_at: string;
  request: ExecutionRequestInfo | null;
}

/** Tuning of the writer. */
export interface LogWriterOptions {
  /** Records per INSERT (default 200). */
  batchSize?: number;
  /** Longest wait before a partial batch is written, ms (default 200). */
  flushDelayMs?: number;
  /** Keep at most this many records (default 100 000). */
  retentionCount: number;
  /** Keep records at most this many days (default 14). */
  retentionDays: number;
  /** Reports write failures (the records are dropped: logging must never take the appliance down). */
  onError?: (error: Error) => void;
  /**
   * Rewrites a batch before it is stored or shown (masks the apps' secret values); when it fails, the
   * batch is dropped rather than stored unmasked.
   */
  redact?: (batch: ExecutionRecord[]) => Promise<ExecutionRecord[]>;
}

const PRUNE_INTERVAL_MS = 60_000;

/**
 * A record as it can be stored and shown: what a run printed or threw is the script's (or its
 * caller's) text, and U+0000 in it would make PostgreSQL refuse the whole batch.
 */
function storable(record: ExecutionRecord): ExecutionRecord {
  const { request } = record;
  return {
    ...record,
    request: request && {
      ...request,
      path: storableText(request.path),
      host: request.host === null ? null : storableText(request.host),
    },
    output: storableText(record.output),
    error: record.error && {
      ...record.error,
      message: storableText(record.error.message),
    },
  };
}

/**
 * Inserts a batch in one statement with one parameter per column (arrays unnested), whatever the
 * batch's size: cheaper to build, send and plan than a VALUES list of rows × columns parameters.
 * Resolves with the new ids in the batch's order.
 */
async function insertBatch(db: Kysely<Database>, batch: ExecutionRecord[]): Promise<{ id: string }[]> {
  const column = <T>(pick: (record: ExecutionRecord) => T) => batch.map(pick);
  const { rows } = await sql<{ id: string }>`
    INSERT INTO execution_logs (app_id, script_id, script_version, request_id, trigger, status, http_status,
      duration_ms, operations, error, output, started_at, method, path, host, response_bytes)
    SELECT app_id, script_id, script_version, request_id, trigger, status, http_status,
      duration_ms, operations, error::jsonb, output, started_at, method, path, host, response_bytes
    FROM unnest(
      ${column((r) => r.app_id)}::uuid[], ${column((r) => r.script_id)}::uuid[],
      ${column((r) => r.script_version)}::integer[], ${column((r) => r.request_id)}::text[],
      ${column((r) => r.trigger)}::text[], ${column((r) => r.status)}::text[],
      ${column((r) => r.http_status)}::integer[], ${column((r) => r.duration_ms)}::double precision[],
      ${column((r) => String(r.operations))}::bigint[],
      ${column((r) => (r.error === null ? null : JSON.stringify(r.error)))}::text[],
      ${column((r) => r.output)}::text[], ${column((r) => r.started_at)}::timestamptz[],
      ${column((r) => r.request?.method ?? null)}::text[], ${column((r) => r.request?.path ?? null)}::text[],
      ${column((r) => r.request?.host ?? null)}::text[],
      ${column((r) => (r.request ? String(r.request.response_bytes) : null))}::bigint[]
    ) WITH ORDINALITY AS t(app_id, script_id, script_version, request_id, trigger, status, http_status,
      duration_ms, operations, error, output, started_at, method, path, host, response_bytes, position)
    ORDER BY position
    RETURNING id`.execute(db);
  return rows;
}

/** The batching writer. */
export class ExecutionLogWriter implements ExecutionLogSink {
  private buffer: ExecutionRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private lastPrune = 0;
  private readonly events = new EventEmitter();
  private readonly options: Required<Omit<LogWriterOptions, 'onError' | 'redact'>> &
    Pick<LogWriterOptions, 'onError' | 'redact'>;

  constructor(
    private readonly db: Kysely<Database>,
    options: LogWriterOptions,
  ) {
    this.options = { batchSize: 200, flushDelayMs: 200, ...options };
    this.events.setMaxListeners(0);
  }

  /** Queues a record. Never throws, never waits. */
  record(entry: ExecutionRecord): void {
    this.buffer.push(entry);
    if (this.buffer.length >= this.options.batchSize) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.flushDelayMs);
  }

  /** Subscribes to written records; returns the unsubscribe function. */
  subscribe(listener: (records: ExecutionLogView[]) => void): () => void {
    this.events.on('written', listener);
    return () => this.events.off('written', listener);
  }

  /** Writes everything buffered; resolves when it is stored. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length === 0) return this.flushing;
    this.flushing = this.flushing.then(() => this.write(batch));
    return this.flushing;
  }

  private async write(written: ExecutionRecord[]): Promise<void> {
    try {
      const batch = (this.options.redact ? await this.options.redact(written) : written).map(storable);
      const rows = await insertBatch(this.db, batch);
      const views = batch.map((entry, index) => ({
        ...entry,
        request: entry.request ?? null,
        id: rows[index].id,
        started_at: entry.started_at.toISOString(),
      }));
      this.events.emit('written', views);
      await this.pruneIfDue();
    } catch (error) {
      this.options.onError?.(error as Error);
    }
  }

  private async pruneIfDue(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune < PRUNE_INTERVAL_MS) return;
    this.lastPrune = now;
    await this.prune();
  }

  /** Deletes records beyond the retention count or age. */
  async prune(): Promise<void> {
    await this.db
      .deleteFrom('execution_logs')
      .where('started_at', '<', sql<Date>`now() - make_interval(days => ${this.options.retentionDays})`)
      .execute();
    await sql`DELETE FROM execution_logs WHERE id <= (
      SELECT id FROM execution_logs ORDER BY id DESC OFFSET ${this.options.retentionCount} LIMIT 1)`.execute(
      this.db,
    );
  }
}
