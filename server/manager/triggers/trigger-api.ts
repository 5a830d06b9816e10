/**
 * `/api/v1/admin/apps/:app/triggers` (cron and queue triggers of an app),
 * `/api/v1/admin/apps/:app/queues/:queue/messages` (send a message) and
 * `/api/v1/admin/apps/:app/dead-letters` (list, inspect, replay). See docs/triggers.md.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { appFromParam } from '../app-param.js';
import type { ManagerContext } from '../manager-deps.js';
import { ErrorSchema, PageOf, PageQuerySchema } from '../schemas.js';
import { CRON_FORMAT } from './cron-schedule.js';
import { getDeadLetter, listDeadLetters } from './dead-letter-store.js';
import { MAX_PAYLOAD_BYTES, type TriggerService } from './trigger-service.js';
import {
  createTrigger,
  DEFAULT_TIMEZONE,
  deleteTrigger,
  getTrigger,
  listTriggers,
  RETRY_POLICY,
  updateTrigger,
} from './trigger-store.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const DateTime = Type.String({ format: 'date-time' });

const TriggerSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  app_id: Type.String({ format: 'uuid' }),
  script_id: Type.String({ format: 'uuid' }),
  script_name: Type.String(),
  kind: Type.Union([Type.Literal('cron'), Type.Literal('queue')]),
  schedule: Nullable(Type.String()),
  timezone: Nullable(Type.String()),
  queue: Nullable(Type.String()),
  max_attempts: Type.Integer(),
  backoff_seconds: Type.Integer(),
  enabled: Type.Boolean(),
  next_fire_at: Nullable(DateTime),
  last_fired_at: Nullable(DateTime),
  created_at: DateTime,
  updated_at: DateTime,
});

const fields = {
  script: Type.String({
    minLength: 1,
    maxLength: 64,
    description: 'script id or name (an endpoint of this app)',
  }),
  schedule: Type.String({
    minLength: 1,
    maxLength: 200,
    description: `cron: ${CRON_FORMAT}, e.g. "*/5 * * * * *" (every 5 seconds)`,
  }),
  timezone: Type.String({
    minLength: 1,
    maxLength: 64,
    description: `cron: the IANA time zone the schedule is read in (default ${DEFAULT_TIMEZONE})`,
  }),
  queue: Type.String({
    minLength: 1,
    maxLength: 64,
    description: 'queue: the queue the script consumes (letters, digits, "_", ".", "-")',
  }),
  max_attempts: Type.Integer({
    minimum: RETRY_POLICY.maxAttempts.min,
    maximum: RETRY_POLICY.maxAttempts.max,
    description: `queue: attempts per message, the first included (default ${RETRY_POLICY.maxAttempts.default})`,
  }),
  backoff_seconds: Type.Integer({
    minimum: RETRY_POLICY.backoffSeconds.min,
    maximum: RETRY_POLICY.backoffSeconds.max,
    description: `queue: retry n waits backoff × 2^(n-1) to twice that (default ${RETRY_POLICY.backoffSeconds.default})`,
  }),
  enabled: Type.Boolean({ description: 'default true' }),
};

const TriggerParams = Type.Object({
  app: Type.String({ minLength: 1, maxLength: 64 }),
  trigger: Type.String({ maxLength: 64 }),
});
const QueueParams = Type.Object({
  app: Type.String({ minLength: 1, maxLength: 64 }),
  queue: Type.String({ maxLength: 64 }),
});
const DeadLetterParams = Type.Object({
  app: Type.String({ minLength: 1, maxLength: 64 }),
  id: Type.String({ maxLength: 64 }),
});
const AppOnly = Type.Object({ app: Type.String({ minLength: 1, maxLength: 64 }) });

const SentSchema = Type.Object({ message_id: Type.String({ format: 'uuid' }), queue: Type.String() });
const ErrorInfo = Type.Object({
  code: Type.String(),
  message: Type.String(),
  kind: Type.Optional(Type.String()),
  line: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  column: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
});
const deadLetterFields = {
  id: Type.String({ format: 'uuid', description: 'the failed message id' }),
  app_id: Type.String({ format: 'uuid' }),
  queue: Type.String(),
  error: ErrorInfo,
  attempts: Type.Integer(),
  first_failed_at: DateTime,
  last_failed_at: DateTime,
  replayed_at: Nullable(DateTime),
  replay_message_id: Nullable(Type.String({ format: 'uuid' })),
};
const DeadLetterSummarySchema = Type.Object(deadLetterFields);
const DeadLetterSchema = Type.Object({ ...deadLetterFields, payload: Type.Unknown() });

const tags = ['triggers'];

/** Registers the trigger, queue-message and dead-letter routes. */
export function triggerApi(
  { db, locate }: ManagerContext,
  triggers: TriggerService,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/admin/apps/:app/triggers',
      {
        config: { access: { scope: 'scripts:read', app: locate.appParam } },
        schema: {
          tags,
          summary: "List an app's cron and queue triggers",
          params: AppOnly,
          response: { 200: Type.Object({ items: Type.Array(TriggerSchema) }), 404: ErrorSchema },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        return found ? { items: await listTriggers(db, found.id) } : reply;
      },
    );

    app.post(
      '/admin/apps/:app/triggers',
      {
        config: { access: { scope: 'scripts:write', app: locate.appParam } },
        schema: {
          tags,
          summary: 'Add a trigger: a cron schedule or a queue that runs an endpoint script',
          params: AppOnly,
          body: Type.Object(
            {
              script: fields.script,
              kind: Type.Union([Type.Literal('cron'), Type.Literal('queue')]),
              schedule: Type.Optional(fields.schedule),
              timezone: Type.Optional(fields.timezone),
              queue: Type.Optional(fields.queue),
              max_attempts: Type.Optional(fields.max_attempts),
              backoff_seconds: Type.Optional(fields.backoff_seconds),
              enabled: Type.Optional(fields.enabled),
            },
            { additionalProperties: false },
          ),
          response: { 201: TriggerSchema, 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        return found ? reply.code(201).send(await createTrigger(db, found.id, request.body)) : reply;
      },
    );

    app.get(
      '/admin/apps/:app/triggers/:trigger',
      {
        config: { access: { scope: 'scripts:read', app: locate.appParam } },
        schema: {
          tags,
          summary: 'Get a trigger',
          params: TriggerParams,
          response: { 200: TriggerSchema, 404: ErrorSchema },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        return found ? getTrigger(db, found.id, request.params.trigger) : reply;
      },
    );

    app.patch(
      '/admin/apps/:app/triggers/:trigger',
      {
        config: { access: { scope: 'scripts:write', app: locate.appParam } },
        schema: {
          tags,
          summary: 'Change a trigger (not its kind)',
          params: TriggerParams,
          body: Type.Object(
            {
              script: Type.Optional(fields.script),
              schedule: Type.Optional(fields.schedule),
              timezone: Type.Optional(fields.timezone),
              queue: Type.Optional(fields.queue),
              max_attempts: Type.Optional(fields.max_attempts),
              backoff_seconds: Type.Optional(fields.backoff_seconds),
              enabled: Type.Optional(fields.enabled),
            },
            { additionalProperties: false },
          ),
          response: { 200: TriggerSchema, 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        if (!found) return reply;
        const { before, after } = await updateTrigger(db, found.id, request.params.trigger, request.body);
        await triggers.afterTriggerChange(before, after.queue);
        return after;
      },
    );

    app.delete(
      '/admin/apps/:app/triggers/:trigger',
      {
        config: { access: { scope: 'scripts:write', app: locate.appParam } },
        schema: {
          tags,
          summary: 'Delete a trigger (a queue trigger takes its pending messages with it)',
          params: TriggerParams,
          response: { 204: Type.Null(), 404: ErrorSchema },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        if (!found) return reply;
        const deleted = await deleteTrigger(db, found.id, request.params.trigger);
        await triggers.afterTriggerChange(deleted, null);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/admin/apps/:app/queues/:queue/messages',
      {
        config: { access: { scope: 'endpoints:invoke', app: locate.appParam } },
        schema: {
          tags,
          summary:
            "Send a message to one of the app's queues (its consumer script runs with the payload as ctx.body)",
          params: QueueParams,
          body: Type.Object(
            { payload: Type.Unknown({ description: `any JSON (at most ${MAX_PAYLOAD_BYTES} bytes)` }) },
            { additionalProperties: false },
          ),
          response: { 202: SentSchema, 404: ErrorSchema, 413: ErrorSchema },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        if (!found) return reply;
        const sent = await triggers.sendMessage(found.id, request.params.queue, request.body.payload);
        return reply.code(202).send(sent);
      },
    );

    app.get(
      '/admin/apps/:app/dead-letters',
      {
        config: { access: { scope: 'logs:read', app: locate.appParam } },
        schema: {
          tags,
          summary: 'List the messages that failed every attempt, most recent failure first',
          params: AppOnly,
          querystring: Type.Intersect([
            PageQuerySchema,
            Type.Object({ queue: Type.Optional(Type.String({ maxLength: 64 })) }),
          ]),
          response: { 200: PageOf(DeadLetterSummarySchema), 400: ErrorSchema, 404: ErrorSchema },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        const { queue, ...page } = request.query;
        return found ? listDeadLetters(db, found.id, { queue }, page) : reply;
      },
    );

    app.get(
      '/admin/apps/:app/dead-letters/:id',
      {
        config: { access: { scope: 'logs:read', app: locate.appParam } },
        schema: {
          tags,
          summary: 'Inspect a dead letter: payload, last error, attempts',
          params: DeadLetterParams,
          response: { 200: DeadLetterSchema, 404: ErrorSchema },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        return found ? getDeadLetter(db, found.id, request.params.id) : reply;
      },
    );

    app.post(
      '/admin/apps/:app/dead-letters/:id/replay',
      {
        // Sending a message again runs a script: the scope of sending one, not of reading logs.
        config: { access: { scope: 'endpoints:invoke', app: locate.appParam } },
        schema: {
          tags,
          summary: 'Replay a dead letter: send its payload again as a new message of its queue (once)',
          params: DeadLetterParams,
          response: {
            202: Type.Object({ ...SentSchema.properties, dead_letter: DeadLetterSchema }),
            404: ErrorSchema,
            409: ErrorSchema,
          },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        if (!found) return reply;
        return reply.code(202).send(await triggers.replayDeadLetter(found.id, request.params.id));
      },
    );
  };
}
