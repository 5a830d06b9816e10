/**
 * Control-plane changes, as the manager announces them and the data plane follows them. Every
 * manager write NOTIFYs one `Change` on {@link CHANGE_CHANNEL} in its transaction, which reaches every
 * process connected to the database on commit; the node that made the write also hands its changes to
 * its own {@link ChangeFollower}s before it answers, so a write is live there when it is acknowledged.
 */

/** The NOTIFY channel. */
export const CHANGE_CHANNEL = 'picloud_changes';

/**
 * What changed. `app` is the app id; `script` a script id when one script's code changed. `triggers`:
 * an app's cron or queue triggers (the trigger scheduler follows it; routing does not need it).
 */
export interface Change {
  topic: 'apps' | 'domains' | 'scripts' | 'routes' | 'triggers';
  app: string;
  script?: string;
}

/** Something on this node that must reflect a change before the write that made it is acknowledged. */
export interface ChangeFollower {
  /**
   * Applies changes this node has just committed; resolves once they are in effect here. Never
   * rejects (a failure to apply is the follower's to report and recover from).
   */
  applyCommitted(changes: readonly Change[]): Promise<void>;
}
