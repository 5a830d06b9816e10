/**
 * The one error catalogue. Every error PiCloud reports to a client has a stable machine-readable code
 * from this table, an HTTP status and a human message. docs/errors.md documents each code; a test keeps
 * the two in step.
 */
export const ERROR_CATALOGUE = {
  PICLOUD_ERR_HTTP_NOT_FOUND: { status: 404, message: 'No route matches this request' },
  PICLOUD_ERR_PANEL_NOT_BUILT: { status: 503, message: 'The control panel is not built' },
  PICLOUD_ERR_API_NOT_FOUND: { status: 404, message: 'Unknown API path or API version' },
  PICLOUD_ERR_API_WRONG_PORT: {
    status: 404,
    message: "This API path is served on the appliance's other port (panel or endpoints)",
  },
  PICLOUD_ERR_HTTP_VALIDATION: { status: 400, message: 'The request does not match the expected schema' },
  PICLOUD_ERR_HTTP_BAD_BODY: { status: 400, message: 'The request body could not be parsed' },
  PICLOUD_ERR_HTTP_BODY_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  PICLOUD_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported content type' },
  PICLOUD_ERR_HTTP_BODY_TOO_DEEP: { status: 400, message: 'The JSON body is nested too deeply' },
  PICLOUD_ERR_DB_UNAVAILABLE: { status: 503, message: 'The database is unavailable' },
  PICLOUD_ERR_SERVER_SHUTTING_DOWN: { status: 503, message: 'The server is shutting down' },
  PICLOUD_ERR_INTERNAL: { status: 500, message: 'Internal server error' },
  PICLOUD_ERR_HTTP_BAD_CURSOR: { status: 400, message: 'The pagination cursor is not valid' },
  PICLOUD_ERR_APP_NOT_FOUND: { status: 404, message: 'No such app' },
  PICLOUD_ERR_APP_SLUG_TAKEN: { status: 409, message: 'Another app uses this slug' },
  PICLOUD_ERR_APP_ALLOW_HOST_FORBIDDEN: {
    status: 403,
    message:
      'Letting scripts reach this appliance, loopback or link-local addresses needs an admin not limited to one app',
  },
  PICLOUD_ERR_APP_SLUG_RETIRED: {
    status: 409,
    message: 'This slug redirects to another app; take it over with force',
  },
  PICLOUD_ERR_DOMAIN_INVALID: { status: 400, message: 'Not a valid host claim' },
  PICLOUD_ERR_DOMAIN_TAKEN: { status: 409, message: 'Another app claims this host' },
  PICLOUD_ERR_DOMAIN_NOT_FOUND: { status: 404, message: 'No such domain claim' },
  PICLOUD_ERR_DOMAIN_MACHINE_HOST: {
    status: 403,
    message:
      'This host is a name or address of the appliance itself: only the app answering for localhost claims it',
  },
  PICLOUD_ERR_SCRIPT_NOT_FOUND: { status: 404, message: 'No such script' },
  PICLOUD_ERR_SCRIPT_NAME_TAKEN: { status: 409, message: 'The app already has a script with this name' },
  PICLOUD_ERR_SCRIPT_COMPILE: { status: 422, message: 'The script does not compile' },
  PICLOUD_ERR_SCRIPT_VERSION_NOT_FOUND: { status: 404, message: 'No such script version' },
  PICLOUD_ERR_SCRIPT_KIND_CONFLICT: {
    status: 409,
    message: 'The script kind cannot change while routes or triggers use it',
  },
  PICLOUD_ERR_MODULE_SHAPE: {
    status: 422,
    message: 'A module may hold only constants, functions and imports at top level',
  },
  PICLOUD_ERR_MODULE_NAME_RESERVED: { status: 422, message: 'This name is reserved for a built-in module' },
  PICLOUD_ERR_MODULE_IMPORT: {
    status: 422,
    message: 'An import names no module of the app, forms a cycle or makes too deep a chain',
  },
  PICLOUD_ERR_MODULE_IN_USE: { status: 409, message: 'Other scripts import this module' },
  PICLOUD_ERR_ROUTE_INVALID: { status: 400, message: 'Not a valid route' },
  PICLOUD_ERR_ROUTE_CONFLICT: { status: 409, message: 'Another route of the app matches the same requests' },
  PICLOUD_ERR_ROUTE_NOT_FOUND: { status: 404, message: 'No such route' },
  PICLOUD_ERR_TRIGGER_INVALID: { status: 400, message: 'Not a valid trigger' },
  PICLOUD_ERR_TRIGGER_NOT_FOUND: { status: 404, message: 'No such trigger' },
  PICLOUD_ERR_TRIGGER_QUEUE_TAKEN: { status: 409, message: 'Another trigger of the app consumes this queue' },
  PICLOUD_ERR_QUEUE_NOT_FOUND: { status: 404, message: 'No trigger of the app consumes this queue' },
  PICLOUD_ERR_QUEUE_PAYLOAD_TOO_LARGE: { status: 413, message: 'The message payload is over the size limit' },
  PICLOUD_ERR_DEAD_LETTER_NOT_FOUND: { status: 404, message: 'No such dead letter' },
  PICLOUD_ERR_DEAD_LETTER_REPLAYED: { status: 409, message: 'This dead letter has already been replayed' },
  PICLOUD_ERR_LOG_NOT_FOUND: { status: 404, message: 'No such execution log' },
  PICLOUD_ERR_KV_NOT_FOUND: { status: 404, message: 'No such KV entry' },
  PICLOUD_ERR_KV_INVALID: { status: 400, message: 'Not a valid KV collection, key, value or TTL' },
  PICLOUD_ERR_KV_VALUE_TOO_LARGE: { status: 413, message: 'The KV value is over the size limit' },
  PICLOUD_ERR_HOST_UNKNOWN: { status: 404, message: 'No app answers for this host' },
  PICLOUD_ERR_ROUTE_NO_MATCH: { status: 404, message: 'No route of this app matches' },
  PICLOUD_ERR_SCRIPT_RUNTIME: { status: 500, message: 'The script failed' },
  PICLOUD_ERR_SCRIPT_THROWN: { status: 500, message: 'The script threw an error' },
  PICLOUD_ERR_SCRIPT_LIMIT: { status: 500, message: 'The script exceeded a limit' },
  PICLOUD_ERR_SCRIPT_TIMEOUT: { status: 504, message: 'The script ran out of time' },
  PICLOUD_ERR_SCRIPT_RESPONSE_TOO_LARGE: {
    status: 500,
    message: 'The script produced a response over the size limit',
  },
  PICLOUD_ERR_SCRIPT_NOT_ENDPOINT: { status: 400, message: 'Only endpoint scripts can be run' },
  PICLOUD_ERR_EXECUTOR_CRASHED: { status: 500, message: 'The script crashed its worker' },
  PICLOUD_ERR_EXECUTOR_BUSY: { status: 503, message: 'All script workers are busy' },
  PICLOUD_ERR_EXECUTOR_UNSENDABLE: {
    status: 400,
    message: 'The request holds a value that cannot be handed to a script',
  },
  PICLOUD_ERR_HTTP_HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large' },
  PICLOUD_ERR_HTTP_RATE_LIMITED: { status: 429, message: 'Too many requests from this address; slow down' },
  PICLOUD_ERR_AUTH_REQUIRED: {
    status: 401,
    message: 'Sign in, or present an API token (Authorization: Bearer)',
  },
  PICLOUD_ERR_AUTH_TOKEN_INVALID: { status: 401, message: 'The API token is not valid' },
  PICLOUD_ERR_AUTH_TOKEN_EXPIRED: { status: 401, message: 'The API token has expired' },
  PICLOUD_ERR_AUTH_TOKEN_REVOKED: { status: 401, message: 'The API token has been revoked' },
  PICLOUD_ERR_AUTH_SESSION_INVALID: { status: 401, message: 'The session has ended; sign in again' },
  PICLOUD_ERR_AUTH_LOGIN_FAILED: { status: 401, message: 'Wrong user name or password' },
  PICLOUD_ERR_AUTH_SCOPE: { status: 403, message: 'The API token lacks the scope this needs' },
  PICLOUD_ERR_AUTH_APP_FORBIDDEN: { status: 403, message: 'The API token is limited to another app' },
  PICLOUD_ERR_AUTH_SESSION_REQUIRED: {
    status: 403,
    message: 'Only a signed-in admin can do this, not a token',
  },
  PICLOUD_ERR_AUTH_CSRF: {
    status: 403,
    message: "Missing or wrong X-CSRF-Token header (a signed-in change must echo the session's token)",
  },
  PICLOUD_ERR_AUTH_CROSS_SITE: { status: 403, message: 'Refused a request sent by another site' },
  PICLOUD_ERR_AUTH_SETUP_REQUIRED: {
    status: 403,
    message: 'No admin account yet: complete set-up first (POST /api/v1/auth/setup)',
  },
  PICLOUD_ERR_AUTH_SETUP_CODE: { status: 403, message: 'Set-up from another machine needs the set-up code' },
  PICLOUD_ERR_AUTH_SETUP_DONE: { status: 409, message: 'Set-up is complete: an admin account exists' },
  PICLOUD_ERR_AUTH_RATE_LIMITED: {
    status: 429,
    message: 'Too many failed attempts; wait before trying again',
  },
  PICLOUD_ERR_AUTH_WEAK_PASSWORD: { status: 400, message: 'The password is too short or too long' },
  PICLOUD_ERR_AUTH_WRONG_PASSWORD: { status: 403, message: 'The current password is wrong' },
  PICLOUD_ERR_AUTH_USERNAME_TAKEN: { status: 409, message: 'An admin account has this user name' },
  PICLOUD_ERR_AUTH_ADMIN_NOT_FOUND: { status: 404, message: 'No such admin account' },
  PICLOUD_ERR_AUTH_ACCOUNT_IN_USE: { status: 409, message: 'This admin account cannot be deleted' },
  PICLOUD_ERR_TOKEN_NOT_FOUND: { status: 404, message: 'No such API token' },
  PICLOUD_ERR_CORS_ORIGIN: { status: 403, message: 'This origin may not call the app from a browser' },
  PICLOUD_ERR_SECRET_NOT_FOUND: { status: 404, message: 'The app has no such secret' },
  PICLOUD_ERR_SECRET_KEY_UNUSABLE: {
    status: 500,
    message: 'The secrets key file in the data folder cannot be used',
  },
  PICLOUD_ERR_BACKUP_NOT_FOUND: { status: 404, message: 'No such backup' },
  PICLOUD_ERR_BACKUP_INVALID: {
    status: 422,
    message: 'The backup is damaged, truncated or not a PiCloud backup',
  },
  PICLOUD_ERR_BACKUP_INCOMPATIBLE: { status: 422, message: 'This PiCloud cannot restore the backup' },
  PICLOUD_ERR_BACKUP_PASSPHRASE: { status: 422, message: 'The passphrase is wrong or unusable' },
  PICLOUD_ERR_BACKUP_DISK_FULL: { status: 507, message: 'Not enough free disk space for a backup' },
  PICLOUD_ERR_BACKUP_BUSY: { status: 409, message: 'Another backup or restore is running' },
  PICLOUD_ERR_BACKUP_CONFIRM_REQUIRED: {
    status: 409,
    message: 'Restoring replaces the current data: confirm it',
  },
  PICLOUD_ERR_BUNDLE_INVALID: {
    status: 422,
    message: 'The app bundle is damaged or not a PiCloud app bundle',
  },
  PICLOUD_ERR_BUNDLE_CONFLICT: { status: 409, message: "The bundle's app conflicts with an existing app" },
  PICLOUD_ERR_DEPLOY_INVALID: { status: 400, message: "The deploy folder's description is invalid" },
  PICLOUD_ERR_WIRE_VERSION: {
    status: 409,
    message: 'The other node speaks another major version of the wire protocol',
  },
  PICLOUD_ERR_WIRE_FORBIDDEN: {
    status: 403,
    message: 'Only nodes holding a certificate of this cluster may call /wire/*',
  },
  PICLOUD_ERR_CLUSTER_TOKEN_INVALID: { status: 403, message: 'The join token is not one this cluster made' },
  PICLOUD_ERR_CLUSTER_TOKEN_USED: { status: 403, message: 'The join token was already used' },
  PICLOUD_ERR_CLUSTER_TOKEN_EXPIRED: { status: 403, message: 'The join token has expired' },
  PICLOUD_ERR_CLUSTER_SETUP_CODE: { status: 403, message: "The set-up code is not the node's" },
  PICLOUD_ERR_CLUSTER_NOT_FRESH: {
    status: 409,
    message: 'The node is already set up or in a cluster: only a fresh node joins',
  },
  PICLOUD_ERR_CLUSTER_NOT_PRIMARY: { status: 409, message: 'Only the primary of the cluster does this' },
  PICLOUD_ERR_CLUSTER_NODE_NOT_FOUND: { status: 404, message: 'No such node' },
  PICLOUD_ERR_CLUSTER_NODE_UNREACHABLE: {
    status: 502,
    message: 'The node did not answer, or not with the certificate it announced',
  },
  PICLOUD_ERR_CLUSTER_JOIN_FAILED: { status: 502, message: 'The node could not join the cluster' },
  PICLOUD_ERR_CLUSTER_BAD_REQUEST_CERT: {
    status: 400,
    message: 'The certificate request is not a valid, self-signed ECDSA P-256 request',
  },
  // Start-up failures that recur on every start until the user acts. `picloud start` ends its error
  // line with the code so a supervisor (the desktop app) stops retrying; no HTTP client sees them.
  PICLOUD_ERR_STARTUP_PORT_IN_USE: { status: 503, message: 'Another program listens on the HTTP port' },
  PICLOUD_ERR_STARTUP_DATA_DIR: { status: 503, message: 'The data folder cannot be created or written' },
  PICLOUD_ERR_STARTUP_ALREADY_RUNNING: {
    status: 503,
    message: 'Another PiCloud is running with this data folder',
  },
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
