/** `/api/v1/admin/apps/:app/domains`: the host claims of an app. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { LocalNameLookup, LocalNameStatus } from '../../contracts/local-names.js';
import { appFromParam } from '../app-param.js';
import { callerRights } from '../auth/caller-rights.js';
import type { ManagerContext } from '../manager-deps.js';
import { AppParam, ErrorSchema } from '../schemas.js';
import { addDomain, type DomainView, listDomains, removeDomain } from './domain-store.js';

const DomainSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  pattern: Type.String(),
  kind: Type.Union([Type.Literal('exact'), Type.Literal('wildcard')]),
  created_at: Type.String({ format: 'date-time' }),
  lan: Type.Optional(
    Type.Object(
      {
        state: Type.Union([Type.Literal('probing'), Type.Literal('announced'), Type.Literal('conflict')]),
        conflict_with: Type.Optional(Type.String()),
        since: Type.String({ format: 'date-time' }),
      },
      {
        description:
          'For an exact claim under .local while mDNS runs: whether PiCloud answers for it on the LAN, or another host (conflict_with) does',
      },
    ),
  ),
});
const tags = ['domains'];

/** Adds the mDNS status of an exact `.local` claim, when mDNS runs. */
function withLanStatus(item: DomainView, lookup: LocalNameLookup | undefined) {
  const status = item.kind === 'exact' && item.pattern.endsWith('.local') ? lookup?.(item.pattern) : null;
  if (!status) return item;
  const lan: { state: LocalNameStatus['state']; since: string; conflict_with?: string } = {
    state: status.state,
    since: status.since,
  };
  if (status.conflictWith) lan.conflict_with = status.conflictWith;
  return { ...item, lan };
}

/** Registers the domain routes. */
export function domainApi({ db, locate, localNameStatus }: ManagerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/admin/apps/:app/domains',
      {
        config: { access: { scope: 'apps:read', app: locate.appParam } },
        schema: {
          tags,
          summary: "List an app's host claims",
          params: AppParam,
          response: { 200: Type.Object({ items: Type.Array(DomainSchema) }) },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        if (!found) return reply;
        const items = await listDomains(db, found.id);
        return { items: items.map((item) => withLanStatus(item, localNameStatus)) };
      },
    );

    app.post(
      '/admin/apps/:app/domains',
      {
        config: { access: { scope: 'apps:write', app: locate.appParam } },
        schema: {
          tags,
          summary:
            'Claim a host ("api.home.lan") or a wildcard ("*.home.lan") for the app; the machine\'s own names and addresses only for the app answering for localhost',
          params: AppParam,
          body: Type.Object(
            { pattern: Type.String({ minLength: 1, maxLength: 255 }) },
            { additionalProperties: false },
          ),
          response: { 201: DomainSchema, 400: ErrorSchema, 403: ErrorSchema, 409: ErrorSchema },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        if (!found) return reply;
        const caller = callerRights(request.principal);
        return reply.code(201).send(await addDomain(db, found.id, request.body.pattern, { caller }));
      },
    );

    app.delete(
      '/admin/apps/:app/domains/:domain',
      {
        config: { access: { scope: 'apps:write', app: locate.appParam } },
        schema: {
          tags,
          summary: 'Release a host claim (by id or pattern)',
          params: Type.Object({ app: Type.String(), domain: Type.String({ minLength: 1, maxLength: 255 }) }),
          response: { 204: Type.Null(), 404: ErrorSchema },
        },
      },
      async (request, reply) => {
        const found = await appFromParam(db, request, reply);
        if (!found) return reply;
        await removeDomain(db, found.id, request.params.domain);
        return reply.code(204).send(null);
      },
    );
  };
}
