/**
 * Graceful shutdown: a request in flight when the stop begins still gets its answer; new requests are
 * refused in the error format; then the appliance closes everything it opened.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { startTestAppliance } from '../support/appliance.js';

it('drains an in-flight script run, refuses new requests, then stops', async () => {
  const pc = await startTestAppliance();
  try {
    // 1. An endpoint that takes a noticeable while.
    const script = await pc.api('POST', '/api/v1/admin/scripts', {
      app: 'default',
      name: 'slow',
      source: 'let t = timestamp(); while t.elapsed < 0.4 { } "finished"',
    });
    expect(script.status).toBe(201);

    // 2. Start it, then begin the shutdown while it runs.
    const inFlight = fetch(`${pc.baseUrl}/api/v1/execute/${script.body.id}`, {
      headers: { authorization: `Bearer ${pc.token}` },
    });
    await sleep(100);
    const stopping = pc.appliance.stop();

    // 3. A new request on a new connection is refused (or cannot connect once the listener closed).
    const late = await fetch(`${pc.baseUrl}/healthz`, { headers: { connection: 'close' } }).then(
      async (response) => ({ status: response.status, body: await response.json() }),
      () => null,
    );
    if (late)
      expect(late).toEqual({
        status: 503,
        body: { error: expect.objectContaining({ code: 'PICLOUD_ERR_SERVER_SHUTTING_DOWN' }) },
      });

    // 4. The request in flight completes normally.
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('finished');
    await stopping;
  } finally {
    await pc.stop(); // the appliance's stop is idempotent; this also drops the database
  }
});
