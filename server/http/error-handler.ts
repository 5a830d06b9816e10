/**
 * Turns every failure into the one error format `{error: {code, message, details?}}`: our own
 * PicloudErrors, Fastify's schema-validation errors and its body-parsing errors. Anything unexpected
 * is logged with its stack and reported as a generic internal error (no internals leak to clients).
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { unreachableDatabase } from '../db/unreachable.js';
import { PicloudError } from '../errors/catalogue.js';

/** Fastify's own error codes mapped onto the catalogue. */
const FASTIFY_CODES: Record<string, () => PicloudError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => new PicloudError('PICLOUD_ERR_HTTP_BODY_TOO_LARGE'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new PicloudError('PICLOUD_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () =>
    new PicloudError(
      'PICLOUD_ERR_HTTP_BAD_BODY',
      'The body is empty but the content type is application/json',
    ),
  FST_ERR_CTP_INVALID_JSON_BODY: () =>
    new PicloudError('PICLOUD_ERR_HTTP_BAD_BODY', 'The body is not valid JSON'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () =>
    new PicloudError('PICLOUD_ERR_HTTP_BAD_BODY', 'Content-Length does not match the body'),
};

/** Converts any thrown value into a PicloudError. */
export function toPicloudError(error: unknown): PicloudError {
  if (error instanceof PicloudError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError?.validation) {
    const context = fastifyError.validationContext ?? 'request';
    const problems = fastifyError.validation.map((v) => {
      // Point at the offending property itself, not at the object that lacks or has it.
      const params = (v.params ?? {}) as Record<string, unknown>;
      const property = params.missingProperty ?? params.additionalProperty;
      const path = `${v.instancePath}${typeof property === 'string' ? `/${property}` : ''}` || '/';
      return { in: context, path, message: v.message ?? 'is invalid' };
    });
    return new PicloudError(
      'PICLOUD_ERR_HTTP_VALIDATION',
      `Invalid ${context}: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
      problems,
    );
  }
  const mapped = fastifyError?.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return mapped();
  if (error instanceof SyntaxError && (fastifyError.statusCode ?? 500) === 400) {
    return new PicloudError('PICLOUD_ERR_HTTP_BAD_BODY', 'The body is not valid JSON');
  }
  // The database (on a cluster member: the primary's) is down: a clear 503, never an internal error.
  if (unreachableDatabase(error) !== null) return new PicloudError('PICLOUD_ERR_DB_UNAVAILABLE');
  return new PicloudError('PICLOUD_ERR_INTERNAL');
}

/** Installs the error handler on a Fastify instance (and so on all its child scopes). */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const picloudError = toPicloudError(error);
    // Unexpected failures get their stack in the log; expected 5xx (database down, draining) a line.
    if (picloudError.code === 'PICLOUD_ERR_INTERNAL') request.log.error({ err: error }, 'request failed');
    else if (picloudError.status >= 500) request.log.warn({ code: picloudError.code }, picloudError.message);
    void reply
      .status(picloudError.status)
      .type('application/json; charset=utf-8')
      .send(picloudError.toBody());
  });
}
