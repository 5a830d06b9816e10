/**
 * The audit log: who did what to the appliance, and when. Entries name their actor by copy (the
 * token's name, the admin's user name), so they survive the actor's deletion. Old entries are pruned
 * as new ones arrive (no timer).
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AuditLogTable, Database, JsonValue } from '../../db/schema.js';
import { storableText } from '../../db/storable.js';
import { PicloudError } from '../../errors/catalogue.js';
import { decodeCursor, PAGE_LIMITS, type Page, type PageQuery, toPage } from '../pagination.js';

/** One thing that happened. */
export interface AuditEntry {
  actorKind: 'admin' | 'token' | 'anonymous' | 'cli';
  actorId: string | null;
  actorName: string;
  /** What was attempted: `METHOD /route/pattern` for API calls, `auth.login` and the like for events. */
  action: string;
  /** What it was done to (route parameters, names); never secrets or bodies. */
  target: Record<string, JsonValue>;
  appId: string | null;
  outcome: 'ok' | 'refused' | 'failed';
  status: number | null;
  /** The client address; undefined once a reset connection has lost it (recorded as empty). */
  ip: string | undefined;
}

/** An entry as the API shows it. */
export interface AuditView {
  id: string;
  at: string;
  actor: { kind: string; id: string | null; name: string };
  action: string;
  target: JsonValue;
  app_id: string | null;
  outcome: 'ok' | 'refused' | 'failed';
  status: number | null;
  ip: string;
}

/** Filters of the audit list. */
export interface AuditFilter {
  actor?: string;
  action?: string;
  appId?: string;
  outcome?: 'ok' | 'refused' | 'failed';
  since?: string;
  until?: string;
}

/** Writes entries; prunes those older than the retention now and then. */
export class AuditLog {
  private writes = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly retentionDays: number,
  ) {}

  /**
   * Records one entry and returns its id; `db` is the transaction of the change it records, when
   * there is one (see ../change-witness.ts).
   */
  async record(entry: AuditEntry, db: Kysely<Database> | Transaction<Database> = this.db): Promise<string> {
    const { id } = await db
      .insertInto('audit_log')
      .values({
        actor_kind: entry.actorKind,
        actor_id: entry.actorId,
        actor_name: storableText(entry.actorName.slice(0, 200)),
        action: storableText(entry.action.slice(0, 300)),
        // A refused request is recorded with the parameters it sent, NUL included: kept, but storable.
        target: JSON.stringify(entry.target, (_key, value) =>
          typeof value === 'string' ? storableText(value) : value,
        ),
        app_id: entry.appId,
        outcome: entry.outcome,
        status: entry.status,
        ip: storableText((entry.ip ?? '').slice(0, 64)),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    // One delete per hundred writes keeps the table bounded without a timer.
    if (++this.writes % 100 === 1) {
      const cutoff = new Date(Date.now() - this.retentionDays * 86_400_000);
      await db.deleteFrom('audit_log').where('at', '<', cutoff).execute();
    }
    return String(id);
  }

  /** Sets the status and outcome of an entry written before the answer was known. */
  async correct(id: string, status: number, outcome: AuditEntry['outcome']): Promise<void> {
    await this.db.updateTable('audit_log').set({ status, outcome }).where('id', '=', id).execute();
  }

  /** Entries, newest first. */
  async list(filter: AuditFilter, page: PageQuery): Promise<Page<AuditView>> {
    const limit = page.limit ?? PAGE_LIMITS.default;
    let query = this.db
      .selectFrom('audit_log')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(limit + 1);
    if (filter.actor) query = query.where('actor_name', '=', filter.actor);
    if (filter.action) query = query.where('action', 'like', `${escapeLike(filter.action)}%`);
    if (filter.appId) query = query.where('app_id', '=', filter.appId);
    if (filter.outcome) query = query.where('outcome', '=', filter.outcome);
    if (filter.since) query = query.where('at', '>=', new Date(filter.since));
    if (filter.until) query = query.where('at', '<=', new Date(filter.until));
    if (page.cursor) {
      const [id] = decodeCursor(page.cursor, 1);
      if (!/^\d{1,18}$/.test(String(id))) throw new PicloudError('PICLOUD_ERR_HTTP_BAD_CURSOR');
      query = query.where('id', '<', String(id));
    }
    return toPage(await query.execute(), limit, (row) => [row.id], view);
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function view(row: Selectable<AuditLogTable>): AuditView {
  return {
    id: String(row.id),
    at: row.at.toISOString(),
    actor: { kind: row.actor_kind, id: row.actor_id, name: row.actor_name },
    action: row.action,
    target: row.target,
    app_id: row.app_id,
    outcome: row.outcome,
    status: row.status,
    ip: row.ip,
  };
}
