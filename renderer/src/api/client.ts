/**
 * The panel's only way to the server: the public HTTP API under /api/v1, with the session cookie the
 * sign-in set and the CSRF token the server handed out (sent on every change, as access control asks).
 */

export const API_BASE = '/api/v1';

/** An error answer of the API, with its stable code and, for scripts, the diagnostics. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

let csrfToken: string | null = null;
const unauthorizedListeners = new Set<() => void>();

/** Remembers the CSRF token of the current session (null when signed out). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when a request finds the session gone (401), so the shell can show the sign-in screen. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Calls the API and decodes its JSON answer; throws ApiError for a 4xx/5xx. */
export async function api<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (csrfToken && method !== 'GET') headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      // Answers are live data: never from the browser's cache (a cached slug redirect would outlive a rename).
      cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'Cannot reach the PiCloud server. Is it running?');
  }
  const text = await response.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!response.ok) {
    if (response.status === 401 && !path.startsWith('/auth/')) {
      for (const listener of unauthorizedListeners) listener();
    }
    throw apiError(response.status, data);
  }
  return data as T;
}

/** The ApiError of an error answer's decoded body. */
function apiError(status: number, data: unknown): ApiError {
  const error = (data as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
  return new ApiError(
    status,
    error?.code ?? `HTTP_${status}`,
    error?.message ?? `The server answered ${status}`,
    error?.details,
  );
}

/**
 * Sends raw bytes (a backup or an app bundle, as application/gzip) or asks for them back: `download`
 * answers the body as a Blob. Errors are ApiErrors, as with {@link api}.
 */
export async function apiBytes<T>(
  method: Method,
  path: string,
  {
    body,
    headers = {},
    download = false,
  }: { body?: Blob; headers?: Record<string, string>; download?: boolean } = {},
): Promise<T> {
  const all: Record<string, string> = { ...headers };
  if (body !== undefined) all['content-type'] = 'application/gzip';
  if (csrfToken && method !== 'GET') all['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${path}`, {
      method,
      headers: all,
      credentials: 'same-origin',
      cache: 'no-store',
      body,
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'Cannot reach the PiCloud server. Is it running?');
  }
  if (response.ok && download) return (await response.blob()) as T;
  const text = await response.text();
  const data = text ? (JSON.parse(text) as unknown) : null;
  if (!response.ok) throw apiError(response.status, data);
  return data as T;
}

/** Saves a Blob as a file the browser downloads. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Encodes one path segment (slugs, collection names and keys may hold any character). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

/** Builds a query string from the defined values (`?a=1&b=2`, or '' when there are none). */
export function query(values: Record<string, string | number | boolean | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** A readable message for any error the panel shows. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
