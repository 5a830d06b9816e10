/**
 * Archive uploads of the admin API (backups, app bundles): the body reaches the handler as the raw
 * request stream — never buffered in memory — bounded by the handler's own reader, and a refused
 * upload closes its connection instead of reading the rest.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PicloudError } from '../errors/catalogue.js';

/** Lets `scope`'s routes take `application/gzip` (and octet-stream) bodies as streams. */
export function acceptArchiveUploads(scope: FastifyInstance): void {
  scope.addContentTypeParser(['application/gzip', 'application/octet-stream'], (_request, payload, done) =>
    done(null, payload),
  );
}

/**
 * Runs `work` on the uploaded archive of `request`: refuses another content type (415) and a declared
 * length over `maxBytes` (413) before reading; on any failure, answers and closes the connection.
 */
export async function withArchiveUpload<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  { what, maxBytes }: { what: string; maxBytes: number },
  work: (body: IncomingMessage) => Promise<T>,
): Promise<T> {
  const body = request.body as IncomingMessage | undefined;
  if (!body || typeof (body as { pipe?: unknown }).pipe !== 'function') {
    throw new PicloudError('PICLOUD_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE', `Send the ${what} as application/gzip`);
  }
  try {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      throw new PicloudError(
        'PICLOUD_ERR_HTTP_BODY_TOO_LARGE',
        `The upload is ${declared} bytes; a ${what} may have at most ${maxBytes}`,
      );
    }
    return await work(body);
  } catch (error) {
    // A refused upload may still be arriving: answer, then close the connection rather than read it all.
    reply.header('connection', 'close');
    body.resume();
    throw error;
  }
}
