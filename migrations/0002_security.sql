-- Security: the owner's accounts, their sessions, scoped API tokens, the audit log of admin actions,
-- per-app CORS and routes that require a token. Secrets (session ids, tokens) are stored only as
-- SHA-256 digests: a copy of the database lets nobody sign in.

CREATE TABLE admins (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username            text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
  -- "scrypt$N$r$p$salt$hash" (base64url): the parameters travel with the hash so they can grow.
  password_hash       text NOT NULL,
  password_changed_at timestamptz NOT NULL DEFAULT now(),
  created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  admin_id     uuid NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
  token_hash   text NOT NULL UNIQUE,
  -- The synchronizer token a cookie-authenticated change must echo in X-CSRF-Token.
  csrf_token   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  -- Sliding expiry, never past max_expires_at.
  expires_at     timestamptz NOT NULL,
  max_expires_at timestamptz NOT NULL,
  ip           text NOT NULL DEFAULT '',
  user_agent   text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_admin_id_idx ON sessions (admin_id);

CREATE TABLE api_tokens (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  token_hash   text NOT NULL UNIQUE,
  -- The first characters of the token, shown in lists so the owner can tell tokens apart.
  prefix       text NOT NULL,
  scopes       text[] NOT NULL CHECK (cardinality(scopes) >= 1),
  -- A token limited to one app; deleting the app deletes its tokens.
  app_id       uuid REFERENCES apps (id) ON DELETE CASCADE,
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz,
  last_used_at timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX api_tokens_app_id_idx ON api_tokens (app_id);

-- Who did what, when. Actors are copied as text so the entry survives the deletion of its actor.
CREATE TABLE audit_log (
  id         bigserial PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT now(),
  actor_kind text NOT NULL CHECK (actor_kind IN ('admin', 'token', 'anonymous', 'cli')),
  actor_id   text,
  actor_name text NOT NULL DEFAULT '',
  action     text NOT NULL,
  target     jsonb NOT NULL DEFAULT '{}',
  app_id     uuid,
  outcome    text NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
  status     integer,
  ip         text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);

-- Cross-origin access to an app's endpoints: origins allowed ('*' for any); empty means no CORS.
ALTER TABLE apps ADD COLUMN cors_origins text[] NOT NULL DEFAULT '{}';

-- A route that only answers callers presenting an API token with this scope (NULL: anonymous).
ALTER TABLE routes ADD COLUMN required_scope text;
