-- One-time join tokens of the cluster (`picloud cluster token`, the panel's "Add a node", and the
-- token the primary makes itself for a one-click join). Only the SHA-256 of a token is stored; a token
-- is spent (used_at) by the first join that presents it, in the same statement that checks it.
CREATE TABLE cluster_join_tokens (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash   text NOT NULL UNIQUE,
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  used_at      timestamptz,
  used_by      text
);
