/**
 * Body parsing for script routes (unlike the admin API, which takes JSON only): JSON, forms and text
 * are parsed; any other content type reaches the script as bytes (a BLOB). The exact bytes are kept
 * too (`ctx.raw_body`): a webhook's signature covers them, not the parsed value.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MAX_VALUE_DEPTH } from '../contracts/executor.js';
import { PicloudError } from '../errors/catalogue.js';
import { bodyTooDeep, jsonBodyParser, nestsDeeperThan } from '../http/json-body.js';

/** The bytes of each parsed request's body; gone with the request. */
const rawBodies = new WeakMap<FastifyRequest, Uint8Array>();

/** The exact bytes of the request's body (`ctx.raw_body`), or null when it had none. */
export function rawBodyOf(request: FastifyRequest): Uint8Array | null {
  return rawBodies.get(request) ?? null;
}

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
  // The appliance's JSON parser (prototype-poisoning and depth checks), fed the kept bytes' text.
  const parseJson = jsonBodyParser(scope);
  const keep = (request: FastifyRequest, body: Buffer): string => {
    rawBodies.set(request, new Uint8Array(body.buffer, body.byteOffset, body.length));
    return body.toString('utf8');
  };
  scope.removeContentTypeParser(['application/json', 'text/plain']);
  scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    parseJson(request, keep(request, body as Buffer), done);
  });
  scope.addContentTypeParser('text/plain', { parseAs: 'buffer' }, (request, body, done) => {
    done(null, keep(request, body as Buffer));
  });
  scope.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer' },
    (request, body, done) => {
      done(null, parseForm(keep(request, body as Buffer)));
    },
  );
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    // The same bytes as the body: one copy crosses to the worker (structured clone keeps identity).
    const bytes = new Uint8Array(body as Buffer);
    rawBodies.set(request, bytes);
    done(null, bytes);
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

/** The bytes of a body given as text (the editor's Run): its UTF-8; null for no text. */
export function rawScriptBody(text: string | undefined): Uint8Array | null {
  return text === undefined || text === '' ? null : new Uint8Array(Buffer.from(text, 'utf8'));
}
