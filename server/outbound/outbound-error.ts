/**
 * Why an outbound request failed. The message names the method and the origin (scheme, host, port)
 * but never the path, query, headers or body, where callers put API keys.
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
