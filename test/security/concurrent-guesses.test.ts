/**
 * Guesses sent all at once are throttled like guesses sent one after another: an attempt is counted
 * when it starts, before its ~100 ms password check, so 200 parallel sign-ins for one account from one
 * address get at most the free attempts (5) plus one evaluated, and every other one a 429 with
 * Retry-After — the right password among them included. The same holds for the current password of a
 * password change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_THROTTLE } from '../../server/security/login-throttle.js';
import { createManagerTestServer, type ManagerTestServer } from '../support/manager-server.js';
import { type Session, signIn } from './session-helpers.js';

let t: ManagerTestServer;
/** Signed in before any guess (the account's sign-ins are throttled after the flood). */
let session: Session;
beforeAll(async () => {
  t = await createManagerTestServer();
  session = await signIn(t);
});
afterAll(async () => {
  await t?.close();
});

/** At most this many attempts reach the password check before the back-off starts. */
const EVALUATED = LOGIN_THROTTLE.freeAttempts + 1;

describe('200 guesses at once', () => {
  it('evaluates at most the free attempts plus one; the rest, the right password too, get 429', async () => {
    // 1. 200 wrong passwords and, last, the right one, all in flight together from one address.
    const passwords = [...Array.from({ length: 200 }, (_, i) => `wrong guess ${i}`), t.owner.password];
    const answers = await Promise.all(
      passwords.map((password) =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          remoteAddress: '192.168.1.66',
          payload: { username: 'owner', password },
        }),
      ),
    );

    // 2. Only the first few were checked (a 401 is an evaluated wrong guess) …
    const statuses = answers.map((answer) => answer.statusCode);
    const evaluated = statuses.filter((status) => status === 401).length;
    expect(evaluated).toBeGreaterThan(0);
    expect(evaluated).toBeLessThanOrEqual(EVALUATED);
    // … every other one was refused unheard, with the time to wait.
    const refused = answers.filter((answer) => answer.statusCode === 429);
    expect(refused).toHaveLength(passwords.length - evaluated);
    for (const answer of refused) {
      expect(answer.json().error.code).toBe('PICLOUD_ERR_AUTH_RATE_LIMITED');
      expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    // 3. The right password, sent among them, did not get in.
    expect(answers.at(-1)?.statusCode).toBe(429);
    expect(statuses).not.toContain(200);
    // (A throttle that counted too late would check all 201 passwords: minutes, not a second.)
  }, 180_000);
});

describe('a password change under parallel guesses', () => {
  it('checks at most the free attempts plus one current passwords at once', async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.request(
          'POST',
          '/auth/password',
          { current_password: `wrong current ${i}`, new_password: 'a brand new passphrase' },
          session.changeHeaders(),
        ),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    const evaluated = statuses.filter((status) => status === 403).length;
    expect(evaluated).toBeGreaterThan(0);
    expect(evaluated).toBeLessThanOrEqual(EVALUATED);
    expect(statuses.filter((status) => status === 429)).toHaveLength(50 - evaluated);
  }, 60_000);
});
