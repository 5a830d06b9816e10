/**
 * Resolving the `:app` path parameter (id or slug). A retired slug answers 308 Permanent Redirect to
 * the same URL with the app's current slug, for every method (308 keeps the method and body).
 */
import type { Kysely, Selectable } from 'kysely';
import type { AppsTable, Database } from '../db/schema.js';
import { PicloudError } from '../errors/catalogue.js';
import { lookupApp } from './apps/app-store.js';

/** The part of a Fastify reply used to redirect (any route's reply type fits). */
export interface RedirectingReply {
  redirect(url: string, code: number): unknown;
  header(name: string, value: string): unknown;
}

/**
 * The app named by `request.params.app`, or null once the redirect for a retired slug has been sent
 * (the handler then returns `reply`).
 */
export async function appFromParam(
  db: Kysely<Database>,
  request: { params: { app: string }; url: string; routeOptions: { url?: string } },
  reply: RedirectingReply,
): Promise<Selectable<AppsTable> | null> {
  const found = await lookupApp(db, request.params.app);
  if (!found) throw new PicloudError('PICLOUD_ERR_APP_NOT_FOUND', `No app "${request.params.app}"`);
  if ('app' in found) return found.app;
  const [path, query] = request.url.split('?');
  const segments = path.split('/');
  // The segment in the `:app` position of the route, not the first one spelled like the slug: a
  // retired slug may read "apps", "admin" or "v1".
  const index = (request.routeOptions.url ?? '').split('/').indexOf(':app');
  if (index < 1 || index >= segments.length) throw new PicloudError('PICLOUD_ERR_INTERNAL');
  segments[index] = found.currentSlug;
  // "Permanent" for the method-keeping semantics of 308, but not cacheable: the retired slug can be
  // taken again (`force`) or come back to its app, and a browser must then stop following the redirect.
  reply.header('cache-control', 'no-store');
  await reply.redirect(`${segments.join('/')}${query === undefined ? '' : `?${query}`}`, 308);
  return null;
}
