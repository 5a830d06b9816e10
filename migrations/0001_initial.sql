-- PiCloud initial schema: apps are the isolation boundary; scripts, routes, domains and execution
-- logs belong to exactly one app. gen_random_uuid() is built into PostgreSQL 13+.

-- Appliance-wide state (install id, one-time seeds already done, ...).
CREATE TABLE appliance_settings (
  key        text PRIMARY KEY,
  value      jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE apps (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- DNS-label shaped so a slug can appear in URLs and host names.
  slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$'),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Host claims. An exact claim ("api.home.lan") or a wildcard claim ("*.home.lan"). shape_key is the
-- normalised claim (lower case, no trailing dot); its uniqueness makes two apps claiming the same
-- shape a constraint violation rather than a race.
CREATE TABLE app_domains (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id     uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  pattern    text NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('exact', 'wildcard')),
  shape_key  text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX app_domains_app_id_idx ON app_domains (app_id);

-- Retired slugs keep redirecting to their app after a rename.
CREATE TABLE app_slug_history (
  slug       text PRIMARY KEY,
  app_id     uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  retired_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX app_slug_history_app_id_idx ON app_slug_history (app_id);

CREATE TABLE scripts (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id          uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  name            text NOT NULL CHECK (name ~ '^[A-Za-z_][A-Za-z0-9_-]{0,63}$'),
  kind            text NOT NULL DEFAULT 'endpoint' CHECK (kind IN ('endpoint', 'module')),
  description     text NOT NULL DEFAULT '',
  source          text NOT NULL,
  current_version integer NOT NULL DEFAULT 1 CHECK (current_version >= 1),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (app_id, name)
);
CREATE INDEX scripts_app_id_kind_idx ON scripts (app_id, kind);

-- Every save is an immutable version; scripts.source mirrors the live one.
CREATE TABLE script_versions (
  script_id  uuid NOT NULL REFERENCES scripts (id) ON DELETE CASCADE,
  version    integer NOT NULL CHECK (version >= 1),
  source     text NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('endpoint', 'module')),
  message    text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (script_id, version)
);

-- Custom HTTP routes of an app. path_shape is the path with parameter names erased ("/users/:" for
-- "/users/:id"), so two routes that would match the same requests collide within the app.
CREATE TABLE routes (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id     uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  script_id  uuid NOT NULL REFERENCES scripts (id) ON DELETE CASCADE,
  methods    text[] NOT NULL CHECK (cardinality(methods) >= 1),
  path       text NOT NULL CHECK (path LIKE '/%'),
  path_shape text NOT NULL,
  host       text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX routes_app_id_idx ON routes (app_id);
CREATE INDEX routes_script_id_idx ON routes (script_id);

CREATE TABLE execution_logs (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  app_id         uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  script_id      uuid REFERENCES scripts (id) ON DELETE SET NULL,
  script_version integer,
  request_id     text NOT NULL,
  trigger        text NOT NULL CHECK (trigger IN ('http', 'execute', 'cron', 'queue', 'test')),
  status         text NOT NULL CHECK (status IN ('ok', 'error', 'timeout', 'limit')),
  http_status    integer,
  duration_ms    double precision NOT NULL,
  operations     bigint NOT NULL DEFAULT 0,
  error          jsonb,
  output         text NOT NULL DEFAULT '',
  started_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX execution_logs_app_started_idx ON execution_logs (app_id, started_at DESC);
CREATE INDEX execution_logs_script_started_idx ON execution_logs (script_id, started_at DESC);

-- The default app always exists and answers for localhost.
INSERT INTO apps (slug, name, description)
VALUES ('default', 'Default', 'The app that answers for localhost.');
INSERT INTO app_domains (app_id, pattern, kind, shape_key)
SELECT id, 'localhost', 'exact', 'localhost' FROM apps WHERE slug = 'default';
