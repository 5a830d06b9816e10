/**
 * Body parsing for script routes (unlike the admin API, which takes JSON only): JSON, forms and text
 * are parsed; any other content type reaches the script as bytes (a BLOB).
 */
import type { FastifyInstance } from 'fastify';
import { MAX_VALUE_DEPTH } from '../contracts/executor.js';
import { PicloudError } from '../errors/catalogue.js';
import { bodyTooDeep, nestsDeeperThan } from '../http/json-body.js';

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

/**
 * Parses a body given as text (the editor's Run panel) the way the parsers above parse a real
 * request's: `application/json` as JSON (invalid JSON is a 400, as it would be), a form as a map,
 * `text/plain` as text, anything else — no content type included — as bytes. No text is no body.
 */
export function parseScriptBody(contentType: string | undefined, text: string | undefined): unknown {
  if (text === undefined || text === '') return null;
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType === 'application/json') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new PicloudError(
        'PICLOUD_ERR_HTTP_BAD_BODY',
        `The body is not valid JSON, as its content-type says: ${(error as Error).message}`,
        { in: 'body', path: '/body' },
      );
    }
    if (nestsDeeperThan(value, MAX_VALUE_DEPTH)) throw bodyTooDeep();
    return value;
  }
  if (mediaType === 'application/x-www-form-urlencoded') return parseForm(text);
  if (mediaType === 'text/plain') return text;
  return new Uint8Array(Buffer.from(text, 'utf8'));
}
