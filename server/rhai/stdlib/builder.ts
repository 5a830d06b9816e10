/**
 * Building big strings safely and fast. Appending piece by piece to a JS string makes V8 allocate
 * one rope node per piece (gigabytes for a formatted array of millions of elements), and a string
 * past V8's maximum length is an exception in the middle of the work. {@link StringBuilder}
 * collects pieces in batches joined into flat chunks, refuses to grow past the size limits before
 * allocating, and charges operations as it goes, so the deadline can stop a long build.
 */
import { RhaiError } from '../errors.js';
import type { NativeCallContext } from '../runtime/native.js';
import type { Value } from '../runtime/value.js';
import type { TextSink } from '../runtime/value-text.js';
import { BYTES_PER_OPERATION, chargedSortedKeys, HARD_LIMITS } from './support.js';

/**
 * Most UTF-16 units a string may have under the limits: V8's maximum, and (as `maxStringSize`
 * counts characters, and a character takes at most two units) twice `maxStringSize` when set.
 * A string within this may still have too many characters; callers check exactly at the end.
 */
function maxTextUnits(ctx: NativeCallContext): number {
  const max = ctx.limits.maxStringSize;
  return max > 0 ? Math.min(HARD_LIMITS.stringLength, max * 2) : HARD_LIMITS.stringLength;
}

/** Refuse (ErrorDataTooLarge) a string of `units` UTF-16 units before building it. */
export function checkTextUnits(ctx: NativeCallContext, units: number): void {
  if (units > maxTextUnits(ctx)) throw RhaiError.tooLarge('Length of string', ctx.position);
}

/** Units escaped per native `replace` call by {@link StringBuilder.addEscaped}. */
const ESCAPE_WINDOW = 1 << 16;

/** Pieces collected before they are joined into one chunk. */
const BATCH = 1024;
/** A piece at least this long becomes a chunk of its own instead of being copied into a batch. */
const BIG_PIECE = 1 << 14;

/** Accumulates a string from pieces; see the file comment. */
export class StringBuilder implements TextSink {
  /** Never: past the limits it refuses (ErrorDataTooLarge) instead. */
  readonly full = false;
  /** UTF-16 units appended so far (including the `prefix` given to the constructor). */
  length: number;
  /** The run the work is charged to. */
  readonly ctx: NativeCallContext;
  private readonly maxUnits: number;
  private batch: string[] = [];
  private chunks: string[] | null = null;
  private uncharged = 0;

  /**
   * `prefix` is the number of units that the result will be appended to (e.g. the receiver of
   * `append`), so the limits apply to the final string.
   */
  constructor(ctx: NativeCallContext, prefix = 0) {
    this.ctx = ctx;
    this.length = prefix;
    this.maxUnits = maxTextUnits(ctx);
  }

  /** Refuse (ErrorDataTooLarge) when `units` more units would not fit; nothing is allocated. */
  reserve(units: number): void {
    if (this.length + units > this.maxUnits) throw RhaiError.tooLarge('Length of string', this.ctx.position);
  }

  /** Append a piece. */
  add(piece: string): void {
    const n = piece.length;
    if (n === 0) return;
    this.reserve(n);
    this.length += n;
    if (n >= BIG_PIECE) {
      this.flush();
      this.chunk(piece);
      this.charge(n);
      return;
    }
    this.batch.push(piece);
    if (this.batch.length >= BATCH) this.flush();
  }

  /**
   * Append `s` with every match of the global regex `pattern` replaced by `escapeMatch(match)`, in
   * windows, so a huge string full of characters to escape is charged (and can be interrupted)
   * as it goes. The pattern must only match single UTF-16 units, so windows can cut anywhere.
   */
  addEscaped(s: string, pattern: RegExp, escapeMatch: (match: string) => string): void {
    if (s.length <= ESCAPE_WINDOW) {
      this.add(s.replace(pattern, escapeMatch));
      return;
    }
    for (let i = 0; i < s.length; i += ESCAPE_WINDOW) {
      this.add(s.slice(i, i + ESCAPE_WINDOW).replace(pattern, escapeMatch));
    }
  }

  keysOf(map: Map<string, Value>): string[] {
    return chargedSortedKeys(this.ctx, map);
  }

  /** The string built. */
  finish(): string {
    const batch = this.batch;
    if (this.chunks === null) {
      // Small results (the common case) are one batch: no chunk list.
      const s = batch.length === 1 ? batch[0] : batch.join('');
      this.charge(s.length);
      return s;
    }
    this.flush();
    const chunks = this.chunks;
    return chunks.length === 1 ? chunks[0] : chunks.join('');
  }

  private chunk(s: string): void {
    if (this.chunks === null) this.chunks = [s];
    else this.chunks.push(s);
  }

  private flush(): void {
    const batch = this.batch;
    if (batch.length === 0) return;
    const chunk = batch.length === 1 ? batch[0] : batch.join('');
    this.batch = [];
    this.chunk(chunk);
    this.charge(chunk.length);
  }

  private charge(units: number): void {
    this.uncharged += units;
    if (this.uncharged >= BYTES_PER_OPERATION) {
      const ops = Math.floor(this.uncharged / BYTES_PER_OPERATION);
      this.uncharged -= ops * BYTES_PER_OPERATION;
      this.ctx.addOperations(ops);
    }
  }
}

/** Units of a flat block that big repeats are made of. */
const BLOCK = 1 << 14;

/**
 * The first `units` UTF-16 units of `p` repeated (`units` must end on a character boundary of the
 * repetition). O(log n) work now: the result is a rope of shared flat blocks that V8 copies into
 * one flat string, at memory speed, when the string is first read. (A plain `p.repeat(n)` rope
 * has leaves of a few characters and takes several times longer to flatten.) Callers check the
 * size limits and charge operations first.
 */
export function repeatString(p: string, units: number): string {
  if (units <= 0 || p.length === 0) return '';
  const plen = p.length;
  if (units <= BLOCK) {
    const n = Math.ceil(units / plen);
    const s = n === 1 ? p : p.repeat(n);
    return s.length === units ? s : s.slice(0, units);
  }
  const block = p.repeat(Math.ceil(BLOCK / plen));
  // Reading a character flattens the block once, so every copy of it below is one memcpy.
  block.charCodeAt(0);
  const whole = Math.floor(units / block.length);
  const tail = units - whole * block.length;
  const body = whole === 1 ? block : block.repeat(whole);
  return tail === 0 ? body : body + block.slice(0, tail);
}
