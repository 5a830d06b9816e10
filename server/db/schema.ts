/**
 * The database schema as TypeScript: the Kysely `Database` interface mirrors `migrations/`. The
 * migrations are the truth; `SCHEMA_COLUMNS` restates every column's PostgreSQL type and nullability,
 * is type-checked to cover exactly the interface's columns, and is compared with the live database by
 * a test — so the interface, this table and the migrations cannot drift apart silently.
 */
import type { ColumnType, Generated, Selectable } from 'kysely';

/** A timestamp column with a database default. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
/** A timestamp column with a default that updates may set. */
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
/** A JSON document as node-postgres parses it (SQL NULL is modelled separately with `| null`). */
export type JsonValue = string | number | boolean | JsonValue[] | { [key: string]: JsonValue | null };
/** A jsonb column: read as parsed JSON, written as JSON text. */
export type Json = ColumnType<JsonValue, string, string>;
/** A JSON column with a default: optional on insert. */
type JsonWithDefault = ColumnType<JsonValue, string | undefined, string>;

/** `appliance_settings`: appliance-wide state. */
export interface ApplianceSettingsTable {
  key: string;
  value: Json;
  updated_at: UpdatedAt;
}

/** `cluster_nodes`: the primary and members of a cluster, each with its latest report. */
export interface ClusterNodesTable {
  /** SHA-256 (hex) of the node's certificate at join. */
  id: string;
  name: string;
  role: 'primary' | 'member';
  /** The member's PostgreSQL role; null for the primary. */
  pg_role: string | null;
  /** SHA-256 (hex) of the certificate the node presents now. */
  fingerprint: string;
  addresses: Generated<string[]>;
  /** The port of its cluster (wire) listener, once known. */
  wire_port: number | null;
  /** `{product, sdk, api, schema, wire}` of the node's software. */
  versions: JsonWithDefault;
  /** `{cpus, memory_bytes, workers}`. */
  capacity: JsonWithDefault;
  /** The latest report: `{cpu_load, memory_used_bytes, temperature_c, requests_served}`. */
  stats: JsonWithDefault;
  status: Generated<'up' | 'down' | 'stopped'>;
  joined_at: CreatedAt;
  last_seen: Generated<Date>;
}

/** `apps`: the isolation boundary. */
export interface AppsTable {
  id: Generated<string>;
  slug: string;
  name: string;
  description: Generated<string>;
  /** Origins allowed to call the app's endpoints from a browser ('*' for any; empty: no CORS). */
  cors_origins: Generated<string[]>;
  /** Hosts the app's scripts may call (outbound HTTP); empty: any public internet host. */
  http_allow_hosts: Generated<string[]>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** `app_domains`: host claims of an app. */
export interface AppDomainsTable {
  id: Generated<string>;
  app_id: string;
  pattern: string;
  kind: 'exact' | 'wildcard';
  shape_key: string;
  created_at: CreatedAt;
}

/** `app_slug_history`: retired slugs that redirect to their app. */
export interface AppSlugHistoryTable {
  slug: string;
  app_id: string;
  retired_at: CreatedAt;
}

/** Script kinds. */
export type ScriptKind = 'endpoint' | 'module';

/** `scripts`: the live version of each script. */
export interface ScriptsTable {
  id: Generated<string>;
  app_id: string;
  name: string;
  kind: Generated<ScriptKind>;
  description: Generated<string>;
  source: string;
  current_version: Generated<number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** `script_versions`: every saved version, immutable. */
export interface ScriptVersionsTable {
  script_id: string;
  version: number;
  source: string;
  kind: ScriptKind;
  message: Generated<string>;
  created_at: CreatedAt;
}

/** `script_imports`: the modules each script imports (its live version), kept on save (0004_modules.sql). */
export interface ScriptImportsTable {
  /** The importing script (endpoint or module). */
  script_id: string;
  /** The imported module, of the same app. */
  imported_script_id: string;
}

/** `routes`: custom HTTP routes of an app. */
export interface RoutesTable {
  id: Generated<string>;
  app_id: string;
  script_id: string;
  methods: string[];
  path: string;
  path_shape: string;
  host: string | null;
  /** Callers must present an API token with this scope; null: anonymous. */
  required_scope: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** `admins`: the owner's accounts. */
export interface AdminsTable {
  id: Generated<string>;
  username: string;
  password_hash: string;
  password_changed_at: UpdatedAt;
  created_at: CreatedAt;
}

/** `sessions`: signed-in browsers (the cookie's SHA-256, never the cookie). */
export interface SessionsTable {
  id: Generated<string>;
  admin_id: string;
  token_hash: string;
  csrf_token: string;
  created_at: CreatedAt;
  last_seen_at: UpdatedAt;
  expires_at: ColumnType<Date, Date, Date>;
  max_expires_at: ColumnType<Date, Date, never>;
  ip: Generated<string>;
  user_agent: Generated<string>;
}

/** `api_tokens`: scoped tokens (the token's SHA-256, never the token). */
export interface ApiTokensTable {
  id: Generated<string>;
  name: string;
  token_hash: string;
  prefix: string;
  scopes: string[];
  app_id: string | null;
  created_by: string;
  created_at: CreatedAt;
  expires_at: Date | null;
  last_used_at: ColumnType<Date | null, never, Date>;
  revoked_at: ColumnType<Date | null, never, Date>;
}

/** `audit_log`: admin actions. */
export interface AuditLogTable {
  id: Generated<string>;
  at: CreatedAt;
  actor_kind: 'admin' | 'token' | 'anonymous' | 'cli';
  actor_id: string | null;
  actor_name: Generated<string>;
  action: string;
  target: ColumnType<JsonValue, string | undefined, never>;
  app_id: string | null;
  outcome: 'ok' | 'refused' | 'failed';
  status: number | null;
  ip: Generated<string>;
}

/** `kv_entries`: the KV store of scripts, per app and collection (see migrations/0003_kv.sql). */
export interface KvEntriesTable {
  app_id: string;
  collection: string;
  key: string;
  /** Any JSON document, `null` included (jsonb `null`, not SQL NULL). */
  value: Json;
  /** When the entry stops existing (TTL); null: never. Reads ignore entries past it. */
  expires_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/**
 * `execution_logs`: one row per script invocation. Indexed by app and by script (each with
 * `started_at`), and by `started_at` alone for time windows across every app (0007). The request a run
 * answered — method, path, host, response size — since 0008 (NULL for cron and queue runs).
 */
export interface ExecutionLogsTable {
  id: Generated<string>;
  app_id: string;
  script_id: string | null;
  script_version: number | null;
  request_id: string;
  trigger: 'http' | 'execute' | 'cron' | 'queue' | 'test';
  status: 'ok' | 'error' | 'timeout' | 'limit';
  http_status: number | null;
  duration_ms: number;
  operations: Generated<string>;
  error: Json | null;
  output: Generated<string>;
  started_at: CreatedAt;
  method: string | null;
  /** Without the query string. */
  path: string | null;
  host: string | null;
  /** Bytes of the response body. */
  response_bytes: string | null;
}

/** Trigger kinds: a cron schedule, or the messages of a named queue. */
export type TriggerKind = 'cron' | 'queue';

/** `triggers`: what runs an endpoint script besides HTTP (see docs/triggers.md). */
export interface TriggersTable {
  id: Generated<string>;
  app_id: string;
  script_id: string;
  kind: TriggerKind;
  /** cron: the expression (5 or 6 fields); null for a queue. */
  schedule: string | null;
  /** cron: the IANA time zone the expression reads in; null for a queue. */
  timezone: string | null;
  /** queue: the queue the script consumes; null for cron. */
  queue: string | null;
  /** Attempts per message, the first included (1 for cron). */
  max_attempts: Generated<number>;
  /** Base of the exponential back-off between attempts, seconds. */
  backoff_seconds: Generated<number>;
  enabled: Generated<boolean>;
  /** cron: the latest fire time a process claimed (claims only move it forward). */
  last_fired_at: ColumnType<Date | null, never, Date>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** `dead_letters`: queue messages that failed every attempt; `id` is the message id. */
export interface DeadLettersTable {
  id: string;
  app_id: string;
  queue: string;
  /** The message's payload; null for a JSON null. */
  payload: Json | null;
  /** The last attempt's error, as in the execution log. */
  error: Json;
  attempts: number;
  first_failed_at: ColumnType<Date, Date, never>;
  last_failed_at: ColumnType<Date, Date, never>;
  replayed_at: ColumnType<Date | null, never, Date>;
  replay_message_id: ColumnType<string | null, never, string>;
}

/** `app_secrets`: per-app secrets, AES-256-GCM encrypted under the data folder's key (never in clear). */
export interface AppSecretsTable {
  app_id: string;
  name: string;
  /** Which key encrypted the row (a digest of the key, not the key). */
  key_id: string;
  iv: Buffer;
  auth_tag: Buffer;
  ciphertext: Buffer;
  /** 1 when set, +1 at each rotation. */
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** `schema_migrations`: written by the migrator only. */
export interface SchemaMigrationsTable {
  version: number;
  name: string;
  checksum: string;
  applied_at: CreatedAt;
}

/** `cluster_join_tokens`: one-time join tokens of the cluster (SHA-256 digests, never the tokens). */
export interface ClusterJoinTokensTable {
  id: Generated<string>;
  token_hash: string;
  /** Who made it: `cli`, an admin's name, or `one-click join`. */
  created_by: string;
  created_at: CreatedAt;
  expires_at: ColumnType<Date, Date | string, never>;
  used_at: ColumnType<Date | null, never, Date | string>;
  /** The node id that spent it. */
  used_by: ColumnType<string | null, never, string>;
}

/** Every table PiCloud owns, for Kysely. */
export interface Database {
  cluster_join_tokens: ClusterJoinTokensTable;
  appliance_settings: ApplianceSettingsTable;
  apps: AppsTable;
  cluster_nodes: ClusterNodesTable;
  app_domains: AppDomainsTable;
  app_slug_history: AppSlugHistoryTable;
  scripts: ScriptsTable;
  script_versions: ScriptVersionsTable;
  script_imports: ScriptImportsTable;
  routes: RoutesTable;
  execution_logs: ExecutionLogsTable;
  triggers: TriggersTable;
  dead_letters: DeadLettersTable;
  admins: AdminsTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
  kv_entries: KvEntriesTable;
  schema_migrations: SchemaMigrationsTable;
  app_secrets: AppSecretsTable;
}

/** A column as PostgreSQL's information_schema reports it. */
export interface ColumnSpec {
  /** `information_schema.columns.data_type`, e.g. `uuid`, `text`, `ARRAY`. */
  type: string;
  /** Whether the column accepts NULL. */
  nullable: boolean;
}

/** True when the selected type of a column admits null. */
type IsNullable<T> = null extends T ? true : false;

/** For each table, exactly its columns, each with a nullability that matches the interface. */
type ColumnsOf<DB> = {
  [T in keyof DB]: {
    [C in keyof Selectable<DB[T]>]-?: { type: string; nullable: IsNullable<Selectable<DB[T]>[C]> };
  };
};

/** Every column of every table: checked against {@link Database} by the compiler, against the migrations by a test. */
export const SCHEMA_COLUMNS: ColumnsOf<Database> = {
  appliance_settings: {
    key: { type: 'text', nullable: false },
    value: { type: 'jsonb', nullable: false },
    updated_at: { type: 'timestamp with time zone', nullable: false },
  },
  cluster_nodes: {
    id: { type: 'text', nullable: false },
    name: { type: 'text', nullable: false },
    role: { type: 'text', nullable: false },
    pg_role: { type: 'text', nullable: true },
    fingerprint: { type: 'text', nullable: false },
    addresses: { type: 'ARRAY', nullable: false },
    wire_port: { type: 'integer', nullable: true },
    versions: { type: 'jsonb', nullable: false },
    capacity: { type: 'jsonb', nullable: false },
    stats: { type: 'jsonb', nullable: false },
    status: { type: 'text', nullable: false },
    joined_at: { type: 'timestamp with time zone', nullable: false },
    last_seen: { type: 'timestamp with time zone', nullable: false },
  },
  apps: {
    id: { type: 'uuid', nullable: false },
    slug: { type: 'text', nullable: false },
    name: { type: 'text', nullable: false },
    description: { type: 'text', nullable: false },
    cors_origins: { type: 'ARRAY', nullable: false },
    http_allow_hosts: { type: 'ARRAY', nullable: false },
    created_at: { type: 'timestamp with time zone', nullable: false },
    updated_at: { type: 'timestamp with time zone', nullable: false },
  },
  app_domains: {
    id: { type: 'uuid', nullable: false },
    app_id: { type: 'uuid', nullable: false },
    pattern: { type: 'text', nullable: false },
    kind: { type: 'text', nullable: false },
    shape_key: { type: 'text', nullable: false },
    created_at: { type: 'timestamp with time zone', nullable: false },
  },
  app_slug_history: {
    slug: { type: 'text', nullable: false },
    app_id: { type: 'uuid', nullable: false },
    retired_at: { type: 'timestamp with time zone', nullable: false },
  },
  scripts: {
    id: { type: 'uuid', nullable: false },
    app_id: { type: 'uuid', nullable: false },
    name: { type: 'text', nullable: false },
    kind: { type: 'text', nullable: false },
    description: { type: 'text', nullable: false },
    source: { type: 'text', nullable: false },
    current_version: { type: 'integer', nullable: false },
    created_at: { type: 'timestamp with time zone', nullable: false },
    updated_at: { type: 'timestamp with time zone', nullable: false },
  },
  script_versions: {
    script_id: { type: 'uuid', nullable: false },
    version: { type: 'integer', nullable: false },
    source: { type: 'text', nullable: false },
    kind: { type: 'text', nullable: false },
    message: { type: 'text', nullable: false },
    created_at: { type: 'timestamp with time zone', nullable: false },
  },
  script_imports: {
    script_id: { type: 'uuid', nullable: false },
    imported_script_id: { type: 'uuid', nullable: false },
  },
  routes: {
    id: { type: 'uuid', nullable: false },
    app_id: { type: 'uuid', nullable: false },
    script_id: { type: 'uuid', nullable: false },
    methods: { type: 'ARRAY', nullable: false },
    path: { type: 'text', nullable: false },
    path_shape: { type: 'text', nullable: false },
    host: { type: 'text', nullable: true },
    required_scope: { type: 'text', nullable: true },
    created_at: { type: 'timestamp with time zone', nullable: false },
    updated_at: { type: 'timestamp with time zone', nullable: false },
  },
  kv_entries: {
    app_id: { type: 'uuid', nullable: false },
    collection: { type: 'text', nullable: false },
    key: { type: 'text', nullable: false },
    value: { type: 'jsonb', nullable: false },
    expires_at: { type: 'timestamp with time zone', nullable: true },
    created_at: { type: 'timestamp with time zone', nullable: false },
    updated_at: { type: 'timestamp with time zone', nullable: false },
  },
  execution_logs: {
    id: { type: 'bigint', nullable: false },
    app_id: { type: 'uuid', nullable: false },
    script_id: { type: 'uuid', nullable: true },
    script_version: { type: 'integer', nullable: true },
    request_id: { type: 'text', nullable: false },
    trigger: { type: 'text', nullable: false },
    status: { type: 'text', nullable: false },
    http_status: { type: 'integer', nullable: true },
    duration_ms: { type: 'double precision', nullable: false },
    operations: { type: 'bigint', nullable: false },
    error: { type: 'jsonb', nullable: true },
    output: { type: 'text', nullable: false },
    started_at: { type: 'timestamp with time zone', nullable: false },
    method: { type: 'text', nullable: true },
    path: { type: 'text', nullable: true },
    host: { type: 'text', nullable: true },
    response_bytes: { type: 'bigint', nullable: true },
  },
  triggers: {
    id: { type: 'uuid', nullable: false },
    app_id: { type: 'uuid', nullable: false },
    script_id: { type: 'uuid', nullable: false },
    kind: { type: 'text', nullable: false },
    schedule: { type: 'text', nullable: true },
    timezone: { type: 'text', nullable: true },
    queue: { type: 'text', nullable: true },
    max_attempts: { type: 'integer', nullable: false },
    backoff_seconds: { type: 'integer', nullable: false },
    enabled: { type: 'boolean', nullable: false },
    last_fired_at: { type: 'timestamp with time zone', nullable: true },
    created_at: { type: 'timestamp with time zone', nullable: false },
    updated_at: { type: 'timestamp with time zone', nullable: false },
  },
  dead_letters: {
    id: { type: 'uuid', nullable: false },
    app_id: { type: 'uuid', nullable: false },
    queue: { type: 'text', nullable: false },
    payload: { type: 'jsonb', nullable: true },
    error: { type: 'jsonb', nullable: false },
    attempts: { type: 'integer', nullable: false },
    first_failed_at: { type: 'timestamp with time zone', nullable: false },
    last_failed_at: { type: 'timestamp with time zone', nullable: false },
    replayed_at: { type: 'timestamp with time zone', nullable: true },
    replay_message_id: { type: 'uuid', nullable: true },
  },
  admins: {
    id: { type: 'uuid', nullable: false },
    username: { type: 'text', nullable: false },
    password_hash: { type: 'text', nullable: false },
    password_changed_at: { type: 'timestamp with time zone', nullable: false },
    created_at: { type: 'timestamp with time zone', nullable: false },
  },
  sessions: {
    id: { type: 'uuid', nullable: false },
    admin_id: { type: 'uuid', nullable: false },
    token_hash: { type: 'text', nullable: false },
    csrf_token: { type: 'text', nullable: false },
    created_at: { type: 'timestamp with time zone', nullable: false },
    last_seen_at: { type: 'timestamp with time zone', nullable: false },
    expires_at: { type: 'timestamp with time zone', nullable: false },
    max_expires_at: { type: 'timestamp with time zone', nullable: false },
    ip: { type: 'text', nullable: false },
    user_agent: { type: 'text', nullable: false },
  },
  api_tokens: {
    id: { type: 'uuid', nullable: false },
    name: { type: 'text', nullable: false },
    token_hash: { type: 'text', nullable: false },
    prefix: { type: 'text', nullable: false },
    scopes: { type: 'ARRAY', nullable: false },
    app_id: { type: 'uuid', nullable: true },
    created_by: { type: 'text', nullable: false },
    created_at: { type: 'timestamp with time zone', nullable: false },
    expires_at: { type: 'timestamp with time zone', nullable: true },
    last_used_at: { type: 'timestamp with time zone', nullable: true },
    revoked_at: { type: 'timestamp with time zone', nullable: true },
  },
  audit_log: {
    id: { type: 'bigint', nullable: false },
    at: { type: 'timestamp with time zone', nullable: false },
    actor_kind: { type: 'text', nullable: false },
    actor_id: { type: 'text', nullable: true },
    actor_name: { type: 'text', nullable: false },
    action: { type: 'text', nullable: false },
    target: { type: 'jsonb', nullable: false },
    app_id: { type: 'uuid', nullable: true },
    outcome: { type: 'text', nullable: false },
    status: { type: 'integer', nullable: true },
    ip: { type: 'text', nullable: false },
  },
  schema_migrations: {
    version: { type: 'integer', nullable: false },
    name: { type: 'text', nullable: false },
    checksum: { type: 'text', nullable: false },
    applied_at: { type: 'timestamp with time zone', nullable: false },
  },
  app_secrets: {
    app_id: { type: 'uuid', nullable: false },
    name: { type: 'text', nullable: false },
    key_id: { type: 'text', nullable: false },
    iv: { type: 'bytea', nullable: false },
    auth_tag: { type: 'bytea', nullable: false },
    ciphertext: { type: 'bytea', nullable: false },
    version: { type: 'integer', nullable: false },
    created_at: { type: 'timestamp with time zone', nullable: false },
    updated_at: { type: 'timestamp with time zone', nullable: false },
  },
  cluster_join_tokens: {
    id: { type: 'uuid', nullable: false },
    token_hash: { type: 'text', nullable: false },
    created_by: { type: 'text', nullable: false },
    created_at: { type: 'timestamp with time zone', nullable: false },
    expires_at: { type: 'timestamp with time zone', nullable: false },
    used_at: { type: 'timestamp with time zone', nullable: true },
    used_by: { type: 'text', nullable: true },
  },
};
