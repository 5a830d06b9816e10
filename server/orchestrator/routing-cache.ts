/**
 * Keeps the orchestrator's routing snapshot in step with the database, without polling: a dedicated
 * connection LISTENs on the manager's change channel; a script change reloads that script, any other
 * change rebuilds the snapshot (coalescing bursts). If the listening connection drops, it reconnects
 * with back-off and rebuilds, since notifications may have been missed meanwhile (the shared
 * ChangeSubscription of db/change-subscription.ts).
 */
import type { Kysely } from 'kysely';
import type { Change, ChangeFollower } from '../contracts/changes.js';
import { ChangeSubscription } from '../db/change-subscription.js';
import type { Database } from '../db/schema.js';
import { loadRoutingSnapshot, type RoutingSnapshot, reloadScript } from './routing-snapshot.js';

/** The cache. */
export class RoutingCache implements ChangeFollower {
  private current: RoutingSnapshot | null = null;
  private subscription: ChangeSubscription | null = null;
  private pendingFull = false;
  private pendingScripts = new Set<string>();
  private refreshing: Promise<void> | null = null;
  /** Callers of `applyCommitted` waiting for the next reload pass. */
  private waiting: (() => void)[] = [];
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
    // A change, or null after a reconnection (notifications may have been missed): rebuild it all.
    this.subscription = new ChangeSubscription(
      'change listener',
      this.connectionString,
      (change) => this.onChange(change),
      this.log,
    );
    await this.subscription.start();
    this.current = await loadRoutingSnapshot(this.db);
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
    await this.subscription?.close();
    await this.settled();
  }
}
