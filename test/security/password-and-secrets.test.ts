/**
 * The security primitives that know nothing about the appliance: scrypt password hashes (verify never
 * throws, whatever the stored text), the secrets handed to clients and their digests, where a request
 * comes from (loopback address and loopback Host, against DNS rebinding), and the scope vocabulary.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isLocalRequest, isLoopbackAddress } from '../../server/security/client-address.js';
import {
  decoyHash,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  passwordProblem,
  verifyPassword,
} from '../../server/security/password-hash.js';
import { grants, isScope, SCOPE_NAMES, SCOPES } from '../../server/security/scopes.js';
import {
  API_TOKEN_PREFIX,
  digest,
  looksLikeApiToken,
  newApiToken,
  newCsrfToken,
  newSessionSecret,
  newSetupCode,
  normaliseSetupCode,
  sameSecret,
} from '../../server/security/secret-token.js';

const PASSWORD = 'correct horse battery staple';

describe('password hashes (scrypt)', () => {
  // One hash shared by the tests below: each costs 32 MiB and tens of milliseconds.
  const hashed = hashPassword(PASSWORD);

  it('verifies the password it was made from, and nothing else', async () => {
    const encoded = await hashed;
    expect(await verifyPassword(PASSWORD, encoded)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', encoded)).toBe(false);
    expect(await verifyPassword('Correct horse battery staple', encoded)).toBe(false);
    expect(await verifyPassword('', encoded)).toBe(false);
  });

  it('encodes its parameters, a salt and a 32-byte key', async () => {
    const encoded = await hashed;
    expect(encoded.startsWith('scrypt$32768$8$1$')).toBe(true);
    const [, , , , salt, key] = encoded.split('$');
    expect(Buffer.from(salt, 'base64url')).toHaveLength(16);
    expect(Buffer.from(key, 'base64url')).toHaveLength(32);
    expect(encoded).not.toContain(PASSWORD);
  });

  it('salts every hash: two hashes of one password differ and both verify', async () => {
    const first = await hashed;
    const second = await hashPassword(PASSWORD);
    expect(second).not.toBe(first);
    expect(second.split('$')[4]).not.toBe(first.split('$')[4]);
    expect(await verifyPassword(PASSWORD, second)).toBe(true);
  });

  it('treats NFKC-equivalent spellings as the same password', async () => {
    // "ﬁ" (U+FB01, a ligature) normalises to "fi": a phone keyboard and a desktop agree.
    const encoded = await hashPassword('ﬁne password 1');
    expect(await verifyPassword('fine password 1', encoded)).toBe(true);
  });

  /** Stored texts that are not a valid hash of PASSWORD, built from a real one. */
  async function malformed(): Promise<Record<string, string>> {
    const encoded = await hashed;
    const [, N, r, p, salt, key] = encoded.split('$');
    const flipped = Buffer.from(key, 'base64url');
    flipped[0] ^= 1;
    const with_ = (fields: Partial<Record<'name' | 'N' | 'r' | 'p' | 'salt' | 'key', string>>) =>
      [
        fields.name ?? 'scrypt',
        fields.N ?? N,
        fields.r ?? r,
        fields.p ?? p,
        fields.salt ?? salt,
        fields.key ?? key,
      ].join('$');
    return {
      empty: '',
      'plain text': PASSWORD,
      'too few fields': encoded.split('$').slice(0, 5).join('$'),
      'too many fields': `${encoded}$extra`,
      'another algorithm': with_({ name: 'argon2id' }),
      'a flipped key bit': with_({ key: flipped.toString('base64url') }),
      'a truncated key': with_({ key: key.slice(0, 20) }),
      'an empty key': with_({ key: '' }),
      'another salt': with_({ salt: Buffer.alloc(16, 7).toString('base64url') }),
      'a different cost': with_({ N: '16384' }),
      'a non-numeric cost': with_({ N: 'lots' }),
      'a fractional cost': with_({ N: '32768.5' }),
      'a cost beyond the ceiling': with_({ N: String(2 ** 21) }),
      'a block size beyond the ceiling': with_({ r: '33' }),
      'a parallelism beyond the ceiling': with_({ p: '17' }),
      'a cost that is not a power of two': with_({ N: '3' }),
      'a zero cost': with_({ N: '0' }),
      'an empty cost': with_({ N: '' }),
      'a negative cost': with_({ N: '-2' }),
      'a zero block size': with_({ r: '0' }),
      'a zero parallelism': with_({ p: '0' }),
    };
  }

  it('answers false, never throws, for a malformed or tampered hash', async () => {
    const outcomes: Record<string, boolean | string> = {};
    for (const [name, encoded] of Object.entries(await malformed())) {
      outcomes[name] = await verifyPassword(PASSWORD, encoded).catch(
        (error: Error) => `threw: ${error.message}`,
      );
    }
    expect(outcomes).toEqual(Object.fromEntries(Object.keys(outcomes).map((name) => [name, false])));
  });

  it('refuses an over-long password before hashing it, in verify and for new passwords', async () => {
    const long = 'x'.repeat(MAX_PASSWORD_LENGTH + 1);
    // Even the hash of that very password does not verify: verify refuses the length first.
    const encoded = await hashPassword(long);
    expect(await verifyPassword(long, encoded)).toBe(false);
    expect(passwordProblem(long)).toMatch(new RegExp(`at most ${MAX_PASSWORD_LENGTH}`));
    const longest = 'x'.repeat(MAX_PASSWORD_LENGTH);
    expect(await verifyPassword(longest, await hashPassword(longest))).toBe(true);
    expect(passwordProblem(longest)).toBeNull();
  });

  it('asks new passwords for a minimum length', () => {
    expect(passwordProblem('x'.repeat(MIN_PASSWORD_LENGTH - 1))).toMatch(
      new RegExp(`at least ${MIN_PASSWORD_LENGTH}`),
    );
    expect(passwordProblem('')).not.toBeNull();
    expect(passwordProblem('x'.repeat(MIN_PASSWORD_LENGTH))).toBeNull();
    expect(passwordProblem(PASSWORD)).toBeNull();
  });

  it('has a decoy hash that is a real, reused hash verifying nothing a caller would send', async () => {
    const decoy = await decoyHash();
    expect(decoy.startsWith('scrypt$32768$8$1$')).toBe(true);
    expect(await decoyHash()).toBe(decoy);
    for (const guess of [PASSWORD, '', 'password', 'admin', decoy]) {
      expect(await verifyPassword(guess, decoy)).toBe(false);
    }
  });
});

describe('secret tokens', () => {
  it('makes API tokens of "pic_" and 43 base64url characters, each one new', () => {
    const tokens = Array.from({ length: 50 }, () => newApiToken());
    for (const token of tokens) {
      expect(token).toMatch(/^pic_[A-Za-z0-9_-]{43}$/);
      expect(token.startsWith(API_TOKEN_PREFIX)).toBe(true);
      expect(looksLikeApiToken(token)).toBe(true);
    }
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it.each([
    ['no prefix', 'A'.repeat(47)],
    ['another prefix', `pik_${'A'.repeat(43)}`],
    ['upper-case prefix', `PIC_${'A'.repeat(43)}`],
    ['one character short', `pic_${'A'.repeat(42)}`],
    ['one character long', `pic_${'A'.repeat(44)}`],
    ['a character outside base64url', `pic_${'A'.repeat(42)}+`],
    ['padding', `pic_${'A'.repeat(42)}=`],
    ['surrounding space', ` pic_${'A'.repeat(43)}`],
    ['a trailing newline', `pic_${'A'.repeat(43)}\n`],
    ['empty', ''],
  ])('does not take text with %s for an API token', (_name, text) => {
    expect(looksLikeApiToken(text)).toBe(false);
  });

  it('digests a secret as hex SHA-256', () => {
    const token = newApiToken();
    expect(digest(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(digest(token)).toBe(createHash('sha256').update(token).digest('hex'));
    expect(digest('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(digest(token)).not.toBe(digest(newApiToken()));
  });

  it('makes session secrets and CSRF tokens of 32 and 24 random bytes', () => {
    expect(Buffer.from(newSessionSecret(), 'base64url')).toHaveLength(32);
    expect(newSessionSecret()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newCsrfToken()).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(newSessionSecret()).not.toBe(newSessionSecret());
    expect(newCsrfToken()).not.toBe(newCsrfToken());
  });

  it('makes set-up codes XXXX-XXXX-XXXX from letters and digits that cannot be misread', () => {
    const codes = Array.from({ length: 200 }, () => newSetupCode());
    for (const code of codes) {
      expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
      // No 0/O, 1/I/L, nor U (V) in the alphabet.
      expect(code).not.toMatch(/[01OILU]/);
    }
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('reads a typed set-up code whatever its case, spaces and dashes', () => {
    const code = newSetupCode();
    const canonical = normaliseSetupCode(code);
    expect(canonical).toBe(code.replaceAll('-', ''));
    expect(canonical).toMatch(/^[A-Z2-9]{12}$/);
    for (const typed of [
      code.toLowerCase(),
      code.replaceAll('-', ' '),
      code.replaceAll('-', ''),
      ` ${code.slice(0, 2)} ${code.slice(2).toLowerCase()}\t`,
      code.split('').join('-'),
    ]) {
      expect(normaliseSetupCode(typed)).toBe(canonical);
    }
    expect(normaliseSetupCode('k7qf 2mzp-9xra')).toBe('K7QF2MZP9XRA');
  });

  it('compares secrets for equality only (any length, no throw)', () => {
    const token = newApiToken();
    expect(sameSecret(token, `${token}`)).toBe(true);
    expect(sameSecret('', '')).toBe(true);
    expect(sameSecret(token, newApiToken())).toBe(false);
    expect(sameSecret(token, token.slice(0, -1))).toBe(false);
    expect(sameSecret(token, `${token}x`)).toBe(false);
    expect(sameSecret('abc', '')).toBe(false);
    // Equal in characters is not enough when the bytes differ (é precomposed vs decomposed).
    expect(sameSecret('\u00e9', 'e\u0301')).toBe(false);
  });
});

describe('client address', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.5.0.1', true],
    ['127.255.255.254', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['192.168.1.2', false],
    ['10.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    ['128.0.0.1', false],
    ['fe80::1', false],
    ['::', false],
    ['0.0.0.0', false],
    ['', false],
    ['localhost', false],
    ['127.example', false],
  ])('isLoopbackAddress(%j) is %s', (address, expected) => {
    expect(isLoopbackAddress(address)).toBe(expected);
  });

  it('takes no address for a remote one', () => {
    expect(isLoopbackAddress(undefined)).toBe(false);
  });

  it.each([
    ['127.0.0.1', 'localhost', true],
    ['127.0.0.1', 'localhost:8080', true],
    ['127.0.0.1', 'LOCALHOST:8080', true],
    ['127.0.0.1', '127.0.0.1:80', true],
    ['127.0.0.1', '127.0.0.1', true],
    ['::1', '[::1]:8080', true],
    ['::1', '[::1]', true],
    ['::ffff:127.0.0.1', 'localhost', true],
    ['127.0.0.1', 'picloud.localhost:8080', true],
    // DNS rebinding: the page's own name arrives from this machine.
    ['127.0.0.1', 'evil.example', false],
    ['127.0.0.1', 'evil.example:8080', false],
    ['127.0.0.1', 'localhost.evil.example', false],
    ['127.0.0.1', '127.0.0.1.evil.example', false],
    ['127.0.0.1', '', false],
    // From the LAN, even when it names the machine as localhost.
    ['192.168.1.2', 'localhost', false],
    ['192.168.1.2', 'localhost:8080', false],
    ['::ffff:10.0.0.1', '127.0.0.1', false],
    ['', 'localhost', false],
  ])('isLocalRequest from %j with Host %j is %s', (ip, host, expected) => {
    expect(isLocalRequest({ ip, headers: host === '' ? {} : { host } })).toBe(expected);
  });
});

describe('scopes', () => {
  it('grants exactly the scopes held', () => {
    expect(grants(['apps:read'], 'apps:read')).toBe(true);
    expect(grants(['apps:read'], 'apps:write')).toBe(false);
    expect(grants(['apps:read', 'logs:read'], 'logs:read')).toBe(true);
    expect(grants(['logs:read'], 'audit:read')).toBe(false);
    expect(grants([], 'apps:read')).toBe(false);
    // A write scope does not imply its read scope, nor a name its prefix.
    expect(grants(['apps:write'], 'apps:read')).toBe(false);
    expect(grants(['apps'], 'apps:read')).toBe(false);
  });

  it('lets admin do everything', () => {
    for (const scope of SCOPE_NAMES) {
      expect(grants(['admin'], scope), scope).toBe(true);
      expect(grants(['logs:read', 'admin'], scope), scope).toBe(true);
    }
  });

  it('holds no other scope that implies all: only admin', () => {
    for (const holder of SCOPE_NAMES.filter((scope) => scope !== 'admin')) {
      expect(grants([holder], 'admin'), holder).toBe(false);
      const granted = SCOPE_NAMES.filter((scope) => grants([holder], scope));
      expect(granted, holder).toEqual([holder]);
    }
  });

  it('knows its vocabulary', () => {
    for (const scope of SCOPE_NAMES) expect(isScope(scope)).toBe(true);
    expect(SCOPE_NAMES).toEqual(Object.keys(SCOPES));
    expect(SCOPE_NAMES).toContain('admin');
    expect(SCOPE_NAMES).toContain('audit:read');
    for (const text of ['', 'ADMIN', 'apps', 'apps:delete', 'toString', 'constructor', '__proto__']) {
      expect(isScope(text), text).toBe(false);
    }
  });
});
