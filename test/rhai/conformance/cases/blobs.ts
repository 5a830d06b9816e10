/** Book: language/blobs.md — byte arrays created with `blob()`. */
import type { ConformanceCase } from '../harness.js';

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

/** BLOBs: construction, byte semantics (lower 8 bits), indexing, methods and display. */
export const blobsCases: readonly ConformanceCase[] = [
  { name: 'empty blob', script: 'blob()', value: bytes(), type: 'blob' },
  { name: 'blob of a length is zero-filled', script: 'blob(3)', value: bytes(0, 0, 0) },
  { name: 'blob of a length and value', script: 'blob(3, 0x42)', value: bytes(0x42, 0x42, 0x42) },
  { name: 'blob fill value keeps the lower 8 bits', script: 'blob(2, 0x1ff)', value: bytes(0xff, 0xff) },
  { name: 'blob of a negative length is empty', script: 'blob(-5)', value: bytes() },
  { name: 'len', script: 'blob(10, 1).len()', value: 10 },
  { name: 'len as a property', script: 'blob(4).len', value: 4 },
  {
    name: 'index reads a byte as an integer',
    script: 'let b = blob(2, 0x21); b[0]',
    value: 0x21,
    type: 'i64',
  },
  {
    name: 'negative index counts from the end',
    script: 'let b = blob(); b += 1; b += 2; b += 3; b[-1]',
    value: 3,
  },
  { name: 'index out of bounds is an error', script: 'let b = blob(2); b[2]', error: 'ErrorArrayBounds' },
  {
    name: 'negative index out of bounds is an error',
    script: 'let b = blob(2); b[-3]',
    error: 'ErrorArrayBounds',
  },
  {
    name: 'index assignment keeps the lower 8 bits',
    script: 'let b = blob(1); b[0] = 0x1234; b[0]',
    value: 0x34,
  },
  { name: 'negative value stores as a byte', script: 'let b = blob(1); b[0] = -1; b[0]', value: 255 },
  { name: 'push', script: 'let b = blob(); b.push(0x42); b', value: bytes(0x42) },
  { name: '+= a byte', script: 'let b = blob(); b += 1; b += 2; b', value: bytes(1, 2) },
  { name: '+= a blob appends', script: 'let b = blob(1, 1); b += blob(2, 2); b', value: bytes(1, 2, 2) },
  { name: '+ concatenates', script: 'blob(1, 1) + blob(1, 2)', value: bytes(1, 2) },
  {
    name: 'append a blob',
    script: 'let b = blob(1, 0x42); b.append(blob(2, 0x11)); b',
    value: bytes(0x42, 0x11, 0x11),
  },
  { name: 'append a string as UTF-8', script: 'let b = blob(); b.append("hi"); b', value: bytes(0x68, 0x69) },
  { name: 'equality', script: 'blob(2, 7) == blob(2, 7)', value: true },
  { name: 'inequality', script: 'blob(2, 7) != blob(3, 7)', value: true },
  {
    name: 'insert',
    script: 'let b = blob(3, 0x42); b.insert(1, 0x18); b',
    value: bytes(0x42, 0x18, 0x42, 0x42),
  },
  { name: 'pop', script: 'let b = blob(); b += 1; b += 2; [b.pop(), b.len()]', value: [2, 1] },
  { name: 'pop on empty gives zero', script: 'blob().pop()', value: 0 },
  { name: 'shift', script: 'let b = blob(); b += 1; b += 2; [b.shift(), b.len()]', value: [1, 1] },
  { name: 'shift on empty gives zero', script: 'blob().shift()', value: 0 },
  {
    name: 'remove returns the byte',
    script: 'let b = blob(); b += 1; b += 2; b += 3; [b.remove(1), b.len()]',
    value: [2, 2],
  },
  { name: 'remove out of range gives zero', script: 'blob(1).remove(5)', value: 0 },
  {
    name: 'reverse',
    script: 'let b = blob(); b += 1; b += 2; b += 3; b.reverse(); b',
    value: bytes(3, 2, 1),
  },
  {
    name: 'pad',
    script: 'let b = blob(3, 0x42); b.pad(5, 0x18); b',
    value: bytes(0x42, 0x42, 0x42, 0x18, 0x18),
  },
  { name: 'truncate', script: 'let b = blob(5, 1); b.truncate(2); b', value: bytes(1, 1) },
  {
    name: 'chop keeps the tail',
    script: 'let b = blob(); b += 1; b += 2; b += 3; b.chop(2); b',
    value: bytes(2, 3),
  },
  { name: 'clear', script: 'let b = blob(5); b.clear(); b.len()', value: 0 },
  {
    name: 'extract',
    script: 'let b = blob(); b += 1; b += 2; b += 3; b += 4; b += 5; b.extract(1, 3)',
    value: bytes(2, 3, 4),
  },
  {
    name: 'extract with a range',
    script: 'let b = blob(); b += 1; b += 2; b += 3; b += 4; b.extract(1..3)',
    value: bytes(2, 3),
  },
  {
    name: 'split',
    script: 'let b = blob(); b += 1; b += 2; b += 3; let t = b.split(1); [b.len(), t.len()]',
    value: [1, 2],
  },
  {
    name: 'drain',
    script: 'let b = blob(); b += 1; b += 2; b += 3; let d = b.drain(1, 1); [b, d]',
    value: [bytes(1, 3), bytes(2)],
  },
  { name: 'retain', script: 'let b = blob(); b += 1; b += 2; b += 3; b.retain(1, 1); b', value: bytes(2) },
  {
    name: 'splice',
    script: 'let b = blob(4, 0x42); b.splice(1, 2, blob(1, 0x18)); b',
    value: bytes(0x42, 0x18, 0x42),
  },
  { name: 'contains / in', script: 'let b = blob(); b += 3; 3 in b', value: true },
  { name: 'to_string is hex', script: 'let b = blob(); b += 1; b += 0xab; b.to_string()', value: '[01ab]' },
  { name: 'print shows hex', script: 'print(blob(2, 0xff));', output: ['[ffff]'] },
  {
    name: 'as_string decodes UTF-8',
    script: 'let b = blob(); b.append("héllo"); b.as_string()',
    value: 'héllo',
  },
  { name: 'to_array', script: 'blob(2, 0x42).to_array()', value: [66, 66] },
  { name: 'string to_blob', script: '"AB".to_blob()', value: bytes(0x41, 0x42) },
  { name: 'blobs are copied on assignment', script: 'let a = blob(1); let b = a; b[0] = 9; a[0]', value: 0 },
  { name: 'parse_le_int', script: 'let b = blob(); b += 1; b += 2; b.parse_le_int(0, 2)', value: 0x0201 },
  {
    name: 'parse_be_int',
    script: 'let b = blob(); b += 1; b += 2; b.parse_be_int(0, 2)',
    value: 0x0102000000000000n,
  },
];
