/** Book: language/json.md — object maps are JSON-like; `to_json` and `parse_json`. */
import type { ConformanceCase } from '../harness.js';

/** JSON: map literals written JSON-style, `to_json` of flat/nested maps, `parse_json`. */
export const jsonCases: readonly ConformanceCase[] = [
  {
    name: 'book: a JSON-like map literal',
    script:
      'let map = #{ "a": 1, "b": true, "c": 123.0, "$d e f!": "hello", "^^^!!!": [1,42,"999"], "z": () }; map.len()',
    value: 6,
  },
  {
    name: 'book: odd keys are usable by index',
    script: 'let map = #{ "^^^!!!": [1,42,"999"] }; map["^^^!!!"].len()',
    value: 3,
  },
  {
    name: 'book: integers and floats stay distinct',
    script: 'let map = #{ "a": 1, "c": 123.0 }; [type_of(map.a), type_of(map.c)]',
    value: ['i64', 'f64'],
  },
  { name: 'book: null maps to unit', script: 'let map = #{ "z": () }; type_of(map.z)', value: '()' },
  {
    name: 'to_json of a flat map',
    script: '#{b: 2, a: "x", c: (), d: true}.to_json()',
    value: '{"a":"x","b":2,"c":null,"d":true}',
  },
  {
    name: 'to_json of a nested map',
    script: '#{outer: #{inner: 1}}.to_json()',
    value: '{"outer":{"inner":1}}',
  },
  {
    name: 'to_json keeps floats as floats',
    script: '#{f: 1.5, g: 2.0}.to_json()',
    value: '{"f":1.5,"g":2.0}',
  },
  { name: 'to_json escapes strings', script: '#{s: "a\\"b"}.to_json()', value: '{"s":"a\\"b"}' },
  { name: 'to_json of an empty map', script: '#{}.to_json()', value: '{}' },
  { name: 'to_json returns a string', script: 'type_of(#{}.to_json())', value: 'string' },
  {
    name: 'parse_json of an object',
    script: 'let m = parse_json(`{"a": 1, "b": [true, null], "c": {"d": "x"}}`); [m.a, m.b[1], m.c.d]',
    value: [1, null, 'x'],
  },
  {
    name: 'parse_json keeps integers and floats apart',
    script: 'let m = parse_json(`{"i": 1, "f": 1.5}`); [type_of(m.i), type_of(m.f)]',
    value: ['i64', 'f64'],
  },
  { name: 'parse_json of invalid text fails', script: 'parse_json("{nope")', error: 'any' },
  {
    name: 'parse_json round-trips to_json',
    script: 'let m = #{a: 1, b: "two", c: #{d: false}}; parse_json(m.to_json()) == m',
    value: true,
  },
];
