import { describe, expect, it } from 'vitest';
import { RBlob, RChar } from '../../../server/rhai/runtime/value.js';
import { blob, ch, Harness, kindOf, range } from './harness.js';

const h = new Harness();
const JP = '朝には紅顔ありて夕べには白骨となる';
const EMOJI = 'a😀b';

describe('string: size', () => {
  it('len counts characters, bytes counts UTF-8 bytes', () => {
    expect(h.call('len', JP)).toBe(17);
    expect(h.call('get$bytes', JP)).toBe(51);
    expect(h.call('len', EMOJI)).toBe(3);
    expect(h.call('bytes', EMOJI)).toBe(6);
    expect(h.call('get$len', '')).toBe(0);
    expect(h.call('is_empty', '')).toBe(true);
    expect(h.call('get$is_empty', 'x')).toBe(false);
  });
});

describe('string: characters', () => {
  it('get with positive and negative positions', () => {
    expect(h.call('get', 'hello, world!', 0)).toEqual(ch('h'));
    expect(h.call('get', 'hello, world!', -1)).toEqual(ch('!'));
    expect(h.call('get', 'hello, world!', 99)).toBeUndefined();
    expect(h.call('get', 'hello', -6)).toBeUndefined();
    expect(h.call('get', EMOJI, 1)).toEqual(ch('😀'));
  });
  it('set replaces one character, ignores positions out of bounds', () => {
    expect(h.mutate('set', 'hello, world!', 3, ch('x'))).toBe('helxo, world!');
    expect(h.mutate('set', 'hello, world!', -3, ch('x'))).toBe('hello, worxd!');
    expect(h.mutate('set', 'hello', 99, ch('x'))).toBe('hello');
    expect(h.mutate('set', EMOJI, 1, ch('-'))).toBe('a-b');
  });
  it('to_chars and chars', () => {
    expect(h.call('to_chars', EMOJI)).toEqual([ch('a'), ch('😀'), ch('b')]);
    expect(h.call('chars', 'hello, world!', 2, 4)).toEqual([ch('l'), ch('l'), ch('o'), ch(',')]);
    expect(h.call('chars', 'hello', -2)).toEqual([ch('l'), ch('o')]);
    expect(h.call('chars', 'hello', range(1, 3))).toEqual([ch('e'), ch('l')]);
    expect(h.call('chars', 'hello', range(1, 3, true))).toEqual([ch('e'), ch('l'), ch('l')]);
    expect(h.call('get$chars', 'ab')).toEqual([ch('a'), ch('b')]);
    expect(h.call('chars', 'hello', 9)).toEqual([]);
    expect(h.call('chars', 'hello', 1, 0)).toEqual([]);
  });
  it('to_blob encodes UTF-8', () => {
    const b = h.call('to_blob', JP) as RBlob;
    expect(b.length).toBe(51);
    expect(Array.from((h.call('to_blob', 'é') as RBlob).view())).toEqual([0xc3, 0xa9]);
  });
});

describe('string: searching', () => {
  const text = 'hello, world! hello, foobar!';
  it('contains, starts_with, ends_with', () => {
    expect(h.call('contains', text, 'world')).toBe(true);
    expect(h.call('contains', text, ch('z'))).toBe(false);
    expect(h.call('starts_with', text, 'hello')).toBe(true);
    expect(h.call('starts_with', text, ch('h'))).toBe(true);
    expect(h.call('ends_with', text, 'foobar!')).toBe(true);
    expect(h.call('ends_with', text, ch('x'))).toBe(false);
  });
  it('index_of with and without a start position', () => {
    expect(h.call('index_of', 'hello, world!', ch('l'))).toBe(2);
    expect(h.call('index_of', 'hello, world!', ch('x'))).toBe(-1);
    expect(h.call('index_of', text, 'll')).toBe(2);
    expect(h.call('index_of', text, 'll', 5)).toBe(16);
    expect(h.call('index_of', text, 'll', -15)).toBe(16);
    expect(h.call('index_of', 'hello, world!', ch('l'), 5)).toBe(10);
    expect(h.call('index_of', 'hello, world!', ch('o'), -7)).toBe(8);
    expect(h.call('index_of', 'hello', ch('l'), 99)).toBe(-1);
    expect(h.call('index_of', 'hello', ch('h'), -99)).toBe(0);
    expect(h.call('index_of', '', 'x')).toBe(-1);
    expect(h.call('index_of', `${JP}!`, ch('!'))).toBe(17);
    expect(h.call('index_of', '😀😀x', 'x')).toBe(2);
  });
});

describe('string: extracting', () => {
  const t = 'hello, world!';
  it('sub_string with start/len, start, and ranges', () => {
    expect(h.call('sub_string', t, 3, 4)).toBe('lo, ');
    expect(h.call('sub_string', t, -8, 3)).toBe(', w');
    expect(h.call('sub_string', t, 5)).toBe(', world!');
    expect(h.call('sub_string', t, -5)).toBe('orld!');
    expect(h.call('sub_string', t, -99)).toBe(t);
    expect(h.call('sub_string', t, 99)).toBe('');
    expect(h.call('sub_string', t, 2, 0)).toBe('');
    expect(h.call('sub_string', t, range(3, 7))).toBe('lo, ');
    expect(h.call('sub_string', t, range(3, 7, true))).toBe('lo, w');
    expect(h.call('sub_string', JP, 1, 2)).toBe('には');
  });
  it('split by whitespace, position, delimiter and with a segment limit', () => {
    const s = 'hello, world! hello, foo!';
    expect(h.call('split', s)).toEqual(['hello,', 'world!', 'hello,', 'foo!']);
    expect(h.call('split', '  a \t b  ')).toEqual(['a', 'b']);
    expect(h.call('split', t, 6)).toEqual(['hello,', ' world!']);
    expect(h.call('split', t, 13)).toEqual(['hello, world!', '']);
    expect(h.call('split', t, -6)).toEqual(['hello, ', 'world!']);
    expect(h.call('split', t, -99)).toEqual(['', 'hello, world!']);
    expect(h.call('split', s, 'll')).toEqual(['he', 'o, world! he', 'o, foo!']);
    expect(h.call('split', s, ch('l'))).toEqual(['he', '', 'o, wor', 'd! he', '', 'o, foo!']);
    expect(h.call('split', s, 'll', 2)).toEqual(['he', 'o, world! hello, foo!']);
    expect(h.call('split', s, ch('l'), 3)).toEqual(['he', '', 'o, world! hello, foo!']);
    expect(h.call('split', s, 'zz')).toEqual([s]);
    expect(h.call('split', 'ab', '')).toEqual(['', 'a', 'b', '']);
    expect(h.call('split', 'abc', '', 2)).toEqual(['', 'abc']);
    expect(h.call('split', 'a,b', ',', 0)).toEqual(['a,b']);
  });
  it('split_rev', () => {
    const s = 'hello, world! hello, foo!';
    expect(h.call('split_rev', s, 'll')).toEqual(['o, foo!', 'o, world! he', 'he']);
    expect(h.call('split_rev', s, ch('l'))).toEqual(['o, foo!', '', 'd! he', 'o, wor', '', 'he']);
    expect(h.call('split_rev', s, 'll', 2)).toEqual(['o, foo!', 'hello, world! he']);
    expect(h.call('split_rev', s, ch('l'), 3)).toEqual(['o, foo!', '', 'hello, world! he']);
    expect(h.call('split_rev', 'aaa', 'aa')).toEqual(['', 'a']);
  });
});

describe('string: in-place changes', () => {
  it('crop', () => {
    const t = 'hello, world!';
    expect(h.mutate('crop', t, range(2, 8))).toBe('llo, w');
    expect(h.mutate('crop', t, range(2, 8, true))).toBe('llo, wo');
    expect(h.mutate('crop', t, 5)).toBe(', world!');
    expect(h.mutate('crop', t, -3)).toBe('ld!');
    expect(h.mutate('crop', t, -99)).toBe(t);
    expect(h.mutate('crop', t, 99)).toBe('');
    expect(h.mutate('crop', t, 2, 8)).toBe('llo, wor');
    expect(h.mutate('crop', ', world!', -5, 3)).toBe('orl');
    expect(h.mutate('crop', t, 2, 0)).toBe('');
  });
  it('replace with every string/char combination', () => {
    const t = 'hello, world! hello, foobar!';
    expect(h.mutate('replace', t, 'hello', 'hey')).toBe('hey, world! hey, foobar!');
    expect(h.mutate('replace', t, 'hello', ch('*'))).toBe('*, world! *, foobar!');
    expect(h.mutate('replace', t, ch('l'), '(^)')).toBe('he(^)(^)o, wor(^)d! he(^)(^)o, foobar!');
    expect(h.mutate('replace', t, ch('l'), ch('*'))).toBe('he**o, wor*d! he**o, foobar!');
    expect(h.mutate('replace', 'ab', '', '-')).toBe('-a-b-');
  });
  it('remove, pop, truncate, clear', () => {
    const t = 'hello, world! hello, foobar!';
    expect(h.mutate('remove', t, ch('o'))).toBe('hell, wrld! hell, fbar!');
    expect(h.mutate('remove', t, 'hello')).toBe(', world! , foobar!');
    expect(h.callWithThis('pop', 'hello, world!')).toEqual({ result: ch('!'), self: 'hello, world' });
    expect(h.callWithThis('pop', 'a😀')).toEqual({ result: ch('😀'), self: 'a' });
    expect(h.callWithThis('pop', '')).toEqual({ result: undefined, self: '' });
    expect(h.callWithThis('pop', 'hello, world!', 4)).toEqual({ result: 'rld!', self: 'hello, wo' });
    expect(h.callWithThis('pop', 'abc', 10)).toEqual({ result: 'abc', self: '' });
    expect(h.callWithThis('pop', 'abc', 0)).toEqual({ result: '', self: 'abc' });
    expect(h.mutate('truncate', 'hello, world! hello', 13)).toBe('hello, world!');
    expect(h.mutate('truncate', 'hello', 10)).toBe('hello');
    expect(h.mutate('truncate', 'hello', -1)).toBe('');
    expect(h.mutate('truncate', '😀😀😀', 2)).toBe('😀😀');
    expect(h.mutate('clear', 'abc')).toBe('');
  });
  it('trim, trim_start, trim_end', () => {
    expect(h.mutate('trim', '   hello     ')).toBe('hello');
    expect(h.mutate('trim', '\u3000\t x \n')).toBe('x');
    expect(h.mutate('trim_start', '  x  ')).toBe('x  ');
    expect(h.mutate('trim_end', '  x  ')).toBe('  x');
  });
  it('pad with a char or a string', () => {
    expect(h.mutate('pad', 'hello', 8, ch('!'))).toBe('hello!!!');
    expect(h.mutate('pad', 'hello', 5, ch('*'))).toBe('hello');
    // Exactly 10 characters: the last copy of the padding is cut short.
    expect(h.mutate('pad', 'hello', 10, '(!)')).toBe('hello(!)(!');
    expect(h.mutate('pad', 'hello', 11, '(!)')).toBe('hello(!)(!)');
    expect(h.mutate('pad', 'hello', 9, '(!)')).toBe('hello(!)(');
    expect(h.mutate('pad', 'hello', -1, ch('!'))).toBe('hello');
  });
  it('append any value, a char, a string or UTF-8 bytes', () => {
    expect(h.mutate('append', 'n=', 42)).toBe('n=42');
    expect(h.mutate('append', 'a', ch('b'))).toBe('ab');
    expect(h.mutate('append', 'a', 'bc')).toBe('abc');
    expect(h.mutate('append', 'a', blob(0xc3, 0xa9))).toBe('aé');
    expect(h.mutate('append', 'a', undefined)).toBe('a');
  });
  it('case conversion', () => {
    expect(h.call('to_upper', 'hello, world!')).toBe('HELLO, WORLD!');
    expect(h.call('to_lower', 'HELLO')).toBe('hello');
    expect(h.call('to_upper', 'straße')).toBe('STRASSE');
    expect(h.mutate('make_upper', 'abc')).toBe('ABC');
    expect(h.mutate('make_lower', 'ABC')).toBe('abc');
  });
  it('lexical min and max', () => {
    expect(h.call('max', 'hello', 'world')).toBe('world');
    expect(h.call('min', 'hello', 'world')).toBe('hello');
  });
});

describe('string: limits', () => {
  const small = new Harness({ limits: { maxStringSize: 10 } });
  it('growth beyond maxStringSize is refused', () => {
    expect(kindOf(() => small.mutate('pad', 'abc', 11, ch('x')))).toBe('ErrorDataTooLarge');
    expect(small.mutate('pad', 'abc', 10, ch('x'))).toBe('abcxxxxxxx');
    expect(kindOf(() => small.mutate('append', 'abcdefgh', 'xyz'))).toBe('ErrorDataTooLarge');
    expect(kindOf(() => small.mutate('replace', 'aaaa', 'a', 'bbb'))).toBe('ErrorDataTooLarge');
    expect(small.mutate('append', '😀😀😀😀😀😀😀😀😀', '😀')).toBe('😀'.repeat(10));
  });
  it('split results beyond maxArraySize are refused', () => {
    const tiny = new Harness({ limits: { maxArraySize: 2 } });
    expect(kindOf(() => tiny.call('split', 'a,b,c', ','))).toBe('ErrorDataTooLarge');
  });
  it('chars returns chars', () => {
    expect(h.call('chars', 'x')).toEqual([new RChar(120)]);
    expect(new RBlob().length).toBe(0);
  });
});
