-- Script services: per-app secrets (encrypted at rest) and the hosts an app's scripts may call.

-- A secret's value is encrypted with AES-256-GCM under the key in the data folder (`secrets.key`),
-- never stored in clear: `iv` is random per value, `auth_tag` authenticates it, and the app id and
-- name are the associated data, so a ciphertext copied to another app or name does not decrypt.
-- `key_id` (a digest of the key) tells which key encrypted the row, so a wrong key file is reported
-- as such. `version` counts rotations.
CREATE TABLE app_secrets (
  app_id     uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  name       text NOT NULL CHECK (name ~ '^[A-Za-z_][A-Za-z0-9_.-]{0,127}$'),
  key_id     text NOT NULL,
  iv         bytea NOT NULL CHECK (length(iv) = 12),
  auth_tag   bytea NOT NULL CHECK (length(auth_tag) = 16),
  ciphertext bytea NOT NULL,
  version    integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (app_id, name)
);

-- Outbound HTTP: the hosts an app's scripts may call (names, *.suffix, IP literals, CIDRs). Empty:
-- any host on the internet or the LAN, but never this appliance itself nor link-local addresses.
ALTER TABLE apps ADD COLUMN http_allow_hosts text[] NOT NULL DEFAULT '{}';
