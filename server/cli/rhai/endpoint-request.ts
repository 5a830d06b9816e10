/**
 * The request a local run gives its script as `ctx`, built from `picloud rhai run`'s options
 * (`--method`, `--path`, `--query`, `--param`, `--header`, `--body`) or from a request file
 * (`--request FILE`), and parsed the way the appliance parses a real request's body.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ScriptRequest } from '../../contracts/executor.js';
import { parseForm, parseScriptBody } from '../../orchestrator/request-body.js';

/** A wrong option: the command prints it with its usage and exits 2. */
export class UsageError extends Error {}

/** What the options describe, before parsing. */
export interface RequestOptions {
  method?: string;
  /** The path, maybe with `?query`. */
  path?: string;
  /** `NAME=VALUE` pairs. */
  query?: string[];
  /** `NAME=VALUE` route parameters. */
  param?: string[];
  /** `Name: value` headers. */
  header?: string[];
  /** The body's text, or `@FILE` for a file's bytes. */
  body?: string;
  /** A JSON file with `{method, path, query, params, headers, body}`. */
  request?: string;
  /** `ctx.app.slug`. */
  app?: string;
}

/** An HTTP method token (RFC 9110). */
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `NAME=VALUE` (the value may be empty or hold `=`). */
function pair(option: string, text: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) throw new UsageError(`${option} expects NAME=VALUE, not "${text}"`);
  return [text.slice(0, at), text.slice(at + 1)];
}

function addQuery(query: Record<string, string | string[]>, name: string, value: string): void {
  const seen = query[name];
  if (seen === undefined) query[name] = value;
  else if (Array.isArray(seen)) seen.push(value);
  else query[name] = [seen, value];
}

/** The request file's content, checked. */
interface RequestFile {
  method?: string;
  path?: string;
  query?: Record<string, string | string[]>;
  params?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
}

function readRequestFile(file: string): RequestFile {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--request ${file}: ${(error as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new UsageError(
      `--request ${file}: expected {"method", "path", "query", "params", "headers", "body"}`,
    );
  }
  const known = ['method', 'path', 'query', 'params', 'headers', 'body'];
  const unknown = Object.keys(data).find((key) => !known.includes(key));
  if (unknown !== undefined) throw new UsageError(`--request ${file}: unknown field "${unknown}"`);
  const request = data as RequestFile;
  const strings = (what: string, value: unknown, arrays: boolean) => {
    if (value === undefined) return;
    const ok =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.values(value).every(
        (v) => typeof v === 'string' || (arrays && Array.isArray(v) && v.every((e) => typeof e === 'string')),
      );
    if (!ok) throw new UsageError(`--request ${file}: "${what}" must be a map of strings`);
  };
  strings('query', request.query, true);
  strings('params', request.params, false);
  strings('headers', request.headers, false);
  for (const field of ['method', 'path'] as const) {
    if (request[field] !== undefined && typeof request[field] !== 'string') {
      throw new UsageError(`--request ${file}: "${field}" must be a string`);
    }
  }
  return request;
}

/** The media type of a content type (`application/json; charset=utf-8` → `application/json`). */
function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** Types whose body the appliance parses from text. */
const TEXT_TYPES = new Set(['application/json', 'application/x-www-form-urlencoded', 'text/plain']);

/**
 * The script's request. Headers are lower-cased; a body without a content type is sent as
 * `application/json` when it is valid JSON, else as `text/plain; charset=utf-8`.
 * @throws UsageError for a malformed option or request file
 */
export function buildScriptRequest(options: RequestOptions): ScriptRequest {
  const file = options.request === undefined ? {} : readRequestFile(options.request);
  const method = (options.method ?? file.method ?? 'GET').toUpperCase();
  if (!METHOD.test(method)) throw new UsageError(`"${method}" is not an HTTP method`);

  const target = options.path ?? file.path ?? '/';
  if (!target.startsWith('/')) throw new UsageError(`the path must start with "/", not "${target}"`);
  const queryAt = target.indexOf('?');
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
  const query: Record<string, string | string[]> = Object.create(null);
  if (queryAt !== -1) {
    for (const [name, value] of Object.entries(parseForm(target.slice(queryAt + 1)))) {
      for (const v of Array.isArray(value) ? value : [value]) addQuery(query, name, v);
    }
  }
  for (const [name, value] of Object.entries(file.query ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) addQuery(query, name, v);
  }
  for (const text of options.query ?? []) addQuery(query, ...pair('--query', text));

  const params: Record<string, string> = { ...file.params };
  for (const text of options.param ?? []) {
    const [name, value] = pair('--param', text);
    params[name] = value;
  }

  const headers: Record<string, string> = {};
  const addHeader = (name: string, value: string) => {
    const key = name.trim().toLowerCase();
    if (!METHOD.test(key)) throw new UsageError(`"${name}" is not a header name`);
    headers[key] = Object.hasOwn(headers, key) ? `${headers[key]}, ${value}` : value;
  };
  for (const [name, value] of Object.entries(file.headers ?? {})) addHeader(name, value);
  for (const text of options.header ?? []) {
    const at = text.indexOf(':');
    if (at <= 0) throw new UsageError(`--header expects "Name: value", not "${text}"`);
    addHeader(text.slice(0, at), text.slice(at + 1).trim());
  }

  let bytes: Buffer | null = null;
  if (options.body !== undefined) {
    if (options.body.startsWith('@')) {
      try {
        bytes = readFileSync(options.body.slice(1));
      } catch (error) {
        throw new UsageError(`--body ${options.body}: ${(error as Error).message}`);
      }
    } else bytes = Buffer.from(options.body, 'utf8');
  } else if (file.body !== undefined && file.body !== null) {
    if (typeof file.body === 'string') bytes = Buffer.from(file.body, 'utf8');
    else {
      bytes = Buffer.from(JSON.stringify(file.body), 'utf8');
      headers['content-type'] ??= 'application/json';
    }
  }
  if (bytes !== null && bytes.length > 0 && headers['content-type'] === undefined) {
    headers['content-type'] = isJson(bytes) ? 'application/json' : 'text/plain; charset=utf-8';
  }
  const raw = bytes === null || bytes.length === 0 ? null : new Uint8Array(bytes);
  let body: unknown = null;
  if (raw !== null) {
    body = TEXT_TYPES.has(mediaType(headers['content-type']))
      ? parseScriptBody(headers['content-type'], bytes?.toString('utf8'))
      : raw;
  }
  return {
    method,
    path,
    params,
    query: { ...query },
    headers,
    body,
    raw_body: raw,
    app: { id: 'local', slug: options.app ?? 'local' },
    request_id: randomUUID(),
    trigger: { kind: 'http' },
  };
}

function isJson(bytes: Buffer): boolean {
  try {
    JSON.parse(bytes.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}
