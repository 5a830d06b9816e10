/**
 * Hostile archives, as an attacker on the LAN would upload them: every one is refused with a clear
 * message, nothing is written outside the destination folder, and no bomb gets past its bound. The
 * archives are built header by header with tar's own Header class, so each attack is exactly what a
 * malicious tool could produce.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ArchiveRefusedError,
  type ExtractLimits,
  extractArchive,
} from '../../server/archive/safe-archive.js';
import { type TarEntry as Entry, tarOf } from '../support/tar-builder.js';

const work = mkdtempSync(join(tmpdir(), 'picloud-archive-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const LIMITS: ExtractLimits = {
  maxCompressedBytes: 1024 * 1024,
  maxTotalBytes: 256 * 1024,
  maxEntryBytes: 128 * 1024,
  maxEntries: 10,
};
const allowAny = (_path: string) => true;
let n = 0;

async function extract(archive: Buffer, allow: (path: string) => boolean = allowAny, limits = LIMITS) {
  const dest = join(work, `x${n++}`);
  return { dest, result: extractArchive(Readable.from([archive]), dest, limits, allow) };
}

async function refused(archive: Buffer, message: RegExp, allow = allowAny, limits = LIMITS) {
  const { dest, result } = await extract(archive, allow, limits);
  await expect(result).rejects.toThrow(ArchiveRefusedError);
  await expect(result).rejects.toThrow(message);
  // Nothing escaped the destination folder.
  expect(readdirSync(work).filter((name) => !name.startsWith('x'))).toEqual([]);
  return dest;
}

describe('a well-formed archive', () => {
  it('is unpacked with sizes and SHA-256 digests', async () => {
    const { dest, result } = await extract(
      gzipSync(
        tarOf([
          { path: 'a.txt', body: 'hello' },
          { path: 'db/b.tsv', body: 'x\ty\n' },
        ]),
      ),
    );
    expect(await result).toEqual([
      { path: 'a.txt', size: 5, sha256: '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824' },
      { path: 'db/b.tsv', size: 4, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
    expect(existsSync(join(dest, 'db', 'b.tsv'))).toBe(true);
  });
});

describe('hostile archives are refused', () => {
  it.each([
    ['a path with ..', '../escape.txt'],
    ['a nested ..', 'db/../../escape.txt'],
    ['an absolute path', '/etc/escape.txt'],
    ['a backslash', 'db\\..\\escape.txt'],
    ['a control character', 'a\nb.txt'],
    ['an overlong path', `${'d/'.repeat(20)}x`],
    ['a hidden dot segment', './manifest.json'],
  ])('%s', async (_name, path) => {
    await refused(gzipSync(tarOf([{ path, body: 'x' }])), /unsafe|unexpected/);
    expect(existsSync(join(work, '..', 'escape.txt'))).toBe(false);
  });

  it.each([
    ['a symbolic link', { path: 'link', type: 'SymbolicLink', linkpath: '/etc/passwd' }],
    ['a hard link', { path: 'hard', type: 'Link', linkpath: '/etc/passwd' }],
    ['a device', { path: 'dev', type: 'CharacterDevice' }],
    ['a FIFO', { path: 'fifo', type: 'FIFO' }],
  ] as const)('%s', async (_name, entry) => {
    await refused(gzipSync(tarOf([entry as Entry])), /only regular files/);
  });

  it('a name the caller does not expect', async () => {
    await refused(
      gzipSync(tarOf([{ path: 'extra.sh', body: 'x' }])),
      /unexpected/,
      (p) => p === 'manifest.json',
    );
  });

  it('the same name twice (a later copy overwriting a checked one)', async () => {
    await refused(
      gzipSync(
        tarOf([
          { path: 'a', body: '1' },
          { path: 'a', body: '2' },
        ]),
      ),
      /twice/,
    );
  });

  it('a file declaring a huge size', async () => {
    await refused(
      gzipSync(tarOf([{ path: 'big', body: 'x', declaredSize: 8 * 1024 ** 3 }], { end: false })),
      /over the limit/,
    );
  });

  it('too many files', async () => {
    const entries = Array.from({ length: 11 }, (_, i) => ({ path: `f${i}`, body: 'x' }));
    await refused(gzipSync(tarOf(entries)), /more than 10 files/);
  });

  it('files adding up past the total bound', async () => {
    const body = Buffer.alloc(100 * 1024, 0x61);
    await refused(
      gzipSync(
        tarOf([
          { path: 'a', body },
          { path: 'b', body },
          { path: 'c', body },
        ]),
      ),
      /add up to more than/,
    );
  });

  it('a zip bomb: stops at the decompressed bound, not at the end of the stream', async () => {
    // 64 MiB of zeros in one file compress to about 64 KiB; the bound is 256 KiB.
    const bomb = gzipSync(tarOf([{ path: 'zeros', body: Buffer.alloc(64 * 1024 * 1024) }]), { level: 9 });
    expect(bomb.length).toBeLessThan(LIMITS.maxCompressedBytes);
    await refused(bomb, /over the limit|more than/);
  });

  it('a compressed input over its bound', async () => {
    const noise = Buffer.from(Array.from({ length: 200 * 1024 }, () => Math.floor(Math.random() * 256)));
    await refused(gzipSync(tarOf([{ path: 'noise', body: noise }])), /larger than/, allowAny, {
      ...LIMITS,
      maxCompressedBytes: 64 * 1024,
    });
  });

  it('compression inside the compression', async () => {
    await refused(gzipSync(gzipSync(tarOf([{ path: 'a', body: 'x' }]))), /compressed twice/);
  });

  it('a truncated archive', async () => {
    const whole = gzipSync(tarOf([{ path: 'a', body: Buffer.alloc(10_000, 0x62) }]));
    await refused(whole.subarray(0, Math.floor(whole.length / 2)), /damaged or truncated/);
  });

  it('a tar cut in the middle of a file', async () => {
    const cut = tarOf([{ path: 'a', body: Buffer.alloc(10_000, 0x62) }], { end: false }).subarray(0, 4_096);
    await refused(gzipSync(cut), /damaged or truncated/);
  });

  it('bytes that are no gzip at all', async () => {
    await refused(Buffer.from('just some text, not an archive'), /damaged or truncated/);
  });
});
