/**
 * `crypto::` — digests, HMAC, constant-time comparison and randomness (SDK 1.2), for webhook
 * signatures, ids and tokens. Everything is `node:crypto` (OpenSSL) and its CSPRNG: no algorithm is
 * written here. Data is a string (hashed as UTF-8) or a BLOB (hashed as its bytes).
 */
import { createHash, createHmac, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { HostModule, NativeCallContext, Value } from '../../rhai/index.js';
import { chargeBytes } from '../../rhai/stdlib/support.js';
import { blobOf, bytesArg, integerArg, type SdkFn, sdkFunction } from './sdk-values.js';
import { invalidArgument } from './service-binding.js';

/** Most bytes `crypto::random_bytes` makes in one call. */
export const MAX_RANDOM_BYTES = 65_536;

/** Most values `crypto.randomInt` draws from: 2^48 − 1. */
const MAX_RANDOM_VALUES = 2 ** 48 - 1;

/** The data argument, charged like any bulk byte work of the engine. */
function data(ctx: NativeCallContext, label: string, what: string, v: Value): Buffer {
  const bytes = bytesArg(label, what, v);
  chargeBytes(ctx, bytes.length);
  return bytes;
}

function digest(algorithm: 'sha256' | 'sha1' | 'md5'): SdkFn {
  return (ctx, [value], label) =>
    createHash(algorithm)
      .update(data(ctx, label, 'the data', value))
      .digest('hex');
}

function hmac(ctx: NativeCallContext, label: string, [key, value]: Value[]): Buffer {
  return createHmac('sha256', data(ctx, label, 'the key', key))
    .update(data(ctx, label, 'the data', value))
    .digest();
}

/**
 * Equality whose duration does not depend on where the inputs differ: both sides are hashed first, so
 * inputs of different lengths compare in the same time too (and SHA-256 digests only match when the
 * inputs do).
 */
const equal: SdkFn = (ctx, [a, b], label) =>
  timingSafeEqual(
    createHash('sha256')
      .update(data(ctx, label, 'the first value', a))
      .digest(),
    createHash('sha256')
      .update(data(ctx, label, 'the second value', b))
      .digest(),
  );

const randomInteger: SdkFn = (_ctx, [lo, hi], label) => {
  const low = integerArg(label, 'the lower bound', lo);
  const high = integerArg(label, 'the upper bound', hi);
  if (low > high) throw invalidArgument(label, 'the lower bound is above the upper bound');
  if (high - low + 1 > MAX_RANDOM_VALUES) {
    throw invalidArgument(label, 'the range holds more than 2^48 - 1 values');
  }
  return randomInt(low, high + 1);
};

/** The `crypto` module. */
export function cryptoModule(): HostModule {
  return {
    functions: [
      sdkFunction('crypto', 'sha256', 1, digest('sha256')),
      sdkFunction('crypto', 'sha1', 1, digest('sha1')),
      sdkFunction('crypto', 'md5', 1, digest('md5')),
      sdkFunction('crypto', 'hmac_sha256', 2, (ctx, args, label) => hmac(ctx, label, args).toString('hex')),
      sdkFunction('crypto', 'hmac_sha256_blob', 2, (ctx, args, label) => blobOf(ctx, hmac(ctx, label, args))),
      sdkFunction('crypto', 'equal', 2, equal),
      sdkFunction('crypto', 'random_bytes', 1, (ctx, [n], label) => {
        const count = integerArg(label, 'the number of bytes', n);
        if (count < 0 || count > MAX_RANDOM_BYTES) {
          throw invalidArgument(
            label,
            `the number of bytes must be from 0 to ${MAX_RANDOM_BYTES}, not ${count}`,
          );
        }
        chargeBytes(ctx, count);
        return blobOf(ctx, randomBytes(count));
      }),
      sdkFunction('crypto', 'uuid', 0, () => randomUUID()),
      sdkFunction('crypto', 'random_int', 2, randomInteger),
    ],
  };
}
