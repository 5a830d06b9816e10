/**
 * Service errors never echo what the script passed: a secret used as a URL, a URL's scheme or host, a
 * header name or value, an HTTP method, a KV key, a queue name, a secret name or an option name
 * fails with a message that says which argument is wrong, not what it was. Checked on a running
 * appliance through anonymous requests: neither the response nor the execution log holds the secret,
 * in any case nor in part (the log's mask only catches the exact form).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAppliance, type TestAppliance } from '../support/appliance.js';
import { requestWithHost } from '../support/http.js';

let pc: TestAppliance;
const HOST = 'leaky.lan';

/** The app's secrets: each is used by one case below as something it should never be. */
const SECRETS: Record<string, string> = {
  AS_URL: 'Zq9S3cr3tUrlValue',
  AS_SCHEME: 'Zq9S3cr3tSchemeValue:rest',
  AS_HOST: 'Zq9S3cr3tHostValue',
  AS_HEADER_NAME: 'Zq9S3cr3t/HeaderName',
  AS_HEADER_VALUE: 'Zq9S3cr3tHeaderValue',
  AS_METHOD: 'Zq9S3cr3t Mxq7',
  AS_KV_KEY: 'Zq9S3cr3tKvKey',
  AS_QUEUE: 'Zq9S3cr3tQueueName',
  AS_SECRET_NAME: 'Zq9S3cr3t Kp w7',
  AS_OPTION: 'Zq9S3cr3tOptionName',
  AS_FIELD: 'Zq9S3cr3tFieldName',
};

/** Each case: the script's body (`s` holds the secret) and the reason its uncaught error carries. */
const CASES: [string, string, string, string][] = [
  ['a URL that is not absolute', 'AS_URL', 'http::get(s)', 'BAD_ARGUMENTS'],
  ['a URL with another scheme', 'AS_SCHEME', 'http::get(s)', 'BAD_ARGUMENTS'],
  ['a URL to parse', 'AS_URL', 'url::parse(s)', 'BAD_ARGUMENTS'],
  ['hexadecimal to decode', 'AS_URL', 'hex::decode(s)', 'BAD_ARGUMENTS'],
  [
    'a host not in the allow-list',
    'AS_HOST',
    'http::get(`http://${s}.example.org/path`)',
    'HTTP_HOST_NOT_ALLOWED',
  ],
  [
    'a listed host that does not resolve',
    'AS_HOST',
    'http::get(`https://${s}.example.invalid/`)',
    'HTTP_FAILED',
  ],
  [
    'a header name',
    'AS_HEADER_NAME',
    'let h = #{}; h[s] = "x"; http::get("https://api.example.invalid/", #{ headers: h })',
    'HTTP_INVALID_REQUEST',
  ],
  [
    'a header value',
    'AS_HEADER_VALUE',
    'http::get("https://api.example.invalid/", #{ headers: #{ "x-key": s + "\\r\\n" } })',
    'HTTP_INVALID_REQUEST',
  ],
  [
    'an HTTP method',
    'AS_METHOD',
    'http::request(#{ method: s, url: "https://api.example.invalid/" })',
    'BAD_ARGUMENTS',
  ],
  ['a KV key', 'AS_KV_KEY', 'kv::set("c", s, "text"); kv::incr("c", s)', 'KV_NOT_A_NUMBER'],
  ['a queue name', 'AS_QUEUE', 'queue::send(s, 1)', 'QUEUE_NOT_FOUND'],
  ['a secret name', 'AS_SECRET_NAME', 'secret::get(s)', 'BAD_ARGUMENTS'],
  ['an option name', 'AS_OPTION', 'let o = #{}; o[s] = 1; kv::list("c", o)', 'BAD_ARGUMENTS'],
  [
    'a request field',
    'AS_FIELD',
    'let r = #{ url: "https://api.example.invalid/" }; r[s] = 1; http::request(r)',
    'BAD_ARGUMENTS',
  ],
];

/**
 * Asserts that `text` holds no piece of `secret` ten characters long, in any case: the whole value, its
 * lower-case form (host names, schemes) and any part cut from it.
 */
function expectNoPieceOf(secret: string, text: string): void {
  const haystack = text.toLowerCase();
  const value = secret.toLowerCase();
  for (let start = 0; start + 10 <= value.length; start++) {
    expect(haystack, `holds "${value.slice(start, start + 10)}"`).not.toContain(
      value.slice(start, start + 10),
    );
  }
}

beforeAll(async () => {
  pc = await startTestAppliance();
  const api = async (method: string, path: string, body: unknown, status = 201) => {
    const response = await pc.api(method, `/api/v1/admin${path}`, body);
    expect(response.status, JSON.stringify(response.body)).toBe(status);
  };
  await api('POST', '/apps', { slug: 'leaky', name: 'Leaky', http_allow_hosts: ['*.example.invalid'] });
  await api('POST', '/apps/leaky/domains', { pattern: HOST });
  for (const [name, value] of Object.entries(SECRETS))
    await api('PUT', `/apps/leaky/secrets/${name}`, { value });
  const arms = CASES.map(
    ([, secret, body], index) => `${index} => { let s = secret::get("${secret}"); ${body} }`,
  );
  await api('POST', '/scripts', {
    app: 'leaky',
    name: 'leak',
    source: `switch parse_int(ctx.params.n) { ${arms.join(',\n')} }`,
  });
  await api('POST', '/apps/leaky/routes', { script: 'leak', methods: ['GET'], path: '/leak/:n' });
  await sleep(100);
});
afterAll(async () => {
  await pc?.stop();
});

describe('a secret passed where a service expects something else', () => {
  it.each(CASES.map((entry, index) => [...entry, index] as const))(
    '%s: the caller and the execution log learn nothing of it',
    async (_case, secret, _body, reason, index) => {
      const response = await requestWithHost(`${pc.baseUrl}/leak/${index}`, HOST, {
        headers: { 'x-request-id': `leak-${index}` },
      });
      // 1. The call failed for the expected reason (so the message was really produced).
      expect(response.status, response.text).toBe(500);
      expect(response.text).toContain(`(${reason})`);
      // 2. The anonymous caller's answer holds no form of the secret.
      expectNoPieceOf(SECRETS[secret], response.text);
      // 3. Nor does the run's record in the execution log.
      let rows: { error: unknown; output: string }[] = [];
      for (let i = 0; i < 100 && rows.length === 0; i++) {
        rows = (
          await pc.database.pool.query('SELECT error, output FROM execution_logs WHERE request_id = $1', [
            `leak-${index}`,
          ])
        ).rows;
        if (rows.length === 0) await sleep(20);
      }
      expect(rows).toHaveLength(1);
      const logged = JSON.stringify(rows[0]);
      expect(logged).toContain(reason);
      expectNoPieceOf(SECRETS[secret], logged);
    },
  );
});
