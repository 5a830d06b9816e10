/** Reading execution logs: filters by app, script, status and time; newest first, keyset-paginated. */
import { type Kysely, type Selectable, sql } from 'kysely';
import { RUN_TEXT_MAX_BYTES } from '../../contracts/executor.js';
import type { Database, ExecutionLogsTable, JsonValue } from '../../db/schema.js';
import { PicloudError } from '../../errors/catalogue.js';
import { decodeCursor, PAGE_LIMITS, type Page, type PageQuery, toPage } from '../pagination.js';
import type { ExecutionError } from './execution-record.js';
import type { ExecutionLogView } from './log-writer.js';

/** Filters of a log query. */
export interface LogFilter {
  appId?: string;
  scriptId?: string;
  status?: ExecutionLogsTable['status'];
  /** ISO times, inclusive. */
  since?: string;
  until?: string;
}

/**
 * The columns of a log record as read: its text cut in SQL to {@link RUN_TEXT_MAX_BYTES} characters,
 * so a listing's memory stays bounded whatever the rows hold (the executor caps what it writes to as
 * many bytes, so a record it wrote is read whole).
 */
function boundedRecords(db: Kysely<Database>) {
  return db.selectFrom('execution_logs').select([
    'id',
    'app_id',
    'script_id',
    'script_version',
    'request_id',
    'trigger',
    'status',
    'http_status',
    'duration_ms',
    'operations',
    'started_at',
    'method',
    'path',
    'host',
    'response_bytes',
    sql<string>`left(output, ${RUN_TEXT_MAX_BYTES})`.as('output'),
    sql<JsonValue | null>`CASE WHEN error->>'message' IS NULL THEN error
        ELSE jsonb_set(error, '{message}', to_jsonb(left(error->>'message', ${RUN_TEXT_MAX_BYTES}))) END`.as(
      'error',
    ),
  ]);
}

function view(row: Selectable<ExecutionLogsTable>): ExecutionLogView {
  return {
    id: row.id,
    app_id: row.app_id,
    script_id: row.script_id,
    script_version: row.script_version,
    request_id: row.request_id,
    trigger: row.trigger,
    status: row.status,
    http_status: row.http_status,
    duration_ms: row.duration_ms,
    operations: Number(row.operations),
    error: row.error as ExecutionError | null,
    output: row.output,
    started_at: row.started_at.toISOString(),
    request:
      row.method === null
        ? null
        : {
            method: row.method,
            path: row.path ?? '',
            host: row.host,
            response_bytes: Number(row.response_bytes ?? 0),
          },
  };
}

/** Lists logs, newest first. */
export async function listLogs(
  db: Kysely<Database>,
  filter: LogFilter,
  query: PageQuery,
): Promise<Page<ExecutionLogView>> {
  const limit = query.limit ?? PAGE_LIMITS.default;
  let select = boundedRecords(db)
    .orderBy('id', 'desc')
    .limit(limit + 1);
  if (filter.appId) select = select.where('app_id', '=', filter.appId);
  if (filter.scriptId) select = select.where('script_id', '=', filter.scriptId);
  if (filter.status) select = select.where('status', '=', filter.status);
  if (filter.since) select = select.where('started_at', '>=', new Date(filter.since));
  if (filter.until) select = select.where('started_at', '<=', new Date(filter.until));
  if (query.cursor) {
    const [id] = decodeCursor(query.cursor, 1);
    // Within bigint: a longer number would be a database error, not a bad request.
    if (!/^\d{1,18}$/.test(String(id))) throw new PicloudError('PICLOUD_ERR_HTTP_BAD_CURSOR');
    select = select.where('id', '<', String(id));
  }
  return toPage(await select.execute(), limit, (row) => [row.id], view);
}

/** One log record. */
export async function getLog(db: Kysely<Database>, id: string): Promise<ExecutionLogView> {
  const row = /^\d{1,18}$/.test(id)
    ? await boundedRecords(db).where('id', '=', id).executeTakeFirst()
    : undefined;
  if (!row) throw new PicloudError('PICLOUD_ERR_LOG_NOT_FOUND', `No execution log ${id}`);
  return view(row);
}
