/**
 * Body parsing for script routes (unlike the admin API, which takes JSON only): JSON, forms and text
 * are parsed; any other content type reaches the script as bytes (a BLOB).
 */
import type { FastifyInstance } from 'fastify';

/** Parses `a=1&b=2&b=3` into `{ a: '1', b: ['2', '3'] }`. */
export function parseForm(text: string): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(text)) {
    const existing = result[key];
    if (existing === undefined) result[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else result[key] = [existing, value];
  }
  return result;
}

/** Installs the parsers in an encapsulated scope. */
export function installScriptBodyParsers(scope: FastifyInstance): void {
  scope.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      done(null, parseForm(body as string));
    },
  );
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, new Uint8Array(body as Buffer));
  });
}
