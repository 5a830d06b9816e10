/**
 * How CLI commands that talk to an appliance over its HTTP API (`picloud pull`, `deploy`, `app export`,
 * `app import`) find it and authenticate: the URL from `--url`, else `PICLOUD_URL`, else the one
 * `picloud login` saved, else the PiCloud running on this machine's data folder; the API token from
 * `PICLOUD_TOKEN`, else the one `picloud login` saved for that URL. `picloud login URL` checks a token
 * and saves it in the credentials file (mode 0600).
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { readRuntimeInfo } from '../appliance/runtime-file.js';
import { loadConfig } from '../config/load-config.js';
import { defaultCredentialsFile } from '../config/platform-dirs.js';
import { processAlive } from '../platform/process-alive.js';
import { CliFailure } from './cli-failure.js';

/** An appliance to talk to. */
export interface RemoteTarget {
  /** Base URL without a trailing slash, e.g. http://picloud.local:8080. */
  url: string;
  token: string;
}

/** The saved logins: one token per appliance URL, and the one used last. */
interface Credentials {
  current: string | null;
  appliances: Record<string, { token: string }>;
}

/** The credentials file (PICLOUD_CREDENTIALS overrides its location). */
export function credentialsPath(): string {
  return process.env.PICLOUD_CREDENTIALS || defaultCredentialsFile();
}

function readCredentials(): Credentials {
  try {
    const parsed = JSON.parse(readFileSync(credentialsPath(), 'utf8')) as Partial<Credentials>;
    return { current: parsed.current ?? null, appliances: parsed.appliances ?? {} };
  } catch {
    return { current: null, appliances: {} };
  }
}

/** Normalises a URL given by a person: a scheme is added when missing, the path dropped. */
export function normaliseUrl(input: string): string {
  const withScheme = /^https?:\/\//i.test(input) ? input : `http://${input}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CliFailure(`"${input}" is not a URL (e.g. http://picloud.local:8081, the panel's address)`);
  }
  return `${url.protocol}//${url.host}`;
}

/** The URL of the PiCloud running on this machine's data folder, if any. */
function localApplianceUrl(): string | null {
  const runtime = readRuntimeInfo(loadConfig().dataDir);
  if (!runtime || !processAlive(runtime.pid)) return null;
  // The admin API is on the panel's port (a runtime.json of an older version has only localUrl).
  return normaliseUrl(runtime.panelUrl ?? runtime.localUrl);
}

/** Finds the appliance and token (see the file comment). */
export function resolveTarget(options: { url?: string }): RemoteTarget {
  const credentials = readCredentials();
  const given = options.url ?? process.env.PICLOUD_URL;
  const url = given ? normaliseUrl(given) : (credentials.current ?? localApplianceUrl());
  if (!url) {
    throw new CliFailure('which PiCloud? Give --url URL, set PICLOUD_URL, or run `picloud login URL` once');
  }
  const token = process.env.PICLOUD_TOKEN || credentials.appliances[url]?.token;
  if (!token) {
    throw new CliFailure(`no API token for ${url}: set PICLOUD_TOKEN, or run \`picloud login ${url}\``);
  }
  return { url, token };
}

/** Saves a login and makes it the current appliance. */
export function saveLogin(url: string, token: string): void {
  const credentials = readCredentials();
  credentials.appliances[url] = { token };
  credentials.current = url;
  const path = credentialsPath();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** An answer of the API. */
export interface RemoteResponse {
  status: number;
  body: any;
}

/** Calls the API of `target`: JSON in and out (or a raw body with its content type). */
export async function callApi(
  target: RemoteTarget,
  method: string,
  path: string,
  body?: unknown,
  extra: { contentType?: string; headers?: Record<string, string> } = {},
): Promise<RemoteResponse & { raw: Buffer }> {
  const raw = body instanceof Uint8Array;
  let response: Response;
  try {
    response = await fetch(`${target.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${target.token}`,
        ...(body === undefined ? {} : { 'content-type': extra.contentType ?? 'application/json' }),
        ...extra.headers,
      },
      body: body === undefined ? undefined : raw ? new Uint8Array(body as Uint8Array) : JSON.stringify(body),
    });
  } catch (error) {
    throw new CliFailure(`cannot reach ${target.url}: ${(error as Error).cause ?? (error as Error).message}`);
  }
  const bytes = Buffer.from(await response.arrayBuffer());
  let parsed: unknown = null;
  if ((response.headers.get('content-type') ?? '').includes('json')) {
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch {
      parsed = null;
    }
  }
  return { status: response.status, body: parsed, raw: bytes };
}

/** Throws the API's error as a CliFailure (its code and message), unless the status is `ok`. */
export function expectStatus(response: RemoteResponse, ok: number): void {
  if (response.status === ok) return;
  const error = response.body?.error;
  throw new CliFailure(error ? `${error.message} (${error.code})` : `unexpected HTTP ${response.status}`);
}
