/**
 * The node's TLS server certificate, kept current: issued by the appliance CA at start, issued again —
 * without a restart — when the names it should carry change (an app claims or releases a host, a
 * connection arrives on an address the certificate lacks), and renewed well before it expires. Every
 * TLS server attached gets the new certificate through `setSecureContext`, so the next handshake uses
 * it while open connections keep theirs.
 */
import type { Server as TlsServer } from 'node:tls';
import {
  type CertificateAuthority,
  type CertificateNames,
  type IssuedCertificate,
  MAX_LEAF_LIFETIME_DAYS,
} from './certificate-authority.js';
import { addressIsPermitted } from './name-constraints.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** A certificate is renewed when this little of its life is left: two months to spare. */
export const RENEW_BEFORE_DAYS = 60;
/** setTimeout's longest delay (2^31 − 1 ms, about 24.8 days); a longer one fires at once. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;
/** How long after a failed renewal the next attempt comes. */
const RETRY_MS = 60 * 60 * 1000;

/** What the certificate needs from the appliance. */
export interface ServerCertificateDeps {
  ca: CertificateAuthority;
  /** The names the certificate should carry now (the machine's and the apps' claims). */
  names(): CertificateNames;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  /** The clock (tests move it). */
  now?: () => Date;
}

function sameNames(a: CertificateNames, b: CertificateNames): boolean {
  const key = (n: CertificateNames) => JSON.stringify([[...n.dns].sort(), [...n.ip].sort()]);
  return key(a) === key(b);
}

/** The node's certificate. Call `start()` before attaching servers. */
export class ServerCertificate {
  private issued: IssuedCertificate | null = null;
  /** The names asked for at the last issue (inside and outside the constraints). */
  private asked: CertificateNames = { dns: [], ip: [] };
  /** Addresses connections arrived on that the machine's list did not have (kept until restart). */
  private readonly seenAddresses = new Set<string>();
  private readonly servers = new Set<TlsServer>();
  private issuing: Promise<void> | null = null;
  private again = false;
  private renewal: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly now: () => Date;

  constructor(private readonly deps: ServerCertificateDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The current certificate (after `start()`). */
  get current(): IssuedCertificate {
    if (!this.issued) throw new Error('The server certificate was not issued yet');
    return this.issued;
  }

  /** Issues the first certificate. */
  async start(): Promise<void> {
    await this.issue();
  }

  /** Gives `server` the current certificate now and every new one from now on. */
  attach(server: TlsServer): void {
    this.servers.add(server);
    server.setSecureContext(this.secureContextOptions());
  }

  /** Stops updating `server`. */
  detach(server: TlsServer): void {
    this.servers.delete(server);
  }

  /**
   * The names may have changed (a claim was added or released): issues a new certificate when they
   * did. Calls during an issue are merged into one more.
   */
  namesChanged(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.issuing) {
      this.again = true;
      return this.issuing;
    }
    // Cleared in `finally`, which must run after the assignment: hence the first await.
    this.issuing = (async () => {
      await Promise.resolve();
      try {
        do {
          this.again = false;
          if (!sameNames(this.wanted(), this.asked)) await this.issue();
        } while (this.again && !this.closed);
      } catch (error) {
        this.deps.log('error', `could not issue the TLS certificate: ${(error as Error).message}`);
      } finally {
        this.issuing = null;
      }
    })();
    return this.issuing;
  }

  /**
   * A connection arrived on the local address `address`: when the certificate lacks it and the CA may
   * certify it (an address the machine got since the last issue), resolves once a certificate with it
   * is in place, so the handshake that follows is valid. Otherwise resolves at once (null).
   */
  beforeHandshake(address: string | undefined): Promise<void> | null {
    if (!address || this.closed) return null;
    const plain = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
    if (this.issued?.names.ip.includes(plain) || this.seenAddresses.has(plain)) return null;
    if (!addressIsPermitted(plain, this.deps.ca.permitted)) return null;
    this.seenAddresses.add(plain);
    return this.namesChanged();
  }

  /** Stops the renewal timer and the updates. */
  close(): void {
    this.closed = true;
    if (this.renewal) clearTimeout(this.renewal);
    this.renewal = null;
    this.servers.clear();
  }

  private wanted(): CertificateNames {
    const names = this.deps.names();
    return { dns: names.dns, ip: [...new Set([...names.ip, ...this.seenAddresses])] };
  }

  private secureContextOptions() {
    const { certificatePem, keyPem } = this.current;
    // The chain a client gets: the leaf, then the CA (clients that trust the CA need nothing more).
    return {
      cert: `${certificatePem}${this.deps.ca.certificatePem}`,
      key: keyPem,
      minVersion: 'TLSv1.2' as const,
    };
  }

  private async issue(): Promise<void> {
    const asked = this.wanted();
    const issued = await this.deps.ca.issueServerCertificate(asked, {
      lifetimeDays: MAX_LEAF_LIFETIME_DAYS,
      now: this.now(),
    });
    if (this.closed) return;
    const added = issued.leftOut.dns.filter((n) => !this.asked.dns.includes(n));
    if (added.length > 0) {
      this.deps.log(
        'warn',
        `the TLS certificate leaves out ${added.join(', ')}: outside the local names the appliance CA may certify (serve a public domain through Caddy with ACME; see docs/https.md)`,
      );
    }
    this.issued = issued;
    this.asked = asked;
    for (const server of this.servers) server.setSecureContext(this.secureContextOptions());
    this.scheduleRenewal();
  }

  /**
   * One timer, for the renewal date (at most once every 24.8 days it re-arms itself, since setTimeout
   * cannot wait longer): nothing wakes in between. After a failed renewal, one retry an hour (the
   * certificate still has weeks to live). Unref'd, so it never keeps the process alive.
   */
  private scheduleRenewal(retryInMs?: number): void {
    if (this.renewal) clearTimeout(this.renewal);
    const due = this.renewsAt.getTime();
    const wait = retryInMs ?? Math.max(0, due - this.now().getTime());
    this.renewal = setTimeout(
      () => {
        this.renewal = null;
        if (this.closed) return;
        if (retryInMs === undefined && this.now().getTime() < due) {
          this.scheduleRenewal();
          return;
        }
        this.deps.log('info', 'renewing the TLS certificate');
        this.issue().catch((error: Error) => {
          this.deps.log(
            'error',
            `could not renew the TLS certificate (trying again in an hour): ${error.message}`,
          );
          this.scheduleRenewal(RETRY_MS);
        });
      },
      Math.min(wait, LONGEST_TIMER_MS),
    );
    this.renewal.unref();
  }

  /** When the current certificate will be renewed (for tests and the Node page). */
  get renewsAt(): Date {
    return new Date(this.current.notAfter.getTime() - RENEW_BEFORE_DAYS * DAY_MS);
  }
}
