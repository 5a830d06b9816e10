/**
 * Why an outbound request failed. The message says which part of the request is at fault (the URL's
 * host, a header's name or value) but never repeats any of it — URL, host, address, path, query,
 * headers, method or body — since callers build requests from API keys and other secrets.
 */

/** The stable reasons. */
export type OutboundFailure =
  | 'HTTP_INVALID_REQUEST'
  | 'HTTP_HOST_NOT_ALLOWED'
  | 'HTTP_TIMEOUT'
  | 'HTTP_RESPONSE_TOO_LARGE'
  | 'HTTP_TOO_MANY_REDIRECTS'
  | 'HTTP_FAILED';

/** A failed outbound request. */
export class OutboundError extends Error {
  constructor(
    readonly reason: OutboundFailure,
    message: string,
  ) {
    super(message);
    this.name = 'OutboundError';
  }
}
