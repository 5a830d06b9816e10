/**
 * The pure CORS helpers of the orchestrator: which origin is allowed and with what value, what counts
 * as a preflight, the methods and headers a preflight answer lists, and how PiCloud's headers merge
 * with a script's own.
 */
import { describe, expect, it } from 'vitest';
import {
  allowHeadersFor,
  allowOriginFor,
  corsOriginsOf,
  isPreflight,
  MAX_ALLOW_HEADERS_LENGTH,
  matchingMethods,
  PREFLIGHT_MAX_AGE_SECONDS,
  preflightHeaders,
  responseCorsHeaders,
  varyOnOrigin,
  withCorsHeaders,
} from '../../server/orchestrator/cors.js';

describe('corsOriginsOf', () => {
  it('is null for an app without origins (PiCloud adds nothing)', () => {
    expect(corsOriginsOf([])).toBeNull();
  });

  it('is the set of stored origins otherwise', () => {
    expect([...(corsOriginsOf(['http://a.lan', '*']) ?? [])]).toEqual(['http://a.lan', '*']);
  });
});

describe('allowOriginFor', () => {
  const listed = new Set(['http://phone.lan:3000', 'https://app.example']);
  const any = new Set(['*']);
  const both = new Set(['*', 'http://phone.lan:3000']);

  it.each([
    ['a listed origin is echoed', listed, 'http://phone.lan:3000', 'http://phone.lan:3000'],
    [
      'an origin in another case matches, echoed as sent',
      listed,
      'HTTP://Phone.lan:3000',
      'HTTP://Phone.lan:3000',
    ],
    ['another port is another origin', listed, 'http://phone.lan:3001', undefined],
    ['another scheme is another origin', listed, 'https://phone.lan:3000', undefined],
    ['an unlisted origin is refused', listed, 'http://evil.lan', undefined],
    ['the null origin is refused', listed, 'null', undefined],
    ['"*" answers any origin with *', any, 'http://evil.lan', '*'],
    ['"*" answers the null origin with *', any, 'null', '*'],
    [
      'a listed origin is echoed even when "*" is there',
      both,
      'http://phone.lan:3000',
      'http://phone.lan:3000',
    ],
  ])('%s', (_label, origins, origin, expected) => {
    expect(allowOriginFor(origins, origin)).toBe(expected);
  });
});

describe('isPreflight', () => {
  it.each([
    [
      'OPTIONS with Origin and Access-Control-Request-Method',
      'OPTIONS',
      { origin: 'http://a', 'access-control-request-method': 'PUT' },
      true,
    ],
    ['OPTIONS without Access-Control-Request-Method', 'OPTIONS', { origin: 'http://a' }, false],
    ['OPTIONS without Origin', 'OPTIONS', { 'access-control-request-method': 'PUT' }, false],
    [
      'another method with both headers',
      'GET',
      { origin: 'http://a', 'access-control-request-method': 'PUT' },
      false,
    ],
  ])('%s → %s', (_label, method, headers, expected) => {
    expect(isPreflight(method, headers)).toBe(expected);
  });
});

describe('matchingMethods', () => {
  it('lists the methods that match, in a stable order', () => {
    expect(matchingMethods((m) => ['DELETE', 'POST', 'PUT'].includes(m))).toEqual(['POST', 'PUT', 'DELETE']);
  });

  it('adds HEAD with GET, which also answers it', () => {
    expect(matchingMethods((m) => m === 'GET' || m === 'POST')).toEqual(['GET', 'HEAD', 'POST']);
  });

  it('does not repeat HEAD when a route declares it', () => {
    expect(matchingMethods((m) => m === 'GET' || m === 'HEAD')).toEqual(['GET', 'HEAD']);
  });

  it('is empty when no route matches the path', () => {
    expect(matchingMethods(() => false)).toEqual([]);
  });
});

describe('allowHeadersFor', () => {
  it.each([
    ['nothing requested', undefined, undefined],
    ['an empty list', '', undefined],
    ['one header, lower-cased', 'Authorization', 'authorization'],
    ['a list, cleaned', ' Content-Type ,authorization,, X-Custom ', 'content-type, authorization, x-custom'],
    ['duplicates once', 'x-a, X-A, x-b', 'x-a, x-b'],
    ['invalid names dropped', 'x-a, bad header, x-(b), x-c', 'x-a, x-c'],
    ['repeated request headers joined', ['x-a', 'x-b'], 'x-a, x-b'],
  ])('%s', (_label, requested, expected) => {
    expect(allowHeadersFor(requested)).toBe(expected);
  });

  it('stops before MAX_ALLOW_HEADERS_LENGTH characters', () => {
    const requested = Array.from({ length: 500 }, (_, i) => `x-header-${i}`).join(', ');
    const echoed = allowHeadersFor(requested) ?? '';
    expect(echoed.length).toBeLessThanOrEqual(MAX_ALLOW_HEADERS_LENGTH);
    expect(echoed.startsWith('x-header-0, x-header-1, ')).toBe(true);
    expect(echoed.endsWith(',')).toBe(false);
  });

  it('drops a name over 100 characters', () => {
    expect(allowHeadersFor(`x-${'a'.repeat(100)}, x-ok`)).toBe('x-ok');
  });
});

describe('preflightHeaders', () => {
  it('answers with origin, methods, requested headers, max age and Vary', () => {
    expect(
      preflightHeaders('http://phone.lan:3000', ['GET', 'HEAD', 'PUT'], 'Content-Type, Authorization'),
    ).toEqual({
      'access-control-allow-origin': 'http://phone.lan:3000',
      'access-control-allow-methods': 'GET, HEAD, PUT',
      'access-control-allow-headers': 'content-type, authorization',
      'access-control-max-age': String(PREFLIGHT_MAX_AGE_SECONDS),
      vary: 'Origin',
    });
  });

  it('leaves Allow-Headers out when none were requested, and never allows credentials', () => {
    const headers = preflightHeaders('*', ['GET'], undefined);
    expect(headers).not.toHaveProperty('access-control-allow-headers');
    expect(headers).not.toHaveProperty('access-control-allow-credentials');
  });
});

describe('responseCorsHeaders', () => {
  it('is the allowed origin and Vary: Origin, without credentials', () => {
    expect(responseCorsHeaders('*')).toEqual({ 'access-control-allow-origin': '*', vary: 'Origin' });
  });
});

describe('varyOnOrigin', () => {
  it.each([
    [undefined, 'Origin'],
    ['', 'Origin'],
    ['Accept-Encoding', 'Accept-Encoding, Origin'],
    ['accept, origin', 'accept, origin'],
    ['*', '*'],
  ])('%s → %s', (vary, expected) => {
    expect(varyOnOrigin(vary)).toBe(expected);
  });
});

describe('withCorsHeaders', () => {
  it("adds PiCloud's headers to the script's", () => {
    expect(withCorsHeaders({ 'content-type': 'text/plain' }, 'http://a.lan')).toEqual({
      'content-type': 'text/plain',
      'access-control-allow-origin': 'http://a.lan',
      vary: 'Origin',
    });
  });

  it("merges Origin into the script's Vary", () => {
    expect(withCorsHeaders({ vary: 'Accept' }, 'http://a.lan').vary).toBe('Accept, Origin');
  });

  it('leaves a script that answers CORS itself alone', () => {
    const own = { 'access-control-allow-origin': 'https://mine.example', vary: 'Accept' };
    expect(withCorsHeaders(own, 'http://a.lan')).toBe(own);
  });
});
