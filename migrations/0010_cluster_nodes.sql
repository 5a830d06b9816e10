-- The nodes of a cluster (docs/cluster.md): the primary and its members. Each node rewrites its own
-- row every few seconds (`last_seen`, `stats`, `addresses`); the primary marks a node whose reports
-- stopped `down`. `pg_role` is the PostgreSQL role a member logs in as (NULL for the primary); removing
-- a member deletes its row and drops that role.
CREATE TABLE cluster_nodes (
  id          text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 253),
  role        text NOT NULL CHECK (role IN ('primary', 'member')),
  pg_role     text UNIQUE CHECK (pg_role ~ '^picloud_node_[0-9a-f]{12}$'),
  fingerprint text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
  addresses   text[] NOT NULL DEFAULT '{}',
  wire_port   integer CHECK (wire_port BETWEEN 1 AND 65535),
  versions    jsonb NOT NULL DEFAULT '{}',
  capacity    jsonb NOT NULL DEFAULT '{}',
  stats       jsonb NOT NULL DEFAULT '{}',
  status      text NOT NULL DEFAULT 'up' CHECK (status IN ('up', 'down', 'stopped')),
  joined_at   timestamptz NOT NULL DEFAULT now(),
  last_seen   timestamptz NOT NULL DEFAULT now(),
  CHECK ((role = 'primary') = (pg_role IS NULL))
);

-- One primary per cluster.
CREATE UNIQUE INDEX cluster_nodes_one_primary ON cluster_nodes (role) WHERE role = 'primary';
