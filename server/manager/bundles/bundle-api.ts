/**
 * `/api/v1/admin/apps/:app/export` and `/api/v1/admin/apps:import`: app bundles over HTTP. An export
 * streams the bundle (`?history=true&kv=true`; the secrets' values only with a passphrase in
 * `X-PiCloud-Passphrase`); an import takes one as `application/gzip` (bounded: 64 MiB), answers the
 * plan with `?dry_run=true`, and with `?as=SLUG` imports under another slug.
 */
import { createReadStream } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { MAX_PASSPHRASE_LENGTH } from '../../security/passphrase-seal.js';
import { appFromParam } from '../app-param.js';
import { PlanSchema } from '../app-spec/deploy-api.js';
import type { ManagerContext } from '../manager-deps.js';
import { AppParam, ErrorSchema, Slug } from '../schemas.js';
import type { SecretKeyring } from '../secrets/secret-key.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { acceptArchiveUploads, withArchiveUpload } from '../uploads.js';
import { BUNDLE_LIMITS, exportAppBundle, importAppBundle } from './app-bundle.js';

const tags = ['bundles'];
const PASSPHRASE_HEADER = 'x-picloud-passphrase';
const PassphraseHeaders = Type.Object({
  [PASSPHRASE_HEADER]: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_PASSPHRASE_LENGTH })),
});

/** Registers the bundle routes. */
export function bundleApi(
  { db, scriptChecker, locate }: ManagerContext,
  secrets: SecretStore,
  keyring: SecretKeyring,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    acceptArchiveUploads(app);

    app.get(
      '/admin/apps/:app/export',
      {
        config: { access: { scope: 'apps:write', app: locate.appParam } },
        schema: {
          tags,
          summary: 'Download the app as a bundle (.picloud.tgz)',
          params: AppParam,
          querystring: Type.Object({
            history: Type.Optional(Type.Boolean()),
            kv: Type.Optional(Type.Boolean()),
          }),
          headers: PassphraseHeaders,
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        if (!found) return reply;
        const passphrase = request.headers[PASSPHRASE_HEADER];
        const bundle = await exportAppBundle(db, secrets, found.id, {
          history: request.query.history ?? false,
          kv: request.query.kv ?? false,
          passphrase: typeof passphrase === 'string' ? passphrase : null,
        });
        const stream = createReadStream(bundle.path);
        stream.on('close', bundle.cleanup);
        return reply
          .header('content-type', 'application/gzip')
          .header('content-disposition', `attachment; filename="${bundle.name}"`)
          .send(stream);
      },
    );

    app.post(
      '/admin/apps::import',
      {
        config: { access: { scope: 'apps:write' }, longUpload: true },
        schema: {
          tags,
          summary: 'Import an app bundle (body: the .picloud.tgz as application/gzip): all or nothing',
          querystring: Type.Object({ as: Type.Optional(Slug), dry_run: Type.Optional(Type.Boolean()) }),
          headers: PassphraseHeaders,
          response: {
            200: Type.Object({
              plan: PlanSchema,
              applied: Type.Boolean(),
              app: Type.Union([Type.Object({ id: Type.String(), slug: Type.String() }), Type.Null()]),
              kv_entries: Type.Integer(),
              secrets: Type.String(),
              secret_names: Type.Array(Type.String()),
            }),
            409: ErrorSchema,
            413: ErrorSchema,
            415: ErrorSchema,
            422: ErrorSchema,
          },
        },
      },
      async (request, reply) =>
        withArchiveUpload(
          request,
          reply,
          { what: 'bundle', maxBytes: BUNDLE_LIMITS.maxCompressedBytes },
          (body) => {
            const passphrase = request.headers[PASSPHRASE_HEADER];
            return importAppBundle(db, scriptChecker, keyring, body, {
              as: request.query.as?.toLowerCase() ?? null,
              dryRun: request.query.dry_run ?? false,
              passphrase: typeof passphrase === 'string' ? passphrase : null,
            });
          },
        ),
    );
  };
}
