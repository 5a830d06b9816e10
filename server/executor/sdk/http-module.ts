/**
 * `http::` — outbound HTTP requests to LAN devices and web APIs. The manager performs them (host
 * allow-list, timeouts, size and redirect limits); here the request is checked and shaped.
 */
import { type HostModule, type NativeCallContext, RhaiError, typeOf, type Value } from '../../rhai/index.js';
import { parseJson } from '../../rhai/stdlib/json.js';
import {
  fromServiceJson,
  numberArg,
  optionsArg,
  type SdkFn,
  sdkFunction,
  stringArg,
  toServiceJson,
} from './sdk-values.js';
import { invalidArgument, type ServiceBinding } from './service-binding.js';

/** The request sent to the service (`http.request`'s one argument). */
interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** JSON: a string is sent as it is, any other value as JSON; null: no body. */
  body: unknown;
  /** null: the service's default. */
  timeout_ms: number | null;
}

/** An HTTP method token (RFC 9110). */
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const REQUEST_KEYS = ['method', 'url', 'headers', 'body', 'timeout'] as const;
const SHORTHAND_KEYS = ['headers', 'timeout'] as const;

function urlArg(label: string, v: Value): string {
  if (v === undefined) throw invalidArgument(label, 'the url is missing');
  const url = stringArg(label, 'the url', v);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidArgument(label, 'the url is not an absolute URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw invalidArgument(label, 'the url must be http:// or https://');
  }
  return url;
}

function methodArg(label: string, v: Value): string {
  if (v === undefined) return 'GET';
  const method = stringArg(label, 'the method', v);
  if (!METHOD.test(method)) throw invalidArgument(label, 'the method is not an HTTP method token');
  return method.toUpperCase();
}

function headersArg(label: string, v: Value): Record<string, string> {
  const headers: Record<string, string> = Object.create(null);
  if (v === undefined) return headers;
  if (!(v instanceof Map)) throw invalidArgument(label, `the headers must be a map, not ${typeOf(v)}`);
  for (const [name, value] of v) {
    const text = toServiceJson(label, 'a header', value);
    if (typeof text === 'object' || text === null) {
      throw invalidArgument(label, 'a header value must be a string or a number');
    }
    headers[name] = String(text);
  }
  return headers;
}

/** `timeout` in seconds → milliseconds (null: the service's default). */
function timeoutArg(label: string, v: Value): number | null {
  if (v === undefined) return null;
  const seconds = numberArg(label, 'the timeout', v);
  if (seconds <= 0) throw invalidArgument(label, 'the timeout must be a positive number of seconds');
  return Math.max(1, Math.ceil(seconds * 1000));
}

/** `application/json`, `application/problem+json`… */
const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

/**
 * The response body: the service answers text; a JSON response becomes its value, parsed like
 * `parse_json` (64-bit integers exact, the run's size limits). Text that is not valid JSON despite
 * its content type stays text.
 */
function parseBody(ctx: NativeCallContext, response: Map<string, Value>): Value {
  const body = response.get('body');
  const headers = response.get('headers');
  const type = headers instanceof Map ? headers.get('content-type') : undefined;
  if (typeof body !== 'string' || typeof type !== 'string' || !JSON_TYPE.test(type)) return body;
  try {
    return parseJson(ctx, body);
  } catch (error) {
    if (error instanceof RhaiError && error.kind === 'ErrorRuntime') return body;
    throw error;
  }
}

/** The `http` module, calling through `services`. */
export function httpModule(services: ServiceBinding): HostModule {
  const send = (ctx: NativeCallContext, label: string, request: HttpRequest): Value => {
    return services.call(ctx, label, { service: 'http', op: 'request', args: [request] }, (answer) => {
      const response = fromServiceJson(ctx, label, answer);
      if (response instanceof Map) response.set('body', parseBody(ctx, response));
      return response;
    });
  };

  const request: SdkFn = (ctx, [spec], label) => {
    if (!(spec instanceof Map)) {
      throw invalidArgument(label, 'expects a map: #{ method, url, headers, body, timeout }');
    }
    const options = optionsArg(label, spec, REQUEST_KEYS);
    return send(ctx, label, {
      method: methodArg(label, options.get('method')),
      url: urlArg(label, options.get('url')),
      headers: headersArg(label, options.get('headers')),
      body: toServiceJson(label, 'body', options.get('body')),
      timeout_ms: timeoutArg(label, options.get('timeout')),
    });
  };
  const get: SdkFn = (ctx, args, label) => {
    const options = optionsArg(label, args[1], SHORTHAND_KEYS);
    return send(ctx, label, {
      method: 'GET',
      url: urlArg(label, args[0]),
      headers: headersArg(label, options.get('headers')),
      body: null,
      timeout_ms: timeoutArg(label, options.get('timeout')),
    });
  };
  const post: SdkFn = (ctx, args, label) => {
    const options = optionsArg(label, args[2], SHORTHAND_KEYS);
    return send(ctx, label, {
      method: 'POST',
      url: urlArg(label, args[0]),
      headers: headersArg(label, options.get('headers')),
      body: toServiceJson(label, 'body', args[1]),
      timeout_ms: timeoutArg(label, options.get('timeout')),
    });
  };
  return {
    suspends: true,
    functions: [
      sdkFunction('http', 'request', 1, request),
      sdkFunction('http', 'get', 1, get),
      sdkFunction('http', 'get', 2, get),
      sdkFunction('http', 'post', 2, post),
      sdkFunction('http', 'post', 3, post),
    ],
  };
}
