/**
 * The whole-request deadline (Node's requestTimeout, the slow-loris guard) against uploads, over real
 * sockets, with the deadline cut to 1 s so a "slow" upload takes seconds: an archive upload (a bundle
 * import) that keeps sending outlasts it and is imported; a stalled one is answered 408 and cut once
 * no byte came for the deadline; an upload of a caller who is not let through is not spared; every
 * other route still answers 408 to a body that takes longer, and changes nothing.
 */
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManagerTestServer, type ManagerTestServer } from '../support/manager-server.js';

const DEADLINE_MS = 1_000;

let t: ManagerTestServer;
let port: number;
let bundle: Buffer;
beforeAll(async () => {
  t = await createManagerTestServer({ serverDeps: { requestTimeoutMs: DEADLINE_MS } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as { port: number }).port;
  await t.createApp('shop');
  await t.createScript('shop', 'hello');
  const exported = await t.app.inject({
    method: 'GET',
    url: '/api/v1/admin/apps/shop/export',
    headers: { authorization: `Bearer ${t.token}` },
  });
  expect(exported.statusCode).toBe(200);
  bundle = exported.rawPayload;
});
afterAll(async () => {
  await t?.close();
});

/** What came back on a connection: the status line's code (null: closed without an answer). */
interface Outcome {
  status: number | null;
  text: string;
  ms: number;
}

/**
 * Sends a request over a raw socket: the head at once, then `body` in `pieces` pieces `gapMs` apart
 * (stopping after `stallAfter` pieces, when given); resolves when the server closes the connection.
 */
function slowRequest(
  head: string,
  body: Buffer,
  { pieces, gapMs, stallAfter }: { pieces: number; gapMs: number; stallAfter?: number },
): Promise<Outcome> {
  const started = Date.now();
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (chunk) => {
    text += chunk.toString('latin1');
  });
  socket.on('error', () => undefined);
  const closed = new Promise<Outcome>((resolve) =>
    socket.on('close', () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: status ? Number(status[1]) : null, text, ms: Date.now() - started });
    }),
  );
  void (async () => {
    socket.write(`${head}Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
    const size = Math.ceil(body.length / pieces);
    for (let i = 0; i < pieces && !socket.destroyed; i++) {
      if (stallAfter !== undefined && i === stallAfter) return;
      await sleep(gapMs);
      socket.write(body.subarray(i * size, (i + 1) * size));
    }
  })();
  return closed;
}

const importHead = (as: string, authorization = `Bearer ${t.token}`) =>
  `POST /api/v1/admin/apps:import?as=${as} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${authorization}\r\nContent-Type: application/gzip\r\n`;

const slugs = async () =>
  (await t.request('GET', '/admin/apps')).body.items.map((a: { slug: string }) => a.slug);

describe('an archive upload', () => {
  it('that keeps sending outlasts the request deadline and is imported', async () => {
    // 3 s in all, never more than 300 ms without a byte.
    const outcome = await slowRequest(importHead('slow-copy'), bundle, { pieces: 10, gapMs: 300 });
    expect(outcome.ms).toBeGreaterThan(2 * DEADLINE_MS);
    expect(outcome.status, outcome.text).toBe(200);
    expect(await slugs()).toContain('slow-copy');
  });

  it('that stalls is answered 408 and cut once no byte came for the deadline, and imports nothing', async () => {
    const outcome = await slowRequest(importHead('stalled'), bundle, {
      pieces: 10,
      gapMs: 100,
      stallAfter: 3,
    });
    expect(outcome.status, outcome.text).toBe(408);
    expect(outcome.text).toContain('The request was not received in time');
    expect(outcome.ms).toBeLessThan(DEADLINE_MS * 4);
    expect(await slugs()).not.toContain('stalled');
  });

  it('of a caller who is not let through is refused at once, not spared', async () => {
    const outcome = await slowRequest(importHead('intruder', 'Bearer pc_not-a-token'), bundle, {
      pieces: 10,
      gapMs: 300,
    });
    expect(outcome.status).toBe(401);
    expect(outcome.ms).toBeLessThan(2 * DEADLINE_MS);
    expect(await slugs()).not.toContain('intruder');
  });
});

describe('every other route', () => {
  it('answers 408 to a body that takes longer than the deadline, and changes nothing', async () => {
    const body = Buffer.from(JSON.stringify({ slug: 'slowpoke', name: 'Slow' }));
    const outcome = await slowRequest(
      `POST /api/v1/admin/apps HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${t.token}\r\nContent-Type: application/json\r\n`,
      body,
      { pieces: body.length, gapMs: 150 },
    );
    expect(outcome.status, outcome.text).toBe(408);
    expect(await slugs()).not.toContain('slowpoke');
  });
});
