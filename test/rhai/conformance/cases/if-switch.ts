/** Book: language/if.md, language/if-expression.md, language/switch.md, language/switch-expression.md. */
import type { ConformanceCase } from '../harness.js';

/** `if` statements/expressions and `switch` expressions: values, ranges, guards, literal patterns, errors. */
export const ifSwitchCases: readonly ConformanceCase[] = [
  { name: 'if true branch', script: 'if true { 1 } else { 2 }', value: 1 },
  { name: 'if false branch', script: 'if false { 1 } else { 2 }', value: 2 },
  {
    name: 'else-if chain',
    script: 'let x = 5; if x < 3 { "a" } else if x < 6 { "b" } else { "c" }',
    value: 'b',
  },
  {
    name: 'else-if chain falls to else',
    script: 'let x = 9; if x < 3 { "a" } else if x < 6 { "b" } else { "c" }',
    value: 'c',
  },
  {
    name: 'book: if-expression in arithmetic',
    script: 'let decision = true; let x = 1 + if decision { 42 } else { 123 } / 2; x',
    value: 22,
  },
  {
    name: 'book: if without else yields unit',
    script: 'let decision = false; let x = if decision { 42 }; x',
    value: null,
  },
  { name: 'block value ignores a trailing semicolon', script: 'if true { 42; }', value: 42 },
  { name: 'book: braces are mandatory', script: 'if (true) print("x");', error: 'ErrorParsing' },
  { name: 'condition must be bool', script: 'if 1 { 2 }', error: 'ErrorMismatchDataType' },
  { name: 'condition may be parenthesised', script: 'if (1 < 2) { "yes" }', value: 'yes' },
  { name: 'if statement side effects', script: 'let x = 0; if x == 0 { x = 10; } x', value: 10 },
  {
    name: 'nested ifs',
    script: 'let a = 1; let b = 2; if a == 1 { if b == 2 { "both" } else { "a" } } else { "none" }',
    value: 'both',
  },
  { name: 'if statement needs no semicolon', script: 'let a = 0; if true { a = 42 } a', value: 42 },

  {
    name: 'book: switch on integers',
    script: 'let x = 2; switch x { 1 => "one", 2 => "two", 3 => "three", _ => "other" }',
    value: 'two',
  },
  { name: 'switch falls to the default', script: 'switch 99 { 1 => "one", _ => "other" }', value: 'other' },
  { name: 'switch with no match and no default is unit', script: 'switch 99 { 1 => "one" }', value: null },
  {
    name: 'book: switch as a let value',
    script: 'let foo = 1; let x = switch foo { 1 => true, _ => false }; x',
    value: true,
  },
  {
    name: 'book: switch as a function argument',
    script:
      'fn func(v) { v * 2 } let foo = "world"; func(switch foo { "hello" => 42, "world" => 123, _ => 0 })',
    value: 246,
  },
  {
    name: 'switch with a block body',
    script: 'switch 2 { 1 => 10, 2 => { let a = 20; a + 1 } _ => 0 }',
    value: 21,
  },
  {
    name: 'switch with statement bodies prints',
    script:
      'let x = 2; switch x { 1 => print("It\'s one!"), 2 => { print("It\'s two!"); print("Again!"); } 3 => print("Go!"), _ => print("Oops") }',
    output: ["It's two!", 'Again!'],
  },
  { name: 'switch on strings', script: 'switch "b" { "a" => 1, "b" => 2, _ => 3 }', value: 2 },
  { name: 'switch on chars', script: "switch 'y' { 'x' => 1, 'y' => 2, _ => 3 }", value: 2 },
  { name: 'switch on bools', script: 'switch 1 > 2 { true => "yes", false => "no" }', value: 'no' },
  {
    name: 'switch never matches across types',
    script: 'switch "1" { 1 => "int", _ => "other" }',
    value: 'other',
  },
  {
    name: 'switch on an integer does not match a float case value',
    script: 'switch 1.0 { 1 => "int", _ => "other" }',
    value: 'other',
  },
  {
    name: 'multiple values per case',
    script: 'let r = []; for x in 1..6 { r.push(switch x { 1 | 2 => "lo", 3 | 4 => "mid", _ => "hi" }); } r',
    value: ['lo', 'lo', 'mid', 'mid', 'hi'],
  },
  {
    name: 'book: switch on an array literal',
    script:
      'let foo = "hello"; let bar = 123; let baz = false; switch [foo, bar, baz] { ["hello", 42, true] => 1, ["hello", 123, false] => 2, _ => 3 }',
    value: 2,
  },
  {
    name: 'book: switch on a map literal',
    script:
      'let map = #{a: 42, d: "hello"}; switch map { #{ a: 1, b: 2, c: true } => 1, #{ a: 42, d: "hello" } => 2, _ => 3 }',
    value: 2,
  },
  {
    name: 'case condition true',
    script: 'let x = 1; let y = 5; switch x { 1 if y > 3 => "big", _ => "other" }',
    value: 'big',
  },
  {
    name: 'case condition false falls through',
    script: 'let x = 1; let y = 2; switch x { 1 if y > 3 => "big", _ => "other" }',
    value: 'other',
  },
  {
    name: 'book: condition inside the body for repeated values',
    script: 'let c = false; switch 3 { 3 => if c { 123 } else { 0 }, _ => -1 }',
    value: 0,
  },
  { name: 'range case', script: 'switch 42 { 0..10 => "a", 10..100 => "b", _ => "c" }', value: 'b' },
  {
    name: 'range case is exclusive',
    script: 'switch 10 { 0..10 => "a", 10..100 => "b", _ => "c" }',
    value: 'b',
  },
  { name: 'inclusive range case', script: 'switch 10 { 0..=10 => "a", _ => "c" }', value: 'a' },
  {
    name: 'range case with a condition',
    script: 'let f = false; switch 5 { 0..10 if f => "a", 0..10 => "b", _ => "c" }',
    value: 'b',
  },
  {
    name: 'exact case wins over a range',
    script: 'switch 5 { 5 => "exact", 0..10 => "range", _ => "none" }',
    value: 'exact',
  },
  {
    name: 'integer cases must come before range cases',
    script: 'switch 5 { 0..10 => "range", 5 => "exact", _ => "none" }',
    parseError: 'WrongSwitchIntegerCase',
  },
  { name: 'negative range case', script: 'switch -5 { -10..0 => "neg", _ => "pos" }', value: 'neg' },
  {
    name: 'switch on a computed value',
    script: 'let x = 3; switch x * 2 { 6 => "six", _ => "?" }',
    value: 'six',
  },
  {
    name: 'switch in a loop',
    script: 'let s = 0; for i in 0..4 { s += switch i { 0 => 1, 1 => 10, _ => 100 }; } s',
    value: 211,
  },
  {
    name: 'switch case body can return from a function',
    script: 'fn f(x) { switch x { 1 => { return "early"; } _ => () } "late" } [f(1), f(2)]',
    value: ['early', 'late'],
  },
  {
    name: 'nested switch',
    script: 'switch 1 { 1 => switch 2 { 2 => "inner", _ => "x" }, _ => "y" }',
    value: 'inner',
  },
  {
    name: 'book: default case must be last',
    script: 'switch 1 { 1 => 2, _ => 9, 2 => 3 }',
    parseError: 'WrongSwitchDefaultCase',
  },
  { name: 'a repeated case value: the first case wins', script: 'switch 1 { 1 => 2, 1 => 3 }', value: 2 },
  {
    name: 'repeated case values are tried in order with their conditions',
    script: 'let x = 5; switch x { 5 if x < 0 => 1, 5 if x > 0 => 2, _ => 3 }',
    value: 2,
  },
  {
    name: 'ranges after values in one case',
    script: 'switch 42 { 1 | 5..50 => "hit", _ => "miss" }',
    value: 'hit',
  },
  {
    name: 'a range subject matches an equal range case',
    script: 'let r = 2..8; switch r { 1 => 0, 2..8 => 1 }',
    value: 1,
  },
  {
    name: 'a float case after a range case',
    script: 'switch 3 { 1..5 => 1, 3.0 => 2 }',
    parseError: 'WrongSwitchIntegerCase',
  },
  {
    name: 'book: default case cannot have a condition',
    script: 'let c = true; switch 1 { 1 => 2, _ if c => 3 }',
    parseError: 'WrongSwitchCaseCondition',
  },
  {
    name: 'book: trailing comma after the last case is OK',
    script: 'switch 3 { 1 => 2, 3 => 4, }',
    value: 4,
  },
  { name: 'case value must be a constant', script: 'let a = 1; switch 1 { a => 2 }', error: 'ErrorParsing' },
];
