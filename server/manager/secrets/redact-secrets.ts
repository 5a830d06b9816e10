/**
 * Masks an app's secret values in what its runs left in the execution log: the captured print/debug
 * output and the error message (a script may print a secret, or throw it). Applied by the log writer to
 * each batch before it is stored or shown in the live tail.
 */
import type { ExecutionRecord } from '../logs/execution-record.js';
import type { SecretValue } from './secret-store.js';

/**
 * Values shorter than this are not masked: masking "ab" would garble every log line while hiding
 * nothing a guess would not find.
 */
export const MIN_REDACTED_LENGTH = 4;

/** What replaces a secret's value. */
export function secretMask(name: string): string {
  return `[secret ${name}]`;
}

/** The strings to hide for each secret: the value, and its JSON-escaped form when different. */
function needles(secrets: readonly SecretValue[]): { text: string; mask: string }[] {
  const found: { text: string; mask: string }[] = [];
  for (const { name, value } of secrets) {
    if (value.length < MIN_REDACTED_LENGTH) continue;
    found.push({ text: value, mask: secretMask(name) });
    const escaped = JSON.stringify(value).slice(1, -1);
    if (escaped !== value) found.push({ text: escaped, mask: secretMask(name) });
  }
  // Longest first: a secret that contains another is masked whole.
  return found.sort((a, b) => b.text.length - a.text.length);
}

/** `text` with every occurrence of each secret's value replaced by its mask. */
export function redactText(text: string, secrets: readonly SecretValue[]): string {
  let result = text;
  for (const needle of needles(secrets)) {
    if (result.includes(needle.text)) result = result.split(needle.text).join(needle.mask);
  }
  return result;
}

/**
 * Masks secrets in a batch of records. `valuesOf` gives the readable secrets of the apps named (it is
 * only asked about apps whose records carry output or an error message).
 */
export async function redactRecords(
  batch: ExecutionRecord[],
  valuesOf: (appIds: string[]) => Promise<Map<string, SecretValue[]>>,
): Promise<ExecutionRecord[]> {
  const apps = new Set<string>();
  for (const record of batch) {
    if (record.output !== '' || record.error?.message) apps.add(record.app_id);
  }
  if (apps.size === 0) return batch;
  const values = await valuesOf([...apps]);
  if (values.size === 0) return batch;
  return batch.map((record) => {
    const secrets = values.get(record.app_id);
    if (!secrets) return record;
    return {
      ...record,
      output: redactText(record.output, secrets),
      error: record.error && { ...record.error, message: redactText(record.error.message, secrets) },
    };
  });
}
