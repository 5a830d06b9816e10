/**
 * Answers mDNS questions from the records PiCloud owns (RFC 6762 §6), only when asked: no timer, no
 * periodic traffic. It follows the rules that keep a responder from flooding the network and from
 * being used to flood it:
 * - a record is multicast at most once a second (once every 250 ms in defence of a probe, §6);
 * - known-answer suppression (§7.1): a record the asker lists with at least half its TTL is left out;
 * - a question with the unicast-response bit, or a legacy query from a port other than 5353 (§6.7), is
 *   answered to the sender alone (legacy answers echo the id and question and cap TTLs at 10 s);
 * - at most {@link MAX_QUESTIONS} questions and {@link MAX_KNOWN_ANSWERS} known answers of a query are
 *   read, so a huge forged query costs no more than a normal one.
 */
import type { DecodedPacket, Question } from 'dns-packet';
import { dataKey, type MdnsRecord, sameName, toAnswer } from './mdns-records.js';
import { MDNS_PORT, type MdnsTransport, type Sender } from './mdns-transport.js';

export const MAX_QUESTIONS = 32;
export const MAX_KNOWN_ANSWERS = 256;
const MULTICAST_INTERVAL_MS = 1_000;
const PROBE_DEFENCE_INTERVAL_MS = 250;
const LEGACY_TTL = 10;
/** dns-packet does not strip the unicast-response bit (0x8000) from a question's class. */
const QU_CLASS = 'UNKNOWN_32769';

function recordKey(record: { name: string; type: string; data: unknown }): string {
  return `${record.name.toLowerCase()}|${record.type}|${dataKey(record)}`;
}

/** The records of every owner (the host name, each claimed name, each service), and the answering. */
export class MdnsResponder {
  private readonly owners = new Map<string, MdnsRecord[]>();
  /** When each record was last multicast (only our own records: bounded by what we publish). */
  private readonly lastMulticast = new Map<string, number>();
  private readonly onQuery = (packet: DecodedPacket, sender: Sender) => this.answer(packet, sender);

  constructor(private readonly transport: MdnsTransport) {
    transport.on('query', this.onQuery);
  }

  /** Publishes (or replaces) the records of `owner`; they are answered from now on. */
  set(owner: string, records: MdnsRecord[]): void {
    this.owners.set(owner, records);
  }

  /** Stops answering for `owner`; returns the records it had (for a goodbye). */
  delete(owner: string): MdnsRecord[] {
    const records = this.owners.get(owner) ?? [];
    this.owners.delete(owner);
    for (const record of records) this.lastMulticast.delete(recordKey(record));
    return records;
  }

  /** Every record published now. */
  all(): MdnsRecord[] {
    return [...this.owners.values()].flat();
  }

  /** Multicasts `records` unasked (an announcement, §8.3) or with TTL 0 (a goodbye, §10.1). */
  announce(records: MdnsRecord[], goodbye = false): void {
    if (records.length === 0) return;
    const now = Date.now();
    if (!goodbye) for (const record of records) this.lastMulticast.set(recordKey(record), now);
    this.transport.send({
      type: 'response',
      flags: 1 << 10, // authoritative answer
      answers: records.map((record) => toAnswer(record, goodbye ? 0 : record.ttl)),
    });
  }

  stop(): void {
    this.transport.off('query', this.onQuery);
  }

  private answer(packet: DecodedPacket, sender: Sender): void {
    const questions = (packet.questions ?? []).slice(0, MAX_QUESTIONS);
    if (questions.length === 0 || this.owners.size === 0) return;
    const legacy = sender.port !== MDNS_PORT;
    const probe = (packet.authorities ?? []).length > 0;
    const known = new Set(
      (packet.answers ?? [])
        .slice(0, MAX_KNOWN_ANSWERS)
        .filter((answer) => 'ttl' in answer && typeof answer.ttl === 'number')
        .map(
          (answer) =>
            `${recordKey(answer as { name: string; type: string; data: unknown })}|${(answer as { ttl: number }).ttl}`,
        ),
    );
    const all = this.all();
    const multicast: MdnsRecord[] = [];
    const unicast: MdnsRecord[] = [];
    for (const question of questions) {
      const unicastAsked = (question.class as string) === QU_CLASS;
      if (
        !unicastAsked &&
        question.class !== 'IN' &&
        question.class !== 'ANY' &&
        question.class !== undefined
      )
        continue;
      for (const record of matching(all, question)) {
        if (knownByAsker(record, known)) continue;
        (legacy || unicastAsked ? unicast : multicast).push(record);
      }
    }
    if (unicast.length > 0) {
      const answers = dedupe(unicast);
      this.transport.send(
        legacy
          ? {
              type: 'response',
              id: packet.id,
              flags: 1 << 10,
              questions: questions.slice(0, 1) as Question[],
              answers: answers.map((record) => ({
                ...toAnswer(record, Math.min(record.ttl, LEGACY_TTL)),
                flush: false,
              })),
            }
          : { type: 'response', flags: 1 << 10, answers: answers.map((record) => toAnswer(record)) },
        { address: sender.address, port: sender.port },
      );
    }
    if (multicast.length > 0) {
      const now = Date.now();
      const interval = probe ? PROBE_DEFENCE_INTERVAL_MS : MULTICAST_INTERVAL_MS;
      const due = dedupe(multicast).filter(
        (record) => now - (this.lastMulticast.get(recordKey(record)) ?? 0) >= interval,
      );
      if (due.length === 0) return;
      for (const record of due) this.lastMulticast.set(recordKey(record), now);
      const additionals = dedupe(additionalsFor(due, all)).filter(
        (extra) => !due.some((record) => recordKey(record) === recordKey(extra)),
      );
      this.transport.send({
        type: 'response',
        flags: 1 << 10,
        answers: due.map((record) => toAnswer(record)),
        additionals: additionals.map((record) => toAnswer(record)),
      });
    }
  }
}

function matching(records: MdnsRecord[], question: Question): MdnsRecord[] {
  return records.filter(
    (record) =>
      sameName(record.name, question.name) &&
      ((question.type as string) === 'ANY' || question.type === record.type),
  );
}

function knownByAsker(record: MdnsRecord, known: Set<string>): boolean {
  if (known.size === 0) return false;
  for (let ttl = Math.ceil(record.ttl / 2); ttl <= record.ttl; ttl++) {
    if (known.has(`${recordKey(record)}|${ttl}`)) return true;
  }
  return false;
}

/** RFC 6763 §12: with a PTR, its SRV and TXT and the target's addresses; with an SRV, the addresses. */
function additionalsFor(answers: MdnsRecord[], all: MdnsRecord[]): MdnsRecord[] {
  const extra: MdnsRecord[] = [];
  const targets = new Set<string>();
  for (const answer of answers) {
    if (answer.type === 'PTR') {
      for (const record of all) {
        if (sameName(record.name, answer.data) && (record.type === 'SRV' || record.type === 'TXT')) {
          extra.push(record);
          if (record.type === 'SRV') targets.add(record.data.target.toLowerCase());
        }
      }
    }
    if (answer.type === 'SRV') targets.add(answer.data.target.toLowerCase());
  }
  for (const record of all) {
    if ((record.type === 'A' || record.type === 'AAAA') && targets.has(record.name.toLowerCase()))
      extra.push(record);
  }
  return extra;
}

function dedupe(records: MdnsRecord[]): MdnsRecord[] {
  const seen = new Set<string>();
  return records.filter((record) => {
    const key = recordKey(record);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
