/**
 * `base64::`, `hex::` and `url::` through the real engine and SDK modules: RFC 4648's test vectors
 * (§10) both ways, the URL-safe alphabet, strict decoding (a bad character, padding or length is a
 * catchable error with the position, never skipped), percent-encoding per RFC 3986, URL parts and
 * query strings.
 */
import { describe, expect, it } from 'vitest';
import { runScript, scriptFailure, scriptValue } from '../support/script-runner.js';

const run = (source: string) => scriptValue(runScript(source));

/** RFC 4648 §10. */
const VECTORS: [string, string, string][] = [
  ['', '', ''],
  ['f', 'Zg==', '66'],
  ['fo', 'Zm8=', '666F'],
  ['foo', 'Zm9v', '666F6F'],
  ['foob', 'Zm9vYg==', '666F6F62'],
  ['fooba', 'Zm9vYmE=', '666F6F6261'],
  ['foobar', 'Zm9vYmFy', '666F6F626172'],
];

describe('base64 (RFC 4648 §4, §5, test vectors of §10)', () => {
  it.each(VECTORS)('BASE64(%j) = %j', (text, base64) => {
    expect(run(`base64::encode(${JSON.stringify(text)})`)).toBe(base64);
    expect(run(`base64::decode(${JSON.stringify(base64)}).as_string()`)).toBe(text);
    expect(run(`base64::encode_url(${JSON.stringify(text)})`)).toBe(base64.replace(/=+$/, ''));
    expect(run(`base64::decode_url(${JSON.stringify(base64)}).as_string()`)).toBe(text);
    expect(run(`base64::decode_url(${JSON.stringify(base64.replace(/=+$/, ''))}).as_string()`)).toBe(text);
  });

  it('uses + and / in the standard alphabet, - and _ in the URL-safe one', () => {
    const bytes = 'let b = blob(); b.push(0xfb); b.push(0xff); b.push(0xbf);';
    expect(run(`${bytes} [base64::encode(b), base64::encode_url(b)]`)).toEqual(['+/+/', '-_-_']);
    expect(run('let b = base64::decode("+/+/"); [b[0], b[1], b[2]]')).toEqual([0xfb, 0xff, 0xbf]);
    expect(run('base64::decode_url("-_-_") == base64::decode("+/+/")')).toBe(true);
  });

  it('decodes to a BLOB, so binary data survives', () => {
    expect(run('let b = base64::decode("AP8="); [type_of(b), b.len(), b[0], b[1]]')).toEqual([
      'blob',
      2,
      0,
      255,
    ]);
  });
});

describe('hex (RFC 4648 §8)', () => {
  it.each(VECTORS)('BASE16(%j) = %j (written lower-case, read in either case)', (text, _b, base16) => {
    expect(run(`hex::encode(${JSON.stringify(text)})`)).toBe(base16.toLowerCase());
    expect(run(`hex::decode("${base16}").as_string()`)).toBe(text);
    expect(run(`hex::decode("${base16.toLowerCase()}").as_string()`)).toBe(text);
  });
});

describe('url', () => {
  it('encodes everything but the RFC 3986 unreserved characters, as UTF-8', () => {
    expect(run('url::encode("a b&c=d/é?~_.-!*\'()")')).toBe('a%20b%26c%3Dd%2F%C3%A9%3F~_.-%21%2A%27%28%29');
    expect(run('url::decode("a%20b%26c%3Dd%2F%C3%A9+x")')).toBe('a b&c=d/é+x');
    expect(run('url::encode(blob(2, 0xff))')).toBe('%FF%FF');
  });

  it('parses a URL into its parts', () => {
    expect(run('url::parse("https://ada:s%20cret@Example.COM:8443/a/b%20c?x=1&y=2&y=3&e=a+b#top")')).toEqual({
      scheme: 'https',
      username: 'ada',
      password: 's cret',
      host: 'example.com',
      port: 8443,
      path: '/a/b%20c',
      query: { x: '1', y: ['2', '3'], e: 'a b' },
      fragment: 'top',
    });
    expect(run('url::parse("http://192.168.1.40/relay")')).toEqual({
      scheme: 'http',
      username: null,
      password: null,
      host: '192.168.1.40',
      port: null,
      path: '/relay',
      query: {},
      fragment: null,
    });
  });

  it('builds a query string from a map (arrays repeat the key, () is left out)', () => {
    expect(run('url::query(#{ q: "tea & cake", page: 2, tags: ["a", "b c"], on: true, none: () })')).toBe(
      'on=true&page=2&q=tea%20%26%20cake&tags=a&tags=b%20c',
    );
    expect(run('url::parse("http://x/?" + url::query(#{ q: "a=b&c" })).query.q')).toBe('a=b&c');
  });
});

describe('bad input is a catchable error with the position', () => {
  it.each([
    ['base64::decode("Zm9v!")', 'character 5 is not in the Base 64 alphabet'],
    ['base64::decode("Zm9vYg")', 'the length 6 is not a multiple of 4'],
    ['base64::decode("Zg=a")', '"=" at character 3 is padding before the end'],
    ['base64::decode("Zm9v YmFy")', 'character 5 is not in the Base 64 alphabet'],
    ['base64::decode("-_-_")', 'character 1 is not in the Base 64 alphabet'],
    ['base64::decode_url("+/+/")', 'character 1 is not in the URL-safe Base 64 alphabet'],
    ['base64::decode_url("Zm9vY")', 'the last group has a single character'],
    ['base64::decode_url("Zg=")', 'the length 3 is not a multiple of 4'],
    ['base64::encode(12)', 'the data must be a string or a BLOB, not i64'],
    ['hex::decode("abc")', 'an odd number of digits (3)'],
    ['hex::decode("0g")', 'character 2 is not a hex digit'],
    ['url::decode("100%")', 'malformed percent-encoding'],
    ['url::decode("%C3")', 'malformed percent-encoding'],
    ['url::parse("/relative/path")', 'the text is not an absolute URL'],
    [
      'url::query(#{ a: #{ b: 1 } })',
      'the value of "a" must be a string, a number, a bool, () or an array of them, not map',
    ],
    ['url::query("a=1")', 'expects a map of parameters, not string'],
  ])('%s', (call, message) => {
    const error = scriptFailure(runScript(`let x = 1;\n    ${call}`));
    expect(error).toMatchObject({ code: 'PICLOUD_ERR_SCRIPT_RUNTIME', line: 2, column: 5 });
    expect(error.details).toEqual({ reason: 'BAD_ARGUMENTS' });
    expect(error.message).toContain(message);
    expect(run(`try { ${call} } catch (err) { err.reason }`)).toBe('BAD_ARGUMENTS');
  });

  it("keeps results within the run's limits", () => {
    const tooLong = (source: string, limits: { maxArraySize?: number; maxStringSize?: number }) =>
      scriptFailure(runScript(source, { limits })).kind;
    expect(tooLong('let t = "AAAA"; t.pad(400, "A"); base64::decode(t)', { maxArraySize: 100 })).toBe(
      'ErrorDataTooLarge',
    );
    expect(tooLong('hex::encode(blob(90, 1))', { maxStringSize: 100 })).toBe('ErrorDataTooLarge');
  });
});
