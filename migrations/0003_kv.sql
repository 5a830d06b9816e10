-- Script services: the KV store. Scripts reach it with kv::get/set/delete/list/incr, always within
-- their own app (the app comes from the execution, never from the script); the admin API browses it.
--
-- Collections and keys are compared byte by byte (COLLATE "C", i.e. Unicode code point order): the
-- order of kv::list does not depend on the server's locale, and the primary key's b-tree serves both
-- "the entries of a collection whose key starts with P, in key order" and keyset pagination.
CREATE TABLE kv_entries (
  app_id     uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  collection text COLLATE "C" NOT NULL CHECK (length(collection) BETWEEN 1 AND 128),
  key        text COLLATE "C" NOT NULL CHECK (length(key) BETWEEN 1 AND 256),
  -- Any JSON document (the size limit is PICLOUD_KV_MAX_VALUE_BYTES, checked by the manager).
  value      jsonb NOT NULL,
  -- TTL: an entry past this instant is invisible to every read at once, and deleted later by a write
  -- to its collection or a bounded sweep (no timer).
  expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (app_id, collection, key)
);

-- Finding expired entries: within one collection (the clean-up a write does) and across all apps
-- (the occasional bounded sweep). Entries without a TTL are not indexed.
CREATE INDEX kv_entries_collection_expiry_idx ON kv_entries (app_id, collection, expires_at)
  WHERE expires_at IS NOT NULL;
CREATE INDEX kv_entries_expiry_idx ON kv_entries (expires_at) WHERE expires_at IS NOT NULL;
