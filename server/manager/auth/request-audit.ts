/**
 * The audit entry of one API request that may change the appliance, written at the first of:
 *  1. inside the transaction of the change it records (as the request's ChangeWitness, see
 *     ../change-witness.ts): the change and its entry commit together, status the route's
 *     declared success status, corrected afterwards if the answer differs (a PUT that created: 201);
 *  2. when the handler ends without such a transaction — a change outside the database (a backup
 *     file), or a failure — before its answer is sent, so a reset connection cannot skip it;
 *  3. once the answer is sent, for a request refused before its handler ran (scope, CSRF, validation):
 *     nothing changed, and the refusal is recorded.
 */
import type { FastifyRequest } from 'fastify';
import type { Transaction } from 'kysely';
import type { Principal } from '../../contracts/route-access.js';
import type { Database, JsonValue } from '../../db/schema.js';
import type { ChangeWitness } from '../change-witness.js';
import type { AuditEntry, AuditLog } from './audit-store.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The audit entry of a change by a known caller (null for reads, public routes, unknown callers). */
    audit: RequestAudit | null;
  }
}

/** How the audit log names a caller. */
export function auditActor(principal: Principal | null) {
  if (!principal) return { actorKind: 'anonymous' as const, actorId: null, actorName: '' };
  return principal.kind === 'admin'
    ? { actorKind: 'admin' as const, actorId: principal.adminId, actorName: principal.username }
    : { actorKind: 'token' as const, actorId: principal.tokenId, actorName: principal.name };
}

/** What an answer's status says about the attempt. */
function outcomeOf(status: number): AuditEntry['outcome'] {
  return status < 400 ? 'ok' : status === 401 || status === 403 ? 'refused' : 'failed';
}

/** The lowest 2xx status a route declares (what a change that commits answers), 200 when none. */
function successStatus(request: FastifyRequest): number {
  const declared = Object.keys(request.routeOptions.schema?.response ?? {})
    .map(Number)
    .filter((status) => status >= 200 && status < 300);
  return declared.length > 0 ? Math.min(...declared) : 200;
}

/** The audit entry of one request (see the module comment for when it is written). */
export class RequestAudit implements ChangeWitness {
  #committed = false;
  /** The entry's id and status once written. */
  #written: { id: string; status: number } | null = null;
  #settled = false;

  constructor(
    private readonly log: AuditLog,
    private readonly request: FastifyRequest,
  ) {}

  get committed(): boolean {
    return this.#committed;
  }

  /** True once the outcome is recorded (nothing more to write). */
  get settled(): boolean {
    return this.#settled;
  }

  private entry(status: number, outcome: AuditEntry['outcome']): AuditEntry {
    const request = this.request;
    return {
      ...auditActor(request.principal),
      // As the path is written (`slug:check`), not as the router escapes it (`slug::check`).
      action: `${request.method} ${(request.routeOptions.url ?? '').replaceAll('::', ':')}`,
      target: { ...(request.params as Record<string, JsonValue>) },
      appId: request.targetAppId,
      outcome,
      status,
      ip: request.clientAddress,
    };
  }

  async writeIn(trx: Transaction<Database>): Promise<void> {
    const status = successStatus(this.request);
    this.#written = { id: await this.log.record(this.entry(status, 'ok'), trx), status };
  }

  markCommitted(): void {
    this.#committed = true;
  }

  /**
   * Records how the request ended with `status`: corrects the status of an entry written with its
   * change, or writes the entry now. Once only.
   */
  async settle(status: number): Promise<void> {
    if (this.#settled) return;
    this.#settled = true;
    if (this.#committed && this.#written) {
      if (status !== this.#written.status)
        await this.log.correct(this.#written.id, status, outcomeOf(status));
      return;
    }
    await this.log.record(this.entry(status, outcomeOf(status)));
  }
}
