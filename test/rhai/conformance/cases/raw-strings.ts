/** String literal forms (issue 16): raw strings `#"…"#`, `""` as an escaped quote, `$$` in backticks. */
import type { ConformanceCase } from '../harness.js';

export const rawStringsCases: readonly ConformanceCase[] = [
  { name: 'raw string', script: '#"C:\\path\\to"#', value: 'C:\\path\\to' },
  { name: 'raw string keeps quotes', script: '#"say "hi" now"#', value: 'say "hi" now' },
  { name: 'raw string has no escapes', script: '#"\\n\\t\\u2764"#.len', value: 10 },
  { name: 'two hashes allow "# inside', script: '##"a "# b"##', value: 'a "# b' },
  { name: 'raw string spans lines', script: '#"one\ntwo"#', value: 'one\ntwo' },
  { name: 'raw string is an ordinary string', script: '#"ab"# + "c"', value: 'abc' },
  {
    name: 'line numbers continue after a multi-line raw string',
    script: 'let s = #"a\nb\nc"#;\nlet x = ;',
    parseError: 'ExprExpected',
    at: [4, 9],
  },
  { name: 'unterminated raw string', script: 'let s = ##"abc"#;', parseError: 'BadInput' },
  { name: 'a stray # is an unknown operator', script: 'let s = #"a"## ;', parseError: 'UnknownOperator' },
  { name: 'doubled quote escapes a quote', script: '"a ""quoted"" word"', value: 'a "quoted" word' },
  { name: 'doubled quote next to escapes', script: '"""\\x41"""', value: '"A"' },
  { name: 'empty string is still empty', script: '"".len', value: 0 },
  { name: '$$ is a literal dollar in backticks', script: 'let n = 3; `$$${n}`', value: '$3' },
  { name: '$${ is not an interpolation', script: '`cost: $${price}`', value: 'cost: ${price}' },
  { name: 'single dollar stays', script: '`a$b`', value: 'a$b' },
];
