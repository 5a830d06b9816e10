/**
 * Request and error rates per app over a recent window, for the panel's small charts: the execution
 * log counted per time bucket in SQL (one grouped query over the `started_at` indexes), then laid out
 * as contiguous, zero-filled series — one per app, oldest bucket first, the last one the current
 * (partial) bucket. An error is a run that did not end `ok`, or answered 500 or more.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';

/** One bucket of a series. */
export interface RequestBucket {
  /** Start of the bucket (ISO 8601). */
  at: string;
  requests: number;
  errors: number;
}

/** One app's series. */
export interface AppRequestStats {
  app_id: string;
  slug: string;
  /** Totals over the window. */
  requests: number;
  errors: number;
  buckets: RequestBucket[];
}

/** The answer of `GET /admin/stats/requests`. */
export interface RequestStats {
  minutes: number;
  /** Width of a bucket in seconds. */
  bucket_s: number;
  /** Start of the first bucket (ISO 8601). */
  since: string;
  apps: AppRequestStats[];
}

/** Shortest and longest window, in minutes. */
export const STATS_MINUTES = { min: 5, max: 1440, default: 60 } as const;

/** Bucket width for a window: one minute up to three hours, five minutes beyond (at most 288 buckets). */
export function bucketSeconds(minutes: number): number {
  return minutes <= 180 ? 60 : 300;
}

/**
 * Counts the runs of the last `minutes`, per app and bucket; `appId` limits it to one app.
 * @example await requestStats(db, { minutes: 60 }) // { minutes: 60, bucket_s: 60, since: '…', apps: [...] }
 */
export async function requestStats(
  db: Kysely<Database>,
  query: { minutes: number; appId?: string },
  now: number = Date.now(),
): Promise<RequestStats> {
  const bucketS = bucketSeconds(query.minutes);
  const bucketMs = bucketS * 1000;
  const count = Math.ceil((query.minutes * 60) / bucketS);
  // Buckets are aligned on the epoch, so every caller (and every poll) sees the same boundaries.
  const last = Math.floor(now / bucketMs) * bucketMs;
  const since = last - (count - 1) * bucketMs;
  const until = last + bucketMs;

  let apps = db.selectFrom('apps').select(['id', 'slug']).orderBy('slug');
  if (query.appId !== undefined) apps = apps.where('id', '=', query.appId);
  let counts = db
    .selectFrom('execution_logs')
    .select([
      'app_id',
      // The bucket's index in the series (PostgreSQL 13 has no date_bin).
      sql<number>`floor(extract(epoch FROM started_at - ${new Date(since)}::timestamptz) / ${bucketS})::int`.as(
        'bucket',
      ),
      sql<number>`count(*)::int`.as('requests'),
      sql<number>`(count(*) FILTER (WHERE status <> 'ok' OR http_status >= 500))::int`.as('errors'),
    ])
    .where('started_at', '>=', new Date(since))
    .where('started_at', '<', new Date(until))
    .groupBy(['app_id', 'bucket']);
  if (query.appId !== undefined) counts = counts.where('app_id', '=', query.appId);
  const [appRows, countRows] = await Promise.all([apps.execute(), counts.execute()]);

  const series = new Map<string, AppRequestStats>();
  for (const app of appRows) {
    const buckets = Array.from({ length: count }, (_, index) => ({
      at: new Date(since + index * bucketMs).toISOString(),
      requests: 0,
      errors: 0,
    }));
    series.set(app.id, { app_id: app.id, slug: app.slug, requests: 0, errors: 0, buckets });
  }
  for (const row of countRows) {
    const app = series.get(row.app_id);
    const bucket = app?.buckets[row.bucket];
    if (!app || !bucket) continue;
    bucket.requests += row.requests;
    bucket.errors += row.errors;
    app.requests += row.requests;
    app.errors += row.errors;
  }
  return {
    minutes: query.minutes,
    bucket_s: bucketS,
    since: new Date(since).toISOString(),
    apps: [...series.values()],
  };
}
