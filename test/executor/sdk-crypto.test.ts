/**
 * `crypto::` through the real engine and SDK modules: known answers from the standards (FIPS 180 and
 * RFC 1321 digests, RFC 4231 HMAC-SHA-256), GitHub's documented webhook signature, randomness that is
 * in range and not constant, and refused arguments as catchable errors with their position.
 */
import { describe, expect, it } from 'vitest';
import { runScript, scriptFailure, scriptValue } from '../support/script-runner.js';

/** Room for RFC 4231's 131-byte keys and a few hundred draws. */
const run = (source: string) => scriptValue(runScript(source, { limits: { maxArraySize: 1_000 } }));

describe('digests (hex)', () => {
  it.each([
    ['sha256', '', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['sha256', 'abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['sha1', 'abc', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
    ['sha1', '', 'da39a3ee5e6b4b0d3255bfef95601890afd80709'],
    ['md5', 'abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['md5', 'message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
  ])('crypto::%s(%j)', (fn, text, hex) => {
    expect(run(`crypto::${fn}(${JSON.stringify(text)})`)).toBe(hex);
  });

  it('hashes a BLOB as its bytes and a string as UTF-8', () => {
    expect(run('crypto::sha256("abc".to_blob()) == crypto::sha256("abc")')).toBe(true);
    // "é" is C3 A9 in UTF-8.
    expect(run('let b = blob(); b.push(0xc3); b.push(0xa9); crypto::md5(b) == crypto::md5("é")')).toBe(true);
  });
});

describe('HMAC-SHA-256 (RFC 4231 §4)', () => {
  // Keys and data as Rhai expressions; the expected MACs are the RFC's.
  it.each([
    ['1', 'blob(20, 0x0b)', '"Hi There"', 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'],
    [
      '2',
      '"Jefe"',
      '"what do ya want for nothing?"',
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    ],
    [
      '3',
      'blob(20, 0xaa)',
      'blob(50, 0xdd)',
      '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe',
    ],
    [
      '4',
      '{ let k = blob(); for i in 1..=25 { k.push(i); } k }',
      'blob(50, 0xcd)',
      '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
    ],
    [
      '6',
      'blob(131, 0xaa)',
      '"Test Using Larger Than Block-Size Key - Hash Key First"',
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    ],
    [
      '7',
      'blob(131, 0xaa)',
      '"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."',
      '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
    ],
  ])('test case %s', (_case, key, data, mac) => {
    expect(run(`crypto::hmac_sha256(${key}, ${data})`)).toBe(mac);
    // The BLOB variant holds the same 32 bytes.
    expect(run(`let m = crypto::hmac_sha256_blob(${key}, ${data}); [m.len(), hex::encode(m)]`)).toEqual([
      32,
      mac,
    ]);
  });

  it('test case 5: truncated to 128 bits', () => {
    expect(run('crypto::hmac_sha256(blob(20, 0x0c), "Test With Truncation").sub_string(0, 32)')).toBe(
      'a3b6167473100ee06e0c796c2955552b',
    );
  });

  it("verifies GitHub's documented webhook signature", () => {
    // docs.github.com, "Validating webhook deliveries": this secret, payload and header.
    const script = `
      let expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
      let mine = "sha256=" + crypto::hmac_sha256("It's a Secret to Everybody", "Hello, World!");
      [crypto::equal(mine, expected), crypto::equal(mine, expected.sub_string(0, 70) + "0")]`;
    expect(run(script)).toEqual([true, false]);
  });
});

describe('crypto::equal', () => {
  it.each([
    ['"abc", "abc"', true],
    ['"abc", "abd"', false],
    ['"abc", "abcd"', false],
    ['"", ""', true],
    ['"abc".to_blob(), "abc"', true],
    ['blob(3, 1), blob(3, 2)', false],
  ])('equal(%s) is %s', (args, expected) => {
    expect(run(`crypto::equal(${args})`)).toBe(expected);
  });
});

describe('randomness', () => {
  it('random_bytes gives a BLOB of that many bytes, different each time', () => {
    expect(
      run('let a = crypto::random_bytes(32); let b = crypto::random_bytes(32); [a.len(), a != b]'),
    ).toEqual([32, true]);
    expect(run('crypto::random_bytes(0).len()')).toBe(0);
  });

  it('uuid is a version 4 UUID, different each time', () => {
    const [a, b] = run('[crypto::uuid(), crypto::uuid()]') as string[];
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
  });

  it('random_int stays within both bounds and reaches them', () => {
    const values = run('let xs = []; for i in 0..400 { xs.push(crypto::random_int(-2, 2)); } xs') as number[];
    expect(new Set(values)).toEqual(new Set([-2, -1, 0, 1, 2]));
    expect(run('crypto::random_int(7, 7)')).toBe(7);
    expect(run('crypto::random_int(-9007199254740991, -9007199254740991 + 281474976710653)')).toBeTypeOf(
      'number',
    );
  });
});

describe('bad arguments are catchable errors with the position', () => {
  it.each([
    ['crypto::sha256(42)', 'the data must be a string or a BLOB, not i64'],
    ['crypto::hmac_sha256((), "x")', 'the key must be a string or a BLOB, not ()'],
    ['crypto::random_bytes(-1)', 'the number of bytes must be from 0 to 65536, not -1'],
    ['crypto::random_bytes(65537)', 'the number of bytes must be from 0 to 65536, not 65537'],
    ['crypto::random_int(3, 1)', 'the lower bound is above the upper bound'],
    ['crypto::random_int(0, 281474976710655)', 'holds more than 2^48 - 1 values'],
    ['crypto::random_int(0, 1.5)', 'the upper bound must be an integer, not f64'],
    ['crypto::equal("a", [1])', 'the second value must be a string or a BLOB, not array'],
  ])('%s', (call, message) => {
    const error = scriptFailure(runScript(`let x = 1;\n  ${call}`));
    expect(error).toMatchObject({ code: 'PICLOUD_ERR_SCRIPT_RUNTIME', line: 2, column: 3 });
    expect(error.details).toEqual({ reason: 'BAD_ARGUMENTS' });
    expect(error.message).toContain(message);
    const label = call.slice(0, call.indexOf('('));
    expect(
      run(`try { ${call} } catch (err) { [err.reason, err.message.starts_with("${label} failed")] }`),
    ).toEqual(['BAD_ARGUMENTS', true]);
  });

  it("random_bytes respects the run's BLOB size limit", () => {
    expect(
      scriptFailure(runScript('crypto::random_bytes(1000)', { limits: { maxArraySize: 100 } })).kind,
    ).toBe('ErrorDataTooLarge');
  });
});
