/**
 * A dedicated connection LISTENing on the manager's change channel, so what follows the control
 * plane's changes — the orchestrator's routing cache, the trigger scheduler — sees the changes made
 * by any process without polling. A lost connection reconnects with back-off; the callback then gets
 * `null` ("anything may have changed": notifications may have been missed meanwhile), as it does for
 * a notification it cannot read.
 */
import pg from 'pg';
import { CHANGE_CHANNEL, type Change } from '../contracts/changes.js';

const RECONNECT_BACKOFF_MS = [250, 1_000, 5_000, 15_000];

/** A subscription to the change channel. */
export class ChangeSubscription {
  #client: pg.Client | null = null;
  #reconnectTimer: NodeJS.Timeout | null = null;
  #attempt = 0;
  #closed = false;

  /**
   * @param name what listens, for the log (`routing change listener lost (…); reconnecting`)
   * @param onChange a change, or null when anything may have changed
   */
  constructor(
    private readonly name: string,
    private readonly connectionString: string,
    private readonly onChange: (change: Change | null) => void,
    private readonly log: (level: 'info' | 'warn', message: string) => void = () => undefined,
  ) {}

  /** Connects and LISTENs; rejects when the first connection fails. */
  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on('notification', (message) => {
      if (message.channel !== CHANGE_CHANNEL || !message.payload) return;
      let change: Change | null = null;
      try {
        change = JSON.parse(message.payload) as Change;
      } catch {
        // unreadable: treat as "anything may have changed"
      }
      this.onChange(change);
    });
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.#client = client;
  }

  #lost(client: pg.Client, error: Error): void {
    if (this.#client !== client || this.#closed) return;
    this.#client = null;
    this.log('warn', `${this.name} lost (${error.message}); reconnecting`);
    this.#reconnect();
  }

  /** Back-off timer: exists only after the connection failed. */
  #reconnect(): void {
    const delay = RECONNECT_BACKOFF_MS[Math.min(this.#attempt, RECONNECT_BACKOFF_MS.length - 1)];
    this.#attempt += 1;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      if (this.#closed) return;
      this.start().then(
        () => {
          this.#attempt = 0;
          this.log('info', `${this.name} reconnected`);
          this.onChange(null);
        },
        (error: Error) => {
          this.log('warn', `${this.name} reconnect failed: ${error.message}`);
          this.#reconnect();
        },
      );
    }, delay);
  }

  /** Stops listening. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => undefined);
  }
}
