/**
 * Keeps the orchestrator's routing snapshot in step with the database, without polling: a dedicated
 * connection LISTENs on the manager's change channel; a script change reloads that script, any other
 * change rebuilds the snapshot (coalescing bursts). If the listening connection drops, it reconnects
 * with back-off and rebuilds, since notifications may have been missed meanwhile.
 */
import type { Kysely } from 'kysely';
import pg from 'pg';
import { CHANGE_CHANNEL, type Change, type ChangeFollower } from '../contracts/changes.js';
import type { Database } from '../db/schema.js';
import { loadRoutingSnapshot, type RoutingSnapshot, reloadScript } from './routing-snapshot.js';

const RECONNECT_BACKOFF_MS = [250, 1_000, 5_000, 15_000];

/** The cache. */
export class RoutingCache implements ChangeFollower {
  private current: RoutingSnapshot | null = null;
  private listener: pg.Client | null = null;
  private pendingFull = false;
  private pendingScripts = new Set<string>();
  private refreshing: Promise<void> | null = null;
  /** Callers of `applyCommitted` waiting for the next reload pass. */
  private waiting: (() => void)[] = [];
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectAttempt = 0;
  private closed = false;
  /** Incremented after every refresh (tests wait on it). */
  generation = 0;
  /** Checks run after each refresh by {@link waitFor}. */
  private readonly waiters = new Set<() => void>();
  /** Followers of every new snapshot (see {@link onRefresh}). */
  private readonly followers = new Set<(snapshot: RoutingSnapshot) => void>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly connectionString: string,
    private readonly log: (level: 'info' | 'warn', message: string) => void = () => undefined,
  ) {}

  /** The current snapshot (after `start`). */
  get snapshot(): RoutingSnapshot {
    if (!this.current) throw new Error('RoutingCache.start() has not completed');
    return this.current;
  }

  /** Subscribes to changes, then loads the first snapshot. */
  async start(): Promise<void> {
    await this.listen();
    this.current = await loadRoutingSnapshot(this.db);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on('notification', (message) => {
      if (message.channel !== CHANGE_CHANNEL || !message.payload) return;
      try {
        this.onChange(JSON.parse(message.payload) as Change);
      } catch {
        this.onChange(null);
      }
    });
    client.on('error', (error) => this.onListenerLost(client, error));
    client.on('end', () => this.onListenerLost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.listener = client;
  }

  private onListenerLost(client: pg.Client, error: Error): void {
    if (this.listener !== client || this.closed) return;
    this.listener = null;
    this.log('warn', `change listener lost (${error.message}); reconnecting`);
    this.scheduleReconnect();
  }

  /** Back-off timer: runs only after the listening connection failed. */
  private scheduleReconnect(): void {
    const delay = RECONNECT_BACKOFF_MS[Math.min(this.reconnectAttempt, RECONNECT_BACKOFF_MS.length - 1)];
    this.reconnectAttempt += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.closed) return;
      this.listen().then(
        () => {
          this.reconnectAttempt = 0;
          this.log('info', 'change listener reconnected');
          this.onChange(null); // changes may have been missed while disconnected
        },
        (reconnectError: Error) => {
          this.log('warn', `change listener reconnect failed: ${reconnectError.message}`);
          this.scheduleReconnect();
        },
      );
    }, delay);
  }

  /**
   * Applies changes this node has just committed (see `followCommits`): resolves once a reload that
   * began after the commit has finished, so the write is live here before the API acknowledges it.
   */
  applyCommitted(changes: readonly Change[]): Promise<void> {
    if (this.closed || !changes.some((change) => this.queue(change))) return Promise.resolve();
    const applied = new Promise<void>((resolve) => this.waiting.push(resolve));
    this.refreshing ??= Promise.resolve().then(() => this.refresh());
    return applied;
  }

  /** Queues a refresh: null means "anything may have changed". */
  private onChange(change: Change | null): void {
    if (!this.queue(change)) return;
    this.refreshing ??= Promise.resolve().then(() => this.refresh());
  }

  /** Notes what a change needs reloaded; false when routing does not depend on it. */
  private queue(change: Change | null): boolean {
    // Triggers are the scheduler's business: nothing in the routing tables depends on them.
    if (change?.topic === 'triggers') return false;
    if (change?.topic === 'scripts' && change.script) this.pendingScripts.add(change.script);
    else this.pendingFull = true;
    return true;
  }

  private async refresh(): Promise<void> {
    // Each pass serves the callers that were waiting when it began: it reads what they committed.
    let served: (() => void)[] = [];
    try {
      while (this.pendingFull || this.pendingScripts.size > 0) {
        served = this.waiting.splice(0);
        if (this.pendingFull) {
          this.pendingFull = false;
          this.pendingScripts.clear();
          this.current = await loadRoutingSnapshot(this.db);
        } else {
          const scripts = [...this.pendingScripts];
          this.pendingScripts.clear();
          for (const id of scripts) await reloadScript(this.db, this.snapshot, id);
        }
        this.generation += 1;
        for (const resolve of served) resolve();
        served = [];
        for (const check of this.waiters) check();
        for (const follower of this.followers) follower(this.snapshot);
      }
    } catch (error) {
      // The database is unavailable: the next change, or the listener's reconnection, rebuilds it all.
      this.pendingFull = true;
      this.log('warn', `routing refresh failed: ${(error as Error).message}`);
    } finally {
      this.refreshing = null;
      // A write whose reload failed stays committed; its caller is not kept waiting for the database.
      for (const resolve of [...served, ...this.waiting.splice(0)]) resolve();
    }
  }

  /**
   * Resolves true once `ready` holds for the snapshot — now, or after a later refresh — and false after
   * `timeoutMs` (a deploy waits for its versions to be live; the timer bounds that one wait).
   */
  waitFor(ready: (snapshot: RoutingSnapshot) => boolean, timeoutMs: number): Promise<boolean> {
    if (this.current && ready(this.current)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (value: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(value);
      };
      const check = () => {
        if (this.current && ready(this.current)) finish(true);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.waiters.add(check);
    });
  }

  /**
   * Calls `follower` after every refresh with the new snapshot (the mDNS names follow the `.local`
   * claims this way, and the node's TLS certificate every claim); returns the function that stops it.
   */
  onRefresh(follower: (snapshot: RoutingSnapshot) => void): () => void {
    this.followers.add(follower);
    return () => this.followers.delete(follower);
  }

  /** Resolves once no refresh is pending (for tests and orderly shutdown). */
  async settled(): Promise<void> {
    while (this.refreshing) await this.refreshing;
  }

  /** Stops listening. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.listener;
    this.listener = null;
    await client?.end().catch(() => undefined);
    await this.settled();
  }
}
