/**
 * The shapes of the API's answers the panel reads (see docs/http-api.md and /api/v1/openapi.json).
 * Field names are the API's own (snake_case).
 */

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface AuthStatus {
  setup_required: boolean;
  setup_code_required: boolean;
  signed_in: boolean;
  via: 'session' | 'token' | null;
  user: { id: string; username: string } | null;
  csrf_token: string | null;
  scopes: string[];
  app_id: string | null;
}

export interface SignedIn {
  user: { id: string; username: string };
  csrf_token: string;
  expires_at: string;
}

export interface Domain {
  id: string;
  pattern: string;
  kind: 'exact' | 'wildcard';
  created_at: string;
  /** For an exact `.local` claim while mDNS runs: whether PiCloud answers for it on the LAN. */
  lan?: { state: 'probing' | 'announced' | 'conflict'; conflict_with?: string; since: string };
}

export interface App {
  id: string;
  slug: string;
  name: string;
  description: string;
  domains: Omit<Domain, 'created_at'>[];
  /** Browser origins allowed to call the app's endpoints ([] : none). */
  cors_origins: string[];
  /** Hosts scripts may call with http:: ([] : the default policy). */
  http_allow_hosts: string[];
  created_at: string;
  updated_at: string;
}

export type ScriptKind = 'endpoint' | 'module';

export interface ScriptSummary {
  id: string;
  app_id: string;
  name: string;
  kind: ScriptKind;
  description: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface Script extends ScriptSummary {
  source: string;
}

export interface ScriptVersion {
  version: number;
  kind: ScriptKind;
  message: string;
  created_at: string;
  source?: string;
}

export interface Diagnostic {
  message: string;
  line: number | null;
  column: number | null;
  kind: string;
  severity?: 'error' | 'warning';
}

export interface ScriptCheck {
  diagnostics: Diagnostic[];
  imports: { name: string; line: number; column: number }[];
}

export interface RouteInfo {
  id: string;
  app_id: string;
  script_id: string;
  script_name: string;
  methods: string[];
  path: string;
  host: string | null;
  required_scope: string | null;
  created_at: string;
  updated_at: string;
}

export type RunStatus = 'ok' | 'error' | 'timeout' | 'limit';

export interface RunError {
  code: string;
  message: string;
  kind?: string;
  line?: number | null;
  column?: number | null;
}

export interface RunResult {
  request_id: string;
  status: RunStatus;
  response: {
    status: number;
    headers: Record<string, string>;
    body: string;
    body_encoding: 'utf8' | 'base64';
  } | null;
  /** A failed run's error, with the HTTP status the endpoint answers it with. */
  error: (RunError & { http_status: number }) | null;
  output: string;
  duration_ms: number;
  operations: number;
  version: number;
}

export interface LogRecord {
  id: string;
  app_id: string;
  script_id: string | null;
  script_version: number | null;
  request_id: string;
  trigger: string;
  status: RunStatus;
  http_status: number | null;
  duration_ms: number;
  operations: number;
  error: RunError | null;
  output: string;
  started_at: string;
  /** The HTTP request the run answered; null for cron and queue runs. */
  request: { method: string; path: string; host: string | null; response_bytes: number } | null;
}

export interface KvCollection {
  collection: string;
  entries: number;
}

export interface KvEntry {
  collection: string;
  key: string;
  value: unknown;
  expires_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface SecretInfo {
  name: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface Trigger {
  id: string;
  app_id: string;
  script_id: string;
  script_name: string;
  kind: 'cron' | 'queue';
  schedule: string | null;
  timezone: string | null;
  queue: string | null;
  max_attempts: number;
  backoff_seconds: number;
  enabled: boolean;
  next_fire_at: string | null;
  last_fired_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface DeadLetter {
  id: string;
  app_id: string;
  queue: string;
  error: { code?: string; message?: string };
  attempts: number;
  first_failed_at: string;
  last_failed_at: string;
  replayed_at: string | null;
  replay_message_id: string | null;
  payload?: unknown;
}

export interface NodeInfo {
  hostname: string;
  platform: string;
  arch: string;
  distro: string | null;
  release: string | null;
  version: string;
  listen_host: string;
  lan_reachable: boolean;
  port: number;
  urls: string[];
  addresses: { interface: string; address: string; family: 'IPv4' | 'IPv6'; internal: boolean }[];
  uptime_s: number;
  server_uptime_s: number;
  cpu: { model: string; cores: number; load_percent: number; load_avg: number[] };
  memory: { total_bytes: number; used_bytes: number; available_bytes: number };
  temperature_c: number | null;
  disks: { mount: string; fs: string; size_bytes: number; used_bytes: number }[];
  process: { rss_bytes: number; heap_used_bytes: number };
  sampled_at: string;
}

export interface RequestStats {
  minutes: number;
  bucket_s: number;
  since: string;
  apps: {
    app_id: string;
    slug: string;
    requests: number;
    errors: number;
    buckets: { at: string; requests: number; errors: number }[];
  }[];
}

export interface Versions {
  product: string;
  sdk: string;
  api: number;
  schema: number;
  wire: number;
}

/** `GET /api/v1/admin/node/https`: this node's HTTPS, the CA's fingerprint, the HTTPS-only switch. */
export interface HttpsInfo {
  https_only: boolean;
  ca_fingerprint: string;
  trust_url: string;
  panel_urls: string[];
  endpoint_urls: string[];
}
