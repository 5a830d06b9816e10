/**
 * Each clustered node reports to the cluster's PostgreSQL every {@link HEARTBEAT_INTERVAL_MS}: it
 * rewrites its own `cluster_nodes` row (`last_seen` from the database's clock, so clocks of
 * different machines never compare), with its addresses, versions, capacity and latest figures.
 * The primary's heartbeat also marks `down` every node that missed {@link DOWN_AFTER_MS} of reports.
 *
 * Why a timer at all: a node that dies by `kill -9` or loses power says nothing (TCP gives PostgreSQL
 * no signal either until keep-alives expire, minutes later), so only the absence of reports can tell.
 * Why 5 s: a node must be shown down within ~15 s, and one late report (a busy Pi, a GC pause) must
 * not flip it; down after 10 s without a report = two missed reports, checked at the primary's own
 * report every 5 s, so a dead node is marked down 10–15 s after its last report. It is one small
 * UPDATE per node every 5 s: no measurable idle CPU. Everything else is event-driven: a node marks
 * itself `up` with its first report at start and `stopped` when it shuts down.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import type { NodeVitals } from './node-vitals.js';

/** How often a node reports. */
export const HEARTBEAT_INTERVAL_MS = 5_000;
/** A node is down once its last report is this old. */
export const DOWN_AFTER_MS = 10_000;

/** This node as the cluster lists it. */
export interface NodeSelf {
  id: string;
  name: string;
  role: 'primary' | 'member';
  fingerprint: string;
}

/** What each report carries besides the vitals. */
export interface NodeReport {
  addresses: string[];
  versions: Record<string, string | number>;
  capacity: Record<string, number>;
  vitals: NodeVitals;
  /** Requests this node's orchestrator has answered since it started. */
  requestsServed: number;
}

/** What the heartbeat needs. */
export interface HeartbeatOptions {
  db: Kysely<Database>;
  self: NodeSelf;
  report: () => Promise<NodeReport>;
  log: (level: 'info' | 'warn', message: string) => void;
  intervalMs?: number;
  downAfterMs?: number;
}

/** The heartbeat of one node. */
export class NodeHeartbeat {
  readonly #options: Required<HeartbeatOptions>;
  #timer: NodeJS.Timeout | null = null;
  #beating: Promise<void> = Promise.resolve();
  #failing = false;
  #stopped = false;

  constructor(options: HeartbeatOptions) {
    this.#options = { intervalMs: HEARTBEAT_INTERVAL_MS, downAfterMs: DOWN_AFTER_MS, ...options };
  }

  /** Reports once (this node is `up` from now on) and keeps reporting. Never rejects. */
  async start(): Promise<void> {
    await this.#beat();
  }

  /** Stops reporting and records that this node stopped (not died). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#beating;
    await this.#options.db
      .updateTable('cluster_nodes')
      .set({ status: 'stopped' })
      .where('id', '=', this.#options.self.id)
      .execute()
      .catch(() => undefined);
  }

  #beat(): Promise<void> {
    this.#beating = this.#report()
      .then(
        () => {
          if (this.#failing) this.#options.log('info', 'cluster heartbeat: reporting again');
          this.#failing = false;
        },
        (error: Error) => {
          // Once per outage, not every 5 s.
          if (!this.#failing) this.#options.log('warn', `cluster heartbeat failed: ${error.message}`);
          this.#failing = true;
        },
      )
      .finally(() => {
        if (!this.#stopped) this.#timer = setTimeout(() => this.#beat(), this.#options.intervalMs).unref();
      });
    return this.#beating;
  }

  async #report(): Promise<void> {
    const { db, self, report } = this.#options;
    const figures = await report();
    const values = {
      name: self.name,
      fingerprint: self.fingerprint,
      addresses: figures.addresses,
      versions: JSON.stringify(figures.versions),
      capacity: JSON.stringify(figures.capacity),
      stats: JSON.stringify({ ...figures.vitals, requests_served: figures.requestsServed }),
      status: 'up' as const,
      last_seen: sql<Date>`now()`,
    };
    if (self.role === 'member') {
      // A member's row is the primary's to create (at join) and delete (at removal).
      const result = await db
        .updateTable('cluster_nodes')
        .set(values)
        .where('id', '=', self.id)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw new Error('this node is not in the cluster (removed?)');
      return;
    }
    await db
      .insertInto('cluster_nodes')
      .values({ id: self.id, role: 'primary', pg_role: null, ...values })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute();
    const down = await db
      .updateTable('cluster_nodes')
      .set({ status: 'down' })
      .where('status', '=', 'up')
      .where('last_seen', '<', sql<Date>`now() - make_interval(secs => ${this.#options.downAfterMs / 1000})`)
      .returning(['name', 'last_seen'])
      .execute();
    for (const node of down) {
      this.#options.log(
        'warn',
        `cluster node "${node.name}" is down (last report ${node.last_seen.toISOString()})`,
      );
    }
  }
}
