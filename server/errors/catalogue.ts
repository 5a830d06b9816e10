/**
 * The one error catalogue. Every error PiCloud reports to a client has a stable machine-readable code
 * from this table, an HTTP status and a human message. docs/errors.md documents each code; a test keeps
 * the two in step.
 */
export const ERROR_CATALOGUE = {
  PICLOUD_ERR_HTTP_NOT_FOUND: { status: 404, message: 'No route matches this request' },
  PICLOUD_ERR_API_NOT_FOUND: { status: 404, message: 'Unknown API path or API version' },
  PICLOUD_ERR_HTTP_VALIDATION: { status: 400, message: 'The request does not match the expected schema' },
  PICLOUD_ERR_HTTP_BAD_BODY: { status: 400, message: 'The request body could not be parsed' },
  PICLOUD_ERR_HTTP_BODY_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  PICLOUD_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported content type' },
  PICLOUD_ERR_DB_UNAVAILABLE: { status: 503, message: 'The database is unavailable' },
  PICLOUD_ERR_SERVER_SHUTTING_DOWN: { status: 503, message: 'The server is shutting down' },
  PICLOUD_ERR_INTERNAL: { status: 500, message: 'Internal server error' },
} as const satisfies Record<string, { status: number; message: string }>;

/** A stable, documented error code. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** The JSON body of every error response: `{ error: { code, message, details? } }`. */
export interface ErrorBody {
  error: {
    /** Stable machine-readable code, e.g. `PICLOUD_ERR_API_NOT_FOUND`. */
    code: ErrorCode;
    /** Human-readable explanation, safe to show to the caller. */
    message: string;
    /** Optional structured, safe details (validation problems, positions...). */
    details?: unknown;
  };
}

/**
 * An error with a catalogue code. Thrown anywhere in request handling, it becomes an error response.
 * @example throw new PicloudError('PICLOUD_ERR_API_NOT_FOUND', 'No API route GET /api/v2/x')
 */
export class PicloudError extends Error {
  /** The catalogue code. */
  readonly code: ErrorCode;
  /** The HTTP status from the catalogue. */
  readonly status: number;
  /** Safe structured details for the client. */
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? ERROR_CATALOGUE[code].message);
    this.name = 'PicloudError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.details = details;
  }

  /** The response body for this error. */
  toBody(): ErrorBody {
    const body: ErrorBody = { error: { code: this.code, message: this.message } };
    if (this.details !== undefined) body.error.details = this.details;
    return body;
  }
}
