/**
 * The server's output, kept in a file in the data folder (`logs/server.log`) so a crash can be read
 * after the fact. Size-capped: past the cap the file becomes `server.log.1` (replacing the previous
 * one) and a new file starts, so a chatty server never fills the disk.
 */
import { closeSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Options of a {@link RotatingLogFile}. */
export interface LogFileOptions {
  /** Bytes one file may reach before it is rotated. */
  readonly maxBytes?: number;
  /** Called once if the file cannot be opened or written; logging then stops quietly. */
  readonly onError?: (error: Error) => void;
}

/** 5 MiB: days of a home server's output, small enough to open in any editor. */
export const DEFAULT_LOG_MAX_BYTES = 5 * 1024 * 1024;

/**
 * An append-only log file with one rotated predecessor. Writes are synchronous: the chunks are a
 * child's pipe reads (at most 64 KiB), and a write that cannot be lost behind a crash is the point.
 * @example const log = new RotatingLogFile('/data/logs/server.log'); log.write('hello\n'); log.close();
 */
export class RotatingLogFile {
  readonly path: string;
  private readonly maxBytes: number;
  private readonly onError: (error: Error) => void;
  private fd: number | null = null;
  private size = 0;
  private failed = false;

  constructor(path: string, options: LogFileOptions = {}) {
    this.path = path;
    this.maxBytes = options.maxBytes ?? DEFAULT_LOG_MAX_BYTES;
    this.onError = options.onError ?? (() => undefined);
  }

  /** Appends text or bytes; rotates first when the chunk would take the file past the cap. */
  write(chunk: string | Buffer): void {
    if (this.failed) return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    try {
      if (this.fd === null) this.open();
      if (this.size > 0 && this.size + bytes.length > this.maxBytes) this.rotate();
      writeSync(this.fd as number, bytes);
      this.size += bytes.length;
    } catch (error) {
      this.fail(error as Error);
    }
  }

  /** Closes the file; a later write opens it again. */
  close(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // Closing a descriptor whose file system went away: nothing left to flush.
    }
    this.fd = null;
  }

  private open(): void {
    // Created like the server creates the data folder: private to this user.
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    this.fd = openSync(this.path, 'a', 0o600);
    this.size = statSync(this.path).size;
  }

  private rotate(): void {
    this.close();
    renameSync(this.path, `${this.path}.1`);
    this.open();
  }

  private fail(error: Error): void {
    this.failed = true;
    this.close();
    this.onError(error);
  }
}
