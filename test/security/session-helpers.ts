/**
 * Signing in through the real API, for tests that need a browser session: the cookie the server set
 * and the CSRF token it returned.
 */
import { expect } from 'vitest';
import type { ManagerTestServer } from '../support/manager-server.js';

/** A signed-in browser. */
export interface Session {
  /** `picloud_session=…`, ready for a Cookie header. */
  cookie: string;
  csrf: string;
  /** Headers of a change made by this browser on its own page. */
  changeHeaders(): Record<string, string>;
}

/** The `name=value` of the session cookie in a response's Set-Cookie headers. */
export function sessionCookie(setCookie: string | string[] | number | undefined): string {
  const all = [setCookie ?? []].flat().map(String);
  const found = all.find((line) => line.startsWith('picloud_session='));
  if (!found) throw new Error(`no session cookie in ${JSON.stringify(all)}`);
  return found.split(';')[0];
}

/** Signs in as the owner (or `username`/`password`). */
export async function signIn(
  t: ManagerTestServer,
  username = t.owner.username,
  password = t.owner.password,
): Promise<Session> {
  const response = await t.anonymous('POST', '/auth/login', { username, password });
  expect(response.status, response.text).toBe(200);
  const cookie = sessionCookie(response.headers['set-cookie']);
  const csrf: string = response.body.csrf_token;
  return { cookie, csrf, changeHeaders: () => ({ cookie, 'x-csrf-token': csrf }) };
}
