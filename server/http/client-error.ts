/**
 * Answers requests that never became requests — headers over the size limit, a malformed request
 * line, a client too slow to send its headers — in the one error format, then closes the connection.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { type ErrorCode, PicloudError } from '../errors/catalogue.js';

/** Maps Node's parser errors onto the catalogue. */
function errorFor(code: string | undefined): PicloudError {
  const mapped: Record<string, ErrorCode> = { HPE_HEADER_OVERFLOW: 'PICLOUD_ERR_HTTP_HEADERS_TOO_LARGE' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new PicloudError('PICLOUD_ERR_HTTP_BAD_BODY', 'The request was not received in time');
  }
  const known = code ? mapped[code] : undefined;
  return known
    ? new PicloudError(known)
    : new PicloudError('PICLOUD_ERR_HTTP_BAD_BODY', 'Malformed HTTP request');
}

/** Fastify's `clientErrorHandler`. */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const picloudError = errorFor(error.code);
  const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : picloudError.status;
  const body = JSON.stringify(picloudError.toBody());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** Answers 408 on `socket` — a request that did not arrive in time — and closes it. */
export function answerRequestTimeout(socket: Socket): void {
  answerClientError(
    Object.assign(new Error('request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }),
    socket,
  );
}
