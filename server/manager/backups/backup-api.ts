/**
 * `/api/v1/admin/backups`: the appliance's backups — list them with the schedule, write one now
 * (optionally sealing the secret files under a passphrase), download, delete, and restore one from the
 * backup folder or from an upload. Everything here needs the `admin` scope: a backup holds every app
 * and every account's password hash. An upload is streamed (never buffered) and bounded by
 * PICLOUD_BACKUP_MAX_MB; a restore over existing data needs `confirm: "replace"`.
 */
import { createReadStream } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { MAX_PASSPHRASE_LENGTH } from '../../security/passphrase-seal.js';
import type { ManagerBackups } from '../manager-deps.js';
import { ErrorSchema } from '../schemas.js';
import { acceptArchiveUploads, withArchiveUpload } from '../uploads.js';

const tags = ['backups'];
const access = { scope: 'admin' } as const;

const BackupSchema = Type.Object({
  name: Type.String(),
  size: Type.Integer(),
  id: Type.String(),
  kind: Type.Union([Type.Literal('manual'), Type.Literal('scheduled'), Type.Literal('pre-restore')]),
  created_at: Type.String({ format: 'date-time' }),
  product: Type.String(),
  schema: Type.Integer(),
  secrets: Type.Union([Type.Literal('sealed'), Type.Literal('omitted')], {
    description: 'sealed: the secret files are inside, under a passphrase; omitted: they are not',
  }),
});
const NameParam = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) });
const Passphrase = Type.String({ minLength: 1, maxLength: MAX_PASSPHRASE_LENGTH });
const RestoreResultSchema = Type.Object({
  message: Type.String(),
  secrets: Type.Union([
    Type.Literal('restored'),
    Type.Literal('not-restored'),
    Type.Literal('not-in-backup'),
  ]),
  secretsSkipped: Type.Integer(),
  queueMessages: Type.Integer(),
  rows: Type.Record(Type.String(), Type.Integer()),
  backup: Type.Object({
    id: Type.String(),
    created_at: Type.String(),
    product: Type.String(),
    schema: Type.Integer(),
  }),
  keptAside: Type.Array(Type.String()),
  preRestoreBackup: Type.Union([BackupSchema, Type.Null()]),
});
/** The passphrase of an upload travels in this header (the body is the archive). */
const PASSPHRASE_HEADER = 'x-picloud-passphrase';

/** Registers the backup routes. */
export function backupApi({ service, schedule }: ManagerBackups): FastifyPluginAsyncTypebox {
  return async (app) => {
    acceptArchiveUploads(app);

    app.get(
      '/admin/backups',
      {
        config: { access },
        schema: {
          tags,
          summary: 'List the backups (newest first) and the schedule of automatic ones',
          response: {
            200: Type.Object({
              items: Type.Array(BackupSchema),
              schedule: Type.Object({
                cron: Type.Union([Type.String(), Type.Null()]),
                timezone: Type.String(),
                next_at: Type.Union([Type.String(), Type.Null()]),
                keep: Type.Integer(),
                seals_secrets: Type.Boolean(),
                min_free_mb: Type.Integer(),
              }),
            }),
          },
        },
      },
      async () => ({ items: await service.list(), schedule: schedule() }),
    );

    app.post(
      '/admin/backups',
      {
        config: { access },
        schema: {
          tags,
          summary: 'Write a backup now (the secret files are sealed inside when a passphrase is given)',
          body: Type.Union([
            Type.Object({ passphrase: Type.Optional(Passphrase) }, { additionalProperties: false }),
            Type.Null(),
          ]),
          response: { 201: BackupSchema, 409: ErrorSchema, 422: ErrorSchema, 507: ErrorSchema },
        },
      },
      async (request, reply) => {
        const passphrase = request.body?.passphrase ?? null;
        return reply.code(201).send(await service.create({ kind: 'manual', passphrase }));
      },
    );

    app.get(
      '/admin/backups/:name',
      {
        config: { access },
        schema: { tags, summary: 'Download a backup (application/gzip)', params: NameParam },
      },
      async (request, reply) => {
        const path = service.pathOf(request.params.name);
        return reply
          .header('content-type', 'application/gzip')
          .header('content-disposition', `attachment; filename="${request.params.name}"`)
          .send(createReadStream(path));
      },
    );

    app.delete(
      '/admin/backups/:name',
      {
        config: { access },
        schema: {
          tags,
          summary: 'Delete a backup',
          params: NameParam,
          response: { 204: Type.Null(), 404: ErrorSchema },
        },
      },
      async (request, reply) => {
        service.delete(request.params.name);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/admin/backups/:name/restore',
      {
        config: { access },
        schema: {
          tags,
          summary:
            'Restore a backup of the backup folder, replacing the current data (a pre-restore backup is written first)',
          params: NameParam,
          body: Type.Object(
            { passphrase: Type.Optional(Passphrase), confirm: Type.Optional(Type.Literal('replace')) },
            { additionalProperties: false },
          ),
          response: { 200: RestoreResultSchema, 404: ErrorSchema, 409: ErrorSchema, 422: ErrorSchema },
        },
      },
      async (request) =>
        service.restoreFile(service.pathOf(request.params.name), {
          passphrase: request.body.passphrase ?? null,
          confirmReplace: request.body.confirm === 'replace',
        }),
    );

    app.post(
      '/admin/backups::restore',
      {
        config: { access, longUpload: true },
        // The body is the archive (application/gzip), streamed; the passphrase comes in a header.
        schema: {
          tags,
          summary: `Upload a backup and restore it (body: the .tgz as application/gzip; passphrase in ${PASSPHRASE_HEADER}; ?confirm=replace)`,
          querystring: Type.Object({ confirm: Type.Optional(Type.Literal('replace')) }),
          headers: Type.Object({ [PASSPHRASE_HEADER]: Type.Optional(Passphrase) }),
          response: {
            200: RestoreResultSchema,
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
          { what: 'backup (PICLOUD_BACKUP_MAX_MB)', maxBytes: service.limits.maxCompressedBytes },
          (body) => {
            const passphrase = request.headers[PASSPHRASE_HEADER];
            return service.restore(() => body, {
              passphrase: typeof passphrase === 'string' ? passphrase : null,
              confirmReplace: request.query.confirm === 'replace',
            });
          },
        ),
    );
  };
}
