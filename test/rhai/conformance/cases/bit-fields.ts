// biome-ignore-all lint/suspicious/noTemplateCurlyInString: scripts are Rhai source, where ${...} is Rhai interpolation
/** Book: language/bit-fields.md — integers indexed as bit-fields. */
import type { ConformanceCase } from '../harness.js';

/** Bit-fields: single bits (LSB/MSB), ranges, assignment, bit functions and bounds errors. */
export const bitFieldsCases: readonly ConformanceCase[] = [
  { name: 'bit set reads true', script: 'let x = 0b1010; x[1]', value: true },
  { name: 'bit clear reads false', script: 'let x = 0b1010; x[0]', value: false },
  { name: 'highest bit of -1', script: 'let x = -1; x[63]', value: true },
  { name: 'negative index counts from the MSB', script: 'let x = -1; x[-1]', value: true },
  { name: 'negative index on a positive number', script: 'let x = 1; x[-64]', value: true },
  { name: 'MSB of a positive number is clear', script: 'let x = 12345; x[-1]', value: false },
  { name: 'bit index 64 is out of bounds', script: 'let x = 1; x[64]', error: 'ErrorBitFieldBounds' },
  { name: 'bit index -65 is out of bounds', script: 'let x = 1; x[-65]', error: 'ErrorBitFieldBounds' },
  { name: 'exclusive range extracts bits shifted down', script: 'let x = 0b1010; x[1..3]', value: 1 },
  { name: 'inclusive range extracts bits shifted down', script: 'let x = 0b1010; x[1..=3]', value: 5 },
  { name: 'set a bit', script: 'let x = 0b1010; x[0] = true; x', value: 11 },
  { name: 'clear a bit', script: 'let x = 0b1010; x[1] = false; x', value: 8 },
  { name: 'set the sign bit', script: 'let x = 0; x[63] = true; x', value: -9223372036854775808n },
  { name: 'assign a range of bits', script: 'let x = 0b1010; x[4..=7] = 15; x', value: 0b11111010 },
  {
    name: 'range assignment ignores extra bits of the value',
    script: 'let x = 0; x[0..2] = 0b111; x',
    value: 0b11,
  },
  { name: 'assigning a non-bool to a single bit is an error', script: 'let x = 0; x[0] = 1;', error: 'any' },
  { name: 'get_bit', script: '123456.get_bit(6)', value: true },
  { name: 'get_bit clear', script: '123456.get_bit(5)', value: false },
  { name: 'get_bit from the MSB', script: '123456.get_bit(-48)', value: true },
  { name: 'set_bit', script: 'let x = 123456; x.set_bit(5, true); x', value: 123488 },
  { name: 'set_bit clear', script: 'let x = 123488; x.set_bit(6, false); x', value: 123424 },
  { name: 'get_bits with a range', script: '123456.get_bits(5..10)', value: 18 },
  { name: 'get_bits with an inclusive range', script: '123456.get_bits(5..=9)', value: 18 },
  { name: 'get_bits with start and count', script: '123456.get_bits(5, 8)', value: 18 },
  { name: 'set_bits with a range', script: 'let x = 123456; x.set_bits(5..10, 42); x', value: 123200 },
  { name: 'set_bits with start and count', script: 'let x = 123456; x.set_bits(5, 8, 42); x', value: 124224 },
  {
    name: 'bits iterates all bits from the LSB',
    script: 'let r = []; for b in 5.bits() { r.push(b); } [r.len(), r[0], r[1], r[2]]',
    value: [64, true, false, true],
  },
  {
    name: 'bits from a start',
    script: 'let n = 0; for b in 0b1100.bits(2) { if b { n += 1; } } n',
    value: 2,
  },
  {
    name: 'bits over a range',
    script: 'let r = []; for b in 0b1010.bits(0..4) { r.push(b); } r',
    value: [false, true, false, true],
  },
  {
    name: 'book: hardware register example',
    script:
      'let value = 0b0000_1011_0110_1_010; let command = value.get_bits(0, 3); let flag = value[3]; let data = value[4..=11]; let same = value.get_bits(4..=11); let reserved = value.get_bits(12, 4); [command, flag, data, same, reserved]',
    value: [2, true, 0b10110110, 0b10110110, 0],
  },
  {
    name: 'book: switch on a command updates data bits',
    script:
      'let value = 0b0000_1011_0110_1_001; let command = value.get_bits(0, 3); let data = value[4..=11]; switch command { 0 => print(`Data = ${data}`), 1 => value[4..=11] = data / 2, _ => () } value[4..=11]',
    value: 0b01011011,
  },
];
