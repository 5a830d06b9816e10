/**
 * Strings indexed by ranges (issue 16): reading and replacing slices, negative ends counted from
 * the end, ranges open at either end, and range arguments of the slicing functions.
 */
import type { ConformanceCase } from '../harness.js';

export const stringSlicesCases: readonly ConformanceCase[] = [
  { name: 'exclusive slice', script: 'let s = "rhai-script"; s[2..6]', value: 'ai-s' },
  { name: 'a slice is a string', script: 'let s = "abc"; s[0..1]', type: 'string' },
  { name: 'inclusive slice', script: 'let s = "rhai-script"; s[2..=6]', value: 'ai-sc' },
  { name: 'open end', script: 'let s = "rhai-script"; s[5..]', value: 'script' },
  { name: 'open start', script: 'let s = "rhai-script"; s[..4]', value: 'rhai' },
  { name: 'open start, inclusive end', script: 'let s = "rhai-script"; s[..=3]', value: 'rhai' },
  { name: 'fully open', script: 'let s = "rhai"; s[..]', value: 'rhai' },
  { name: 'fully open inclusive', script: 'let s = "rhai"; s[..=]', value: 'rhai' },
  { name: 'negative end counts from the end', script: 'let s = "[body]"; s[1..-1]', value: 'body' },
  { name: 'negative inclusive end', script: 'let s = "abcdef"; s[2..=-2]', value: 'cde' },
  { name: 'negative start counts from the end', script: 'let s = "report.txt"; s[-3..]', value: 'txt' },
  { name: 'end past the string is clamped', script: 'let s = "abc"; s[1..100]', value: 'bc' },
  { name: 'start past the string is empty', script: 'let s = "abc"; s[7..9]', value: '' },
  { name: 'reversed range is empty', script: 'let s = "abcdef"; s[4..2]', value: '' },
  { name: 'reversed after normalising is empty', script: 'let s = "abcdef"; s[3..-4]', value: '' },
  { name: 'inclusive range ending at its start is empty', script: 'let s = "abcdef"; s[2..=-4]', value: '' },
  { name: 'very negative end is empty', script: 'let s = "abcdef"; s[1..-99]', value: '' },
  { name: 'slices count characters, not bytes', script: 'let s = "añb€c"; s[1..4]', value: 'ñb€' },
  { name: 'astral characters count once', script: 'let s = "a😀b😀c"; s[1..=3]', value: '😀b😀' },
  { name: 'replace a slice with a longer string', script: 'let s = "cat"; s[1..2] = "oa"; s', value: 'coat' },
  {
    name: 'replace a slice with a shorter string',
    script: 'let s = "green"; s[1..4] = "o"; s',
    value: 'gon',
  },
  { name: 'replace an inclusive slice', script: 'let s = "12345"; s[1..=3] = "-"; s', value: '1-5' },
  { name: 'replace the open tail', script: 'let s = "hello"; s[2..] = "y"; s', value: 'hey' },
  { name: 'replace everything', script: 'let s = "hello"; s[..] = "bye"; s', value: 'bye' },
  { name: 'append through an empty tail slice', script: 'let s = "ab"; s[2..] = "cd"; s', value: 'abcd' },
  { name: 'replace with a char', script: 'let s = "a-c"; s[1..2] = \'b\'; s', value: 'abc' },
  {
    name: 'a slice taken before a change keeps its value',
    script: 'let s = "abcdef"; let t = s[2..]; s[..2] = ""; t + "|" + s',
    value: 'cdef|cdef',
  },
  {
    name: 'slices of a slice',
    script: 'let s = "interpreter"; let t = s[5..]; t[..3]',
    value: 'pre',
  },
  { name: 'slice in a map value', script: 'let m = #{ s: "hello" }; m.s[1..3] = "EL"; m.s', value: 'hELlo' },
  { name: 'crop with an open range', script: 'let s = "hello"; crop(s, 1..); s', value: 'ello' },
  { name: 'crop with a fully open range', script: 'let s = "hello"; s.crop(..); s', value: 'hello' },
  { name: 'sub_string with an open start', script: '"hello".sub_string(..=1)', value: 'he' },
  { name: 'open range in an array function', script: '[1, 2, 3, 4].extract(2..)', value: [3, 4] },
  { name: 'open-ended range value', script: '(3..).start', value: 3 },
  { name: 'open end is the largest INT', script: '(3..).end', value: 9223372036854775807n },
  { name: 'open start is zero', script: '(..=5).start', value: 0 },
  {
    name: 'assigning a non-string to a slice',
    script: 'let s = "abc"; s[0..1] = 5;',
    error: 'ErrorMismatchDataType',
  },
];
