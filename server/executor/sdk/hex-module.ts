/**
 * `hex::` — bytes as hexadecimal text (SDK 1.2; RFC 4648 §8 "Base 16"): lower-case when writing,
 * either case when reading. A character that is not a hex digit or an odd length is an error.
 */
import type { HostModule } from '../../rhai/index.js';
import { chargeBytes } from '../../rhai/stdlib/support.js';
import { blobOf, bytesArg, sdkFunction, stringArg, stringOf } from './sdk-values.js';
import { invalidArgument } from './service-binding.js';

const NOT_HEX = /[^0-9A-Fa-f]/;

/** The `hex` module. */
export function hexModule(): HostModule {
  return {
    functions: [
      sdkFunction('hex', 'encode', 1, (ctx, [data], label) => {
        const bytes = bytesArg(label, 'the data', data);
        chargeBytes(ctx, bytes.length * 2);
        return stringOf(ctx, bytes.toString('hex'));
      }),
      sdkFunction('hex', 'decode', 1, (ctx, [value], label) => {
        const text = stringArg(label, 'the text', value);
        chargeBytes(ctx, text.length);
        const bad = NOT_HEX.exec(text);
        if (bad !== null) {
          throw invalidArgument(
            label,
            // The position, not the character: the text may be a secret.
            `not hexadecimal: character ${bad.index + 1} is not a hex digit`,
          );
        }
        if (text.length % 2 !== 0)
          throw invalidArgument(label, `not hexadecimal: an odd number of digits (${text.length})`);
        return blobOf(ctx, Buffer.from(text, 'hex'));
      }),
    ],
  };
}
