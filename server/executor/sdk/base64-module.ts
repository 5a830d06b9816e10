/**
 * `base64::` — RFC 4648 Base 64 (SDK 1.2): the standard alphabet with padding, and the URL- and
 * file-name-safe alphabet (`_url` functions; written without padding, read with or without).
 * Decoding is strict, as RFC 4648 §3.3 asks: a character outside the alphabet, a misplaced `=` or a
 * truncated group is an error, never skipped. The codec itself is Node's.
 */
import type { HostModule, NativeCallContext, Value } from '../../rhai/index.js';
import { chargeBytes } from '../../rhai/stdlib/support.js';
import { blobOf, bytesArg, type SdkFn, sdkFunction, stringArg, stringOf } from './sdk-values.js';
import { invalidArgument } from './service-binding.js';

/** The two alphabets of RFC 4648 (§4 and §5). */
const ALPHABETS = {
  standard: { letters: /[A-Za-z0-9+/]/, encoding: 'base64', padding: 'required' },
  url: { letters: /[A-Za-z0-9_-]/, encoding: 'base64url', padding: 'optional' },
} as const;

type Variant = keyof typeof ALPHABETS;

/** Why `text` is not Base 64 in `variant`, or null when it is. */
function problem(text: string, variant: Variant): string | null {
  const { letters, padding } = ALPHABETS[variant];
  let end = text.length;
  while (end > 0 && text[end - 1] === '=' && text.length - end < 2) end--;
  for (let i = 0; i < end; i++) {
    if (text[i] === '=') return `"=" at character ${i + 1} is padding before the end`;
    // The position, not the character: the text may be a secret.
    if (!letters.test(text[i])) {
      return `character ${i + 1} is not in the ${variant === 'url' ? 'URL-safe ' : ''}Base 64 alphabet`;
    }
  }
  const padded = end < text.length;
  if (padded || padding === 'required') {
    if (text.length % 4 !== 0)
      return `the length ${text.length} is not a multiple of 4 (padding with "=" is required)`;
  } else if (end % 4 === 1) {
    return 'the last group has a single character, which cannot encode a byte';
  }
  return null;
}

function encoder(variant: Variant): SdkFn {
  return (ctx, [data], label) => {
    const bytes = bytesArg(label, 'the data', data);
    chargeBytes(ctx, bytes.length);
    return stringOf(ctx, bytes.toString(ALPHABETS[variant].encoding));
  };
}

function decode(ctx: NativeCallContext, label: string, v: Value, variant: Variant) {
  const text = stringArg(label, 'the text', v);
  chargeBytes(ctx, text.length);
  const refused = problem(text, variant);
  if (refused !== null) throw invalidArgument(label, `not valid Base 64: ${refused}`);
  return blobOf(ctx, Buffer.from(text, ALPHABETS[variant].encoding));
}

/** The `base64` module. */
export function base64Module(): HostModule {
  return {
    functions: [
      sdkFunction('base64', 'encode', 1, encoder('standard')),
      sdkFunction('base64', 'decode', 1, (ctx, [text], label) => decode(ctx, label, text, 'standard')),
      sdkFunction('base64', 'encode_url', 1, encoder('url')),
      sdkFunction('base64', 'decode_url', 1, (ctx, [text], label) => decode(ctx, label, text, 'url')),
    ],
  };
}
