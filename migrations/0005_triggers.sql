-- Triggers: scripts run by a cron schedule or by the messages of a named queue, and the dead letters
-- of queue messages that failed every attempt.
--
-- The queues themselves live in pg-boss's own schema (`pgboss`, created and migrated by pg-boss when
-- the first queue is used; PiCloud's manager is its only user). Dead letters are kept here rather than
-- in a pg-boss dead-letter queue because: they belong to an app (listed per app, deleted with it by
-- the foreign key); they keep what an owner needs to decide on a replay (the last error with its code
-- and position, the number of attempts, the first and last failure) in columns PiCloud controls; their
-- lifetime is not pg-boss's archive retention (failed jobs are deleted after days); and the admin API
-- does not depend on pg-boss's internal tables, which change between its major versions.

CREATE TABLE triggers (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id          uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  script_id       uuid NOT NULL REFERENCES scripts (id) ON DELETE CASCADE,
  kind            text NOT NULL CHECK (kind IN ('cron', 'queue')),
  -- cron: a 5-field (minute …) or 6-field (second minute …) expression and the IANA zone it reads in.
  schedule        text,
  timezone        text,
  -- queue: the name of the queue the script consumes (one consumer per queue and app).
  queue           text CHECK (queue ~ '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$'),
  -- Attempts per message, the first included; the delay before retry n is about
  -- backoff_seconds * 2^(n-1) (with jitter). A cron run is never retried: its next fire is.
  max_attempts    integer NOT NULL DEFAULT 3 CHECK (max_attempts BETWEEN 1 AND 25),
  backoff_seconds integer NOT NULL DEFAULT 10 CHECK (backoff_seconds BETWEEN 1 AND 3600),
  enabled         boolean NOT NULL DEFAULT true,
  -- cron: the latest fire time claimed by a PiCloud process. Claiming is an UPDATE that only moves it
  -- forward, so each fire runs once however many processes share the database.
  last_fired_at   timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (
    (kind = 'cron' AND schedule IS NOT NULL AND timezone IS NOT NULL AND queue IS NULL AND max_attempts = 1)
    OR (kind = 'queue' AND queue IS NOT NULL AND schedule IS NULL AND timezone IS NULL)
  ),
  UNIQUE (app_id, queue)
);
CREATE INDEX triggers_app_id_idx ON triggers (app_id);
CREATE INDEX triggers_script_id_idx ON triggers (script_id);

-- A queue message that failed its last attempt. `id` is the message's id (pg-boss's job id), so
-- recording it twice is impossible. `payload` is NULL for a JSON null payload.
CREATE TABLE dead_letters (
  id                uuid PRIMARY KEY,
  app_id            uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  queue             text NOT NULL,
  payload           jsonb,
  -- {code, message, kind?, line?, column?}, as in the execution log.
  error             jsonb NOT NULL,
  attempts          integer NOT NULL CHECK (attempts >= 1),
  first_failed_at   timestamptz NOT NULL,
  last_failed_at    timestamptz NOT NULL,
  -- Set once: a replay sends the payload again as a new message (replay_message_id).
  replayed_at       timestamptz,
  replay_message_id uuid
);
CREATE INDEX dead_letters_app_failed_idx ON dead_letters (app_id, last_failed_at DESC, id DESC);
