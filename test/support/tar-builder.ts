/**
 * Builds tar streams header by header with tar's own Header class, so a test can make exactly the
 * archive a malicious tool would: links, devices, `..` paths, lying sizes, missing end blocks.
 */
import { Header } from 'tar';

/** One tar entry. */
export interface TarEntry {
  path: string;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'FIFO';
  body?: Buffer | string;
  /** A size to declare in the header instead of the body's. */
  declaredSize?: number;
  linkpath?: string;
}

/** A tar stream of `entries` (uncompressed). */
export function tarOf(entries: TarEntry[], { end = true } = {}): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? '');
    const header = new Header({
      path: entry.path,
      type: entry.type ?? 'File',
      size: entry.declaredSize ?? (entry.type && entry.type !== 'File' ? 0 : body.length),
      mode: 0o644,
      mtime: new Date(0),
      linkpath: entry.linkpath,
    });
    const block = Buffer.alloc(512);
    header.encode(block, 0);
    blocks.push(block);
    if (body.length > 0) {
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  if (end) blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
