/**
 * One outbound HTTP exchange under a {@link HostPolicy}: the host is checked before any DNS query, the
 * name is resolved here and each address checked, and the connection goes to exactly the address that
 * was checked (a pinned `lookup`), so a DNS answer that changes between check and connect (rebinding)
 * cannot reach a refused address. TLS still verifies the certificate for the name.
 *
 * One timer bounds everything — DNS, connecting, redirects, reading the body. The body is read up to a
 * size limit (after decompression), and redirects are followed by hand, each hop checked again.
 *
 * Errors say what went wrong and with which part of the request (the URL's host, a header name), never
 * what that part holds: no URL, host, address, header or method text — callers build URLs and headers
 * from secrets, and the messages reach whoever called the script.
 *
 * Knows nothing about PiCloud: node:http/https, a policy and limits in; status, headers and text out.
 */
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { canonicalHost, type HostPolicy } from './host-policy.js';
import { OutboundError } from './outbound-error.js';

/** The methods a request may use. */
export const OUTBOUND_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;
/** One of {@link OUTBOUND_METHODS}. */
export type OutboundMethod = (typeof OUTBOUND_METHODS)[number];

/** Redirects followed at most, by default. */
export const MAX_REDIRECTS = 3;

/** Headers the exchange itself decides; a request may not set them. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'proxy-connection',
]);
/** Credentials dropped when a redirect leads to another origin. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** A request. */
export interface OutboundRequest {
  method: OutboundMethod;
  /** An absolute http or https URL. */
  url: string;
  /** Header names (any case) to values. */
  headers: Record<string, string>;
  /** The body (not with GET or HEAD). */
  body: string | Buffer | null;
}

/** The answer: the body as text (decoded from its charset, UTF-8 by default). */
export interface OutboundResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

/** A resolved address. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Limits and collaborators of {@link sendOutbound}. */
export interface OutboundOptions {
  policy: HostPolicy;
  /** The whole exchange, redirects and body included, in milliseconds. */
  timeoutMs: number;
  /** Largest body (after decompression), in bytes. */
  maxResponseBytes: number;
  /** Redirects followed at most (default {@link MAX_REDIRECTS}). */
  maxRedirects?: number;
  /** Sent unless the request sets its own User-Agent. */
  userAgent?: string;
  /** Resolves a name (default: the system resolver, so /etc/hosts and mDNS names work). */
  resolve?: (host: string) => Promise<ResolvedAddress[]>;
  /** Abandons the request when it aborts (the caller gave up); reported as a timeout. */
  signal?: AbortSignal;
  /** Sees each connection as it opens (the appliance remembers its own; see own-connections.ts). */
  onSocket?: (socket: Socket) => void;
}

async function systemResolve(host: string): Promise<ResolvedAddress[]> {
  const found = await lookup(host, { all: true, verbatim: true });
  return found.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
}

function invalid(message: string): OutboundError {
  return new OutboundError('HTTP_INVALID_REQUEST', message);
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid('The URL is not an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid('The URL must be http:// or https://');
  }
  if (url.username !== '' || url.password !== '') {
    throw invalid('The URL may not carry a user name or password: send an Authorization header');
  }
  return url;
}

function checkedHeaders(headers: Record<string, string>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!TOKEN.test(name)) throw invalid('A header name is not a valid HTTP token');
    // A reserved name is one of ours, so it may be named.
    if (RESERVED_HEADERS.has(lower))
      throw invalid(`The header ${lower} is set by PiCloud, not by the request`);
    if (/[\r\n\0]/.test(value)) throw invalid('A header value has a line break or NUL');
    result[lower] = value;
  }
  return result;
}

/** Rejects when `signal` aborts (for steps that cannot be cancelled themselves, like a DNS lookup). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Checks the host, resolves it and picks an allowed address. */
async function allowedAddress(
  url: URL,
  options: OutboundOptions,
  signal: AbortSignal,
): Promise<ResolvedAddress> {
  const host = canonicalHost(url.hostname);
  const refused = (why: string) =>
    new OutboundError('HTTP_HOST_NOT_ALLOWED', `the URL's host may not be called: ${why}`);
  const gate = options.policy.checkHost(host);
  if (!gate.allowed) throw refused(`it ${gate.why}`);
  if (isIP(host) !== 0) {
    const decision = options.policy.checkAddress(host);
    if (!decision.allowed) throw refused(`it ${decision.why}`);
    return { address: host, family: isIP(host) === 6 ? 6 : 4 };
  }
  const unresolved = () => new OutboundError('HTTP_FAILED', "the URL's host name does not resolve");
  let addresses: ResolvedAddress[];
  try {
    addresses = await abortable((options.resolve ?? systemResolve)(host), signal);
  } catch (error) {
    if (signal.aborted) throw error;
    throw unresolved();
  }
  if (addresses.length === 0) throw unresolved();
  let refusal = '';
  for (const candidate of addresses) {
    const decision = options.policy.checkAddress(candidate.address);
    if (decision.allowed) return candidate;
    refusal ||= `it resolves to an address that ${decision.why}`;
  }
  throw refused(refusal);
}

/** Sends one request to `address` (the name stays in Host and TLS) and waits for the response head. */
function exchange(
  url: URL,
  address: ResolvedAddress,
  method: OutboundMethod,
  headers: Record<string, string>,
  body: string | Buffer | null,
  signal: AbortSignal,
  onSocket?: (socket: Socket) => void,
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const hostname = canonicalHost(url.hostname);
    const request = (secure ? https : http).request(
      {
        method,
        hostname,
        port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
        path: `${url.pathname}${url.search}`,
        headers,
        agent: false,
        signal,
        // The address checked above, whatever the resolver would say now.
        lookup: ((
          _host: string,
          lookupOptions: { all?: boolean },
          callback: (...args: unknown[]) => void,
        ) => {
          if (lookupOptions.all) callback(null, [address]);
          else callback(null, address.address, address.family);
        }) as never,
        ...(secure && isIP(hostname) === 0 ? { servername: hostname } : {}),
      },
      resolve,
    );
    if (onSocket) request.once('socket', onSocket);
    request.on('error', reject);
    request.end(body ?? undefined);
  });
}

/** The response body, decompressed, as text; fails past `max` bytes. */
async function readBody(response: http.IncomingMessage, max: number): Promise<string> {
  const tooLarge = () =>
    new OutboundError('HTTP_RESPONSE_TOO_LARGE', `the answer has a body over the ${max}-byte limit`);
  const encoding = String(response.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  const declared = Number(response.headers['content-length']);
  if (encoding === 'identity' && Number.isFinite(declared) && declared > max) {
    response.destroy();
    throw tooLarge();
  }
  let stream: Readable = response;
  if (encoding !== 'identity' && encoding !== '') {
    const decoder =
      encoding === 'gzip' || encoding === 'x-gzip'
        ? createGunzip()
        : encoding === 'deflate'
          ? createInflate()
          : encoding === 'br'
            ? createBrotliDecompress()
            : null;
    if (!decoder) {
      response.destroy();
      throw new OutboundError('HTTP_FAILED', 'the answer has an unsupported content-encoding');
    }
    response.on('error', (error) => decoder.destroy(error));
    stream = response.pipe(decoder);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > max) throw tooLarge();
      chunks.push(chunk as Buffer);
    }
  } finally {
    if (stream !== response) stream.destroy();
    response.destroy();
  }
  const charset = /;\s*charset="?([^";\s]+)/i.exec(String(response.headers['content-type'] ?? ''))?.[1];
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset ?? 'utf-8');
  } catch {
    decoder = new TextDecoder('utf-8');
  }
  return decoder.decode(Buffer.concat(chunks));
}

function flatHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) result[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return result;
}

/** A network failure in words (its code, never the raw message). */
function describeFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code ?? '';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection reset';
  if (['EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EHOSTDOWN'].includes(code)) return 'host unreachable';
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/.test(code))
    return `TLS certificate check failed (${code})`;
  if (code.startsWith('HPE_')) return `invalid HTTP response (${code})`;
  return code === '' ? 'the exchange failed' : `the exchange failed (${code})`;
}

/**
 * Sends `request` and returns the final response (after at most `maxRedirects` redirects).
 * @throws OutboundError with a reason and a message naming the method and origin only.
 * @example await sendOutbound({ method: 'GET', url: 'https://api.example.com/x', headers: {}, body: null },
 *   { policy: new HostPolicy([]), timeoutMs: 5000, maxResponseBytes: 1 << 20 })
 */
export async function sendOutbound(
  request: OutboundRequest,
  options: OutboundOptions,
): Promise<OutboundResponse> {
  if (!(OUTBOUND_METHODS as readonly string[]).includes(request.method)) {
    throw invalid(`The method is not supported (${OUTBOUND_METHODS.join(', ')})`);
  }
  let url = parseUrl(request.url);
  let method = request.method;
  let body = request.body;
  if (body !== null && (method === 'GET' || method === 'HEAD')) {
    throw invalid(`A ${method} request cannot have a body`);
  }
  const headers = checkedHeaders(request.headers);
  if (options.userAgent && headers['user-agent'] === undefined) headers['user-agent'] = options.userAgent;
  if (options.timeoutMs <= 0) throw new OutboundError('HTTP_TIMEOUT', 'no time left for the request');
  const maxRedirects = options.maxRedirects ?? MAX_REDIRECTS;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error('timeout'));
  }, options.timeoutMs);
  const giveUp = () => {
    timedOut = true;
    controller.abort(new Error('abandoned'));
  };
  if (options.signal?.aborted) giveUp();
  options.signal?.addEventListener('abort', giveUp, { once: true });
  try {
    for (let redirects = 0; ; redirects++) {
      const address = await allowedAddress(url, options, controller.signal).catch((error: unknown) => {
        if (redirects > 0 && error instanceof OutboundError && error.reason === 'HTTP_HOST_NOT_ALLOWED') {
          throw new OutboundError(error.reason, `the request was redirected; ${error.message}`);
        }
        throw error;
      });
      const response = await exchange(
        url,
        address,
        method,
        headers,
        body,
        controller.signal,
        options.onSocket,
      );
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (REDIRECT_STATUSES.has(status) && typeof location === 'string') {
        response.destroy();
        if (redirects >= maxRedirects) {
          throw new OutboundError(
            'HTTP_TOO_MANY_REDIRECTS',
            `the request was redirected more than ${maxRedirects} times`,
          );
        }
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          throw new OutboundError('HTTP_FAILED', 'the answer redirected to an invalid location');
        }
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          throw new OutboundError('HTTP_FAILED', 'the answer redirected to a URL that is not http or https');
        }
        // As browsers do: 303 turns into GET, and so do 301/302 after a POST; the body goes.
        if (
          (status === 303 && method !== 'HEAD') ||
          ((status === 301 || status === 302) && method === 'POST')
        ) {
          method = 'GET';
          body = null;
          delete headers['content-type'];
        }
        if (next.origin !== url.origin) for (const name of CREDENTIAL_HEADERS) delete headers[name];
        url = next;
        continue;
      }
      const bodyless = method === 'HEAD' || status === 204 || status === 304;
      if (bodyless) response.destroy();
      const text = bodyless ? '' : await readBody(response, options.maxResponseBytes);
      return { status, headers: flatHeaders(response.headers), body: text };
    }
  } catch (error) {
    if (timedOut) {
      throw new OutboundError(
        'HTTP_TIMEOUT',
        `the request got no complete answer within ${options.timeoutMs} ms`,
      );
    }
    if (error instanceof OutboundError) throw error;
    throw new OutboundError('HTTP_FAILED', `the request failed: ${describeFailure(error)}`);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', giveUp);
  }
}
