/**
 * The supervisor's pure parts: back-off arithmetic, how an exit is read from the server's output, and
 * the size-capped log file.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF, failuresAfter } from '../../main/supervisor/backoff.js';
import { classifyExit, lastServerError } from '../../main/supervisor/classify-exit.js';
import { RotatingLogFile } from '../../main/supervisor/log-file.js';

const scratch = mkdtempSync(join(tmpdir(), 'picloud-supervisor-parts-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('back-off', () => {
  it('doubles from 1 s up to a minute', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => backoffDelay(DEFAULT_BACKOFF, n))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000,
    ]);
  });

  it('counts failures in a row, and a stable run starts the count again', () => {
    expect(failuresAfter(DEFAULT_BACKOFF, 0, 500)).toBe(1);
    expect(failuresAfter(DEFAULT_BACKOFF, 4, 59_999)).toBe(5);
    expect(failuresAfter(DEFAULT_BACKOFF, 4, 60_000)).toBe(1);
  });
});

describe('reading an exit', () => {
  const exit = (stderrTail: string, wasReady = false) =>
    classifyExit({ wasReady, exitCode: 1, signal: null, stderrTail });

  it.each([
    [
      'a port in use (coded)',
      'picloud: could not start: PICLOUD_PORT=80: another program already listens on 0.0.0.0:80. Stop it, or choose another port with PICLOUD_PORT. (PICLOUD_ERR_STARTUP_PORT_IN_USE)\n',
      {
        failure: 'port-in-use',
        permanent: true,
        code: 'PICLOUD_ERR_STARTUP_PORT_IN_USE',
        message:
          'PICLOUD_PORT=80: another program already listens on 0.0.0.0:80. Stop it, or choose another port with PICLOUD_PORT.',
      },
    ],
    [
      'an unwritable data folder (coded)',
      "picloud: could not start: PICLOUD_DATA_DIR=/srv/x is not writable: EROFS: read-only file system, open '/srv/x/.write-test-1'. Choose a folder this user can write to, or fix its permissions. (PICLOUD_ERR_STARTUP_DATA_DIR)",
      { failure: 'data-dir', permanent: true, code: 'PICLOUD_ERR_STARTUP_DATA_DIR' },
    ],
    [
      'another PiCloud on the data folder (coded)',
      'picloud: could not start: PiCloud is already running with data folder /d (pid 9). Stop it first, or set PICLOUD_DATA_DIR. (PICLOUD_ERR_STARTUP_ALREADY_RUNNING)',
      { failure: 'already-running', permanent: true },
    ],
    [
      'a folder PostgreSQL cannot enter (no code, told by its wording)',
      'picloud: could not start: PICLOUD_DATA_DIR=/root/x: PostgreSQL runs as user "picloud" (PiCloud runs as root) and cannot enter /root.',
      { failure: 'data-dir', permanent: true, code: null },
    ],
    [
      'a raw EADDRINUSE (a server without start-up codes)',
      'picloud: could not start: listen EADDRINUSE: address already in use 0.0.0.0:8080',
      { failure: 'port-in-use', permanent: true, code: null },
    ],
    [
      'an invalid setting',
      "picloud: Invalid setting PICLOUD_PORT='http': must be an integer from 0 to 65535",
      {
        failure: 'config',
        permanent: true,
        message: "Invalid setting PICLOUD_PORT='http': must be an integer from 0 to 65535",
      },
    ],
    [
      'an unknown start-up failure: worth retrying',
      '{"level":50,"msg":"x"}\npicloud: could not start: Cannot connect to the database at PICLOUD_DATABASE_URL: connect ECONNREFUSED\n',
      {
        failure: 'start-failed',
        permanent: false,
        message: 'Cannot connect to the database at PICLOUD_DATABASE_URL: connect ECONNREFUSED',
      },
    ],
    [
      'an exit without a word',
      'Segmentation fault\n',
      {
        failure: 'start-failed',
        permanent: false,
        message: 'The PiCloud server exited with code 1 before it was ready',
      },
    ],
  ])('%s', (_name, stderr, expected) => {
    expect(exit(stderr)).toMatchObject(expected);
  });

  it('calls any exit after readiness a crash, whatever was printed', () => {
    expect(exit('picloud: could not start: (PICLOUD_ERR_STARTUP_PORT_IN_USE)', true)).toEqual({
      failure: 'crashed',
      permanent: false,
      message: 'The PiCloud server exited with code 1',
      code: null,
    });
    expect(classifyExit({ wasReady: true, exitCode: null, signal: 'SIGKILL', stderrTail: '' }).message).toBe(
      'The PiCloud server was killed by SIGKILL',
    );
  });

  it('takes the last of several `picloud:` lines', () => {
    expect(lastServerError('picloud: first\nnoise\npicloud: could not start: second\n')).toBe('second');
    expect(lastServerError('nothing here')).toBeNull();
  });
});

describe('the log file', () => {
  it('appends, creating its folder private to the user', () => {
    const path = join(scratch, 'fresh', 'logs', 'server.log');
    const log = new RotatingLogFile(path);
    log.write('one\n');
    log.write(Buffer.from('two\n'));
    log.close();
    log.write('three\n');
    log.close();
    expect(readFileSync(path, 'utf8')).toBe('one\ntwo\nthree\n');
    expect(statSync(join(scratch, 'fresh')).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('rotates past its size cap, keeping one previous file', () => {
    const path = join(scratch, 'rotating.log');
    const log = new RotatingLogFile(path, { maxBytes: 10 });
    for (const line of ['aaaa\n', 'bbbb\n', 'cccc\n', 'dddd\n', 'eeee\n']) log.write(line);
    log.close();
    expect(readFileSync(path, 'utf8')).toBe('eeee\n');
    expect(readFileSync(`${path}.1`, 'utf8')).toBe('cccc\ndddd\n');
    // A chunk larger than the cap still gets written, in a file of its own.
    const big = new RotatingLogFile(path, { maxBytes: 10 });
    big.write('x'.repeat(25));
    big.close();
    expect(readFileSync(path, 'utf8')).toBe('x'.repeat(25));
  });

  it('reports once when it cannot write, then stays quiet', () => {
    const blocker = join(scratch, 'a-file');
    writeFileSync(blocker, '');
    const errors: Error[] = [];
    const log = new RotatingLogFile(join(blocker, 'logs', 'server.log'), {
      onError: (error) => errors.push(error),
    });
    log.write('lost\n');
    log.write('lost too\n');
    expect(errors.map((error) => (error as NodeJS.ErrnoException).code)).toEqual(['ENOTDIR']);
    expect(existsSync(join(blocker, 'logs'))).toBe(false);
  });
});
