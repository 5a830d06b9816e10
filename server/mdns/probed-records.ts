/**
 * A set of unique records (a host name's addresses, a service instance's SRV and TXT) taken through
 * RFC 6762's life cycle: probe (§8.1: three queries 250 ms apart, after a random 0-250 ms delay,
 * proposing the records in the authority section), settle simultaneous probes by comparing the
 * proposals (§8.2), announce (§8.3: twice, one second apart), keep watching for conflicting answers
 * (§9), and say goodbye (§10.1) when released. The only timers are the probe and announcement steps,
 * which run a few seconds after a claim and then never again.
 */
import type { DecodedPacket, RecordType } from 'dns-packet';
import ipaddr from 'ipaddr.js';
import { dataKey, type MdnsRecord, sameName, toAnswer } from './mdns-records.js';
import type { MdnsResponder } from './mdns-responder.js';
import type { MdnsTransport, Sender } from './mdns-transport.js';

export const PROBE_INTERVAL_MS = 250;
export const PROBE_COUNT = 3;
/** §8.2: a host that lost a simultaneous probe waits a second before probing again. */
export const PROBE_LOST_DELAY_MS = 1_000;
export const ANNOUNCE_INTERVAL_MS = 1_000;

/** Where a set of records is in its life. */
export type ProbeState = 'probing' | 'announced' | 'conflict' | 'released';

/** What {@link ProbedRecords} reports. */
export interface ProbeReport {
  state: ProbeState;
  /** For 'conflict': the address of the host that answers for the name already. */
  conflictWith?: string;
}

export interface ProbedRecordsOptions {
  /** The responder's owner key for these records. */
  owner: string;
  /** The records to claim, read again whenever they are (re)announced. */
  records: () => MdnsRecord[];
  transport: MdnsTransport;
  responder: MdnsResponder;
  onReport: (report: ProbeReport) => void;
  /** 0 ≤ x < 1; the start delay's randomness (tests pass a fixed one). */
  random?: () => number;
}

const TYPE_NUMBERS: Record<string, number> = { A: 1, TXT: 16, AAAA: 28, SRV: 33 };

/** §8.2.1's order: the rdata as bytes (addresses as their binary form). */
function rdataBytes(record: { type: string; data: unknown }): Buffer {
  if (
    (record.type === 'A' || record.type === 'AAAA') &&
    typeof record.data === 'string' &&
    ipaddr.isValid(record.data)
  ) {
    return Buffer.from(ipaddr.parse(record.data).toByteArray());
  }
  return Buffer.from(dataKey(record));
}

/** Compares two proposals: negative when `ours` sorts before `theirs` (we lose), 0 when equal. */
export function compareProposals(
  ours: { type: string; data: unknown }[],
  theirs: { type: string; data: unknown }[],
): number {
  const sorted = (records: { type: string; data: unknown }[]) =>
    records
      .map((record) =>
        Buffer.concat([Buffer.from([0, TYPE_NUMBERS[record.type] ?? 255]), rdataBytes(record)]),
      )
      .sort(Buffer.compare);
  const a = sorted(ours);
  const b = sorted(theirs);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = Buffer.compare(a[i], b[i]);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

/** One set of unique records on the network. */
export class ProbedRecords {
  private state: ProbeState = 'released';
  private timer: NodeJS.Timeout | null = null;
  private probesSent = 0;
  private readonly onResponse = (packet: DecodedPacket, sender: Sender) => this.checkResponse(packet, sender);
  private readonly onQuery = (packet: DecodedPacket) => this.checkProbe(packet);

  constructor(private readonly options: ProbedRecordsOptions) {}

  /** Where it is now. */
  get current(): ProbeState {
    return this.state;
  }

  /** Starts probing (again, after a conflict or a release). */
  start(): void {
    this.clearTimer();
    this.options.transport.on('response', this.onResponse);
    this.options.transport.on('query', this.onQuery);
    this.probe(this.options.random?.() ?? Math.random());
  }

  /** The records changed (addresses, TXT): announce the new ones (§8.4); no new probe is needed. */
  update(): void {
    if (this.state !== 'announced') return;
    const records = this.options.records();
    this.options.responder.set(this.options.owner, records);
    this.announceTwice(records);
  }

  /** Withdraws the records: a goodbye if they were announced; stops watching. */
  release(): void {
    this.clearTimer();
    this.options.transport.off('response', this.onResponse);
    this.options.transport.off('query', this.onQuery);
    const records = this.options.responder.delete(this.options.owner);
    if (this.state === 'announced') this.options.responder.announce(records, true);
    this.state = 'released';
  }

  private report(report: ProbeReport): void {
    this.state = report.state;
    this.options.onReport(report);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Schedules the probes, the first after `firstDelay` × 250 ms (§8.1's random start). */
  private probe(firstDelay: number): void {
    this.probesSent = 0;
    this.report({ state: 'probing' });
    const step = () => {
      if (this.state !== 'probing') return;
      if (this.probesSent === PROBE_COUNT) {
        this.timer = null;
        const records = this.options.records();
        this.options.responder.set(this.options.owner, records);
        this.report({ state: 'announced' });
        this.announceTwice(records);
        return;
      }
      this.probesSent += 1;
      // Only unique records are probed; shared ones (PTR) are anyone's to answer.
      const records = this.options.records().filter((record) => record.unique);
      const names = [...new Set(records.map((record) => record.name))];
      this.options.transport.send({
        type: 'query',
        // dns-packet encodes ANY (255); its type declarations leave it out.
        questions: names.map((name) => ({ name, type: 'ANY' as RecordType })),
        authorities: records.map((record) => ({ ...toAnswer(record), flush: false })),
      });
      // The probe step: a quarter second between probes, then a quarter second to hear objections.
      this.timer = setTimeout(step, PROBE_INTERVAL_MS);
    };
    // The random start of §8.1, so hosts powered on together do not probe in lockstep.
    this.timer = setTimeout(step, Math.floor(firstDelay * PROBE_INTERVAL_MS));
  }

  private announceTwice(records: MdnsRecord[]): void {
    this.options.responder.announce(records);
    this.clearTimer();
    // §8.3: a second announcement one second after the first, then silence until asked.
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.state === 'announced') this.options.responder.announce(this.options.records());
    }, ANNOUNCE_INTERVAL_MS);
  }

  /** §9 (and §8.1 while probing): an answer for one of our names with other data is a conflict. */
  private checkResponse(packet: DecodedPacket, sender: Sender): void {
    if (this.state !== 'probing' && this.state !== 'announced') return;
    // Our own multicasts come back to us; an echo of records we have just replaced is no conflict.
    if (this.isOwnAddress(sender.address)) return;
    const ours = this.options.records().filter((record) => record.unique);
    const answers = [...(packet.answers ?? []), ...(packet.additionals ?? [])];
    for (const answer of answers) {
      if (!('ttl' in answer) || !answer.ttl) continue; // goodbyes are no claim
      const mine = ours.filter((record) => sameName(record.name, answer.name));
      if (mine.length === 0) continue;
      const sameType = mine.filter((record) => record.type === answer.type);
      // A name we hold answered with a type we do not publish is not ours to judge (e.g. HINFO).
      if (sameType.length === 0) continue;
      const key = dataKey(answer as { type: string; data: unknown });
      if (sameType.some((record) => dataKey(record) === key)) continue;
      this.conflict(sender.address);
      return;
    }
  }

  private isOwnAddress(address: string): boolean {
    const own = this.options.transport.addresses();
    return own.ipv4.includes(address) || address.startsWith('127.');
  }

  /** §8.2: another host probing for one of our names at the same time. */
  private checkProbe(packet: DecodedPacket): void {
    if (this.state !== 'probing') return;
    const ours = this.options.records().filter((record) => record.unique);
    const theirs = (packet.authorities ?? []).filter(
      (record) => 'data' in record && ours.some((mine) => sameName(mine.name, record.name)),
    ) as { type: string; data: unknown }[];
    if (theirs.length === 0) return;
    const order = compareProposals(ours, theirs);
    if (order >= 0) return; // the same proposal (our own probe, looped back) or we win
    this.clearTimer();
    this.probesSent = 0;
    // We lost the tie-break: wait a second, then probe again (the winner will have announced by then).
    this.timer = setTimeout(() => this.probe(0), PROBE_LOST_DELAY_MS);
  }

  private conflict(address: string): void {
    this.clearTimer();
    this.options.responder.delete(this.options.owner);
    this.report({ state: 'conflict', conflictWith: address });
  }
}
