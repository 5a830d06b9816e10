/**
 * Gzipped tar archives of flat file sets, packed and unpacked defensively. Knows nothing of PiCloud:
 * backups and app bundles build on it.
 *
 * Packing uses `tar` (npm's own archive library) in portable mode: no owner, group or host details.
 * Unpacking treats every archive as hostile. The compressed input, the decompressed stream, each
 * entry and the number of entries are bounded (a zip bomb stops at the bound, not at the end of the
 * disk); only regular files are accepted — a symbolic or hard link, a device, a FIFO, an absolute
 * path, a `..` segment, a backslash, a NUL, a duplicate or a name the caller does not expect is
 * refused, never "sanitised"; nested compression is refused (tar's parser would otherwise decompress
 * it outside these bounds). Files are written with exclusive creation into a fresh folder, with their
 * SHA-256 computed on the way, so the caller can check them against a manifest before using any.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Readable, Transform, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { create as createTar, Parser, type ReadEntry } from 'tar';

/** Why an archive was refused; `message` is safe to show (it names the entry, never file contents). */
export class ArchiveRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveRefusedError';
  }
}

/** Bounds of one extraction. */
export interface ExtractLimits {
  /** Largest compressed input, in bytes. */
  maxCompressedBytes: number;
  /** Largest sum of the files' sizes, in bytes (the decompressed stream may add tar's own headers). */
  maxTotalBytes: number;
  /** Largest single file, in bytes. */
  maxEntryBytes: number;
  /** Most files. */
  maxEntries: number;
}

/** A file taken out of an archive. */
export interface ExtractedFile {
  /** Its path inside the archive (forward slashes, relative). */
  path: string;
  size: number;
  /** SHA-256 of its bytes, hex. */
  sha256: string;
}

/** A relative path of plain segments: letters, digits, `.`, `_`, `-`, `@`; no `.`/`..` segment. */
const SEGMENT = /^[A-Za-z0-9_@-][A-Za-z0-9._@-]{0,127}$/;
/** How deep a path may go. */
const MAX_SEGMENTS = 8;

/**
 * True for a path this module will write: relative, forward slashes, at most 8 plain segments of at
 * most 128 characters each, none of them `.` or `..`.
 */
export function isSafeArchivePath(path: string): boolean {
  const segments = path.split('/');
  return (
    path.length <= 512 &&
    segments.length <= MAX_SEGMENTS &&
    segments.every((segment) => SEGMENT.test(segment) && segment !== '.' && segment !== '..')
  );
}

/** Passes bytes through while counting them; past `limit` it fails with `message`. */
function byteLimit(limit: number, message: () => string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > limit) callback(new ArchiveRefusedError(message()));
      else callback(null, chunk);
    },
  });
}

/** Refuses a decompressed stream that is itself compressed (gzip or zstd magic at its start). */
function refuseNestedCompression(): Transform {
  let checked = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      if (!checked && chunk.length >= 4) {
        checked = true;
        const gzip = chunk[0] === 0x1f && chunk[1] === 0x8b;
        const zstd = chunk.readUInt32LE(0) === 0xfd2fb528;
        if (gzip || zstd) {
          callback(new ArchiveRefusedError('The archive is compressed twice: not a PiCloud archive'));
          return;
        }
      }
      callback(null, chunk);
    },
  });
}

/**
 * Unpacks a gzipped tar archive into `destDir` (created; must not exist yet).
 * @param allowPath which paths the caller expects (on top of {@link isSafeArchivePath}).
 * @returns the files, in archive order.
 * @throws ArchiveRefusedError for anything hostile, damaged, truncated or over a bound. Files already
 *   written stay in `destDir`: the caller removes the folder.
 * @example const files = await extractArchive(createReadStream(file), tmp, LIMITS, (p) => p === 'manifest.json');
 */
export async function extractArchive(
  source: Readable,
  destDir: string,
  limits: ExtractLimits,
  allowPath: (path: string) => boolean,
): Promise<ExtractedFile[]> {
  mkdirSync(destDir, { mode: 0o700 });
  const files: ExtractedFile[] = [];
  const seen = new Set<string>();
  const madeDirs = new Set<string>();
  let total = 0;
  const writes: Promise<void>[] = [];
  /** Files being written: a failure destroys them, since an aborted entry never ends its stream. */
  const open: Writable[] = [];
  // strict: tar's warnings (bad checksums, truncated input, invalid headers) become errors.
  const parser = new Parser({ strict: true, brotli: false, zstd: false });
  let refused: Error | null = null;
  const refuse = (message: string) => {
    refused ??= new ArchiveRefusedError(message);
    parser.abort(refused);
  };
  parser.on('entry', (entry: ReadEntry) => {
    if (refused) return entry.resume();
    const path = entry.path.replace(/\/+$/, '');
    if (entry.type === 'Directory') {
      if (!isSafeArchivePath(path)) refuse(`The archive has an unsafe folder name ${JSON.stringify(path)}`);
      return entry.resume();
    }
    if (entry.type !== 'File' && entry.type !== 'OldFile') {
      refuse(`The archive holds ${JSON.stringify(path)}, a ${entry.type}: only regular files are accepted`);
      return entry.resume();
    }
    if (!isSafeArchivePath(path) || !allowPath(path)) {
      refuse(`The archive holds an unexpected or unsafe path ${JSON.stringify(path.slice(0, 200))}`);
      return entry.resume();
    }
    if (seen.has(path)) {
      refuse(`The archive holds ${path} twice`);
      return entry.resume();
    }
    seen.add(path);
    if (files.length + 1 > limits.maxEntries) {
      refuse(`The archive holds more than ${limits.maxEntries} files`);
      return entry.resume();
    }
    if (entry.size > limits.maxEntryBytes) {
      refuse(`${path} is ${entry.size} bytes, over the limit of ${limits.maxEntryBytes}`);
      return entry.resume();
    }
    total += entry.size;
    if (total > limits.maxTotalBytes) {
      refuse(`The archive's files add up to more than ${limits.maxTotalBytes} bytes`);
      return entry.resume();
    }
    const target = join(destDir, ...path.split('/'));
    const parent = dirname(target);
    if (!madeDirs.has(parent)) {
      mkdirSync(parent, { recursive: true, mode: 0o700 });
      madeDirs.add(parent);
    }
    const hash = createHash('sha256');
    let size = 0;
    const record: ExtractedFile = { path, size: 0, sha256: '' };
    files.push(record);
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    const out = createWriteStream(target, { flags: 'wx', mode: 0o600 });
    open.push(out);
    writes.push(
      pipeline(entry, counter, out).then(() => {
        record.size = size;
        record.sha256 = hash.digest('hex');
      }),
    );
  });
  const finished = new Promise<void>((resolve, reject) => {
    parser.on('error', (error: Error) => reject(refused ?? error));
    parser.on('abort', (error: Error) => reject(refused ?? error));
    parser.on('end', () => resolve());
  });
  finished.catch(() => undefined);
  try {
    await pipeline(
      source,
      byteLimit(
        limits.maxCompressedBytes,
        () => `The archive is larger than ${limits.maxCompressedBytes} bytes`,
      ),
      createGunzip(),
      // Tar adds a 512-byte header per file and pads each file to 512 bytes, plus its end blocks.
      byteLimit(
        limits.maxTotalBytes + (limits.maxEntries + 4) * 1024 + 64 * 1024,
        () => `The archive unpacks to more than ${limits.maxTotalBytes} bytes`,
      ),
      refuseNestedCompression(),
      parser as unknown as NodeJS.WritableStream,
    );
    await finished;
    await Promise.all(writes);
  } catch (error) {
    for (const out of open) out.destroy();
    await Promise.allSettled(writes);
    if (refused) throw refused;
    if (error instanceof ArchiveRefusedError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('Z_') || code.startsWith('TAR_') || code === 'ERR_STREAM_PREMATURE_CLOSE') {
      throw new ArchiveRefusedError(
        `The archive is damaged or truncated (${(error as Error).message.replace(/^TAR_\w+: /, '')})`,
      );
    }
    throw error;
  }
  if (refused) throw refused;
  return files;
}

/**
 * Packs `paths` (relative to `dir`, each a safe archive path) into a gzipped tar at `destPath`.
 * @example await packArchive(staging, ['manifest.json', 'db/apps.tsv'], '/backups/x.tgz');
 */
export async function packArchive(dir: string, paths: readonly string[], destPath: string): Promise<void> {
  for (const path of paths) {
    if (!isSafeArchivePath(path)) throw new Error(`Refusing to pack the unsafe path ${path}`);
  }
  const stream = createTar({ cwd: dir, gzip: { level: 6 }, portable: true, noDirRecurse: true }, [...paths]);
  await pipeline(stream as unknown as Readable, createWriteStream(destPath, { flags: 'wx', mode: 0o600 }));
}

/** SHA-256 of a file, hex (streamed). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}
