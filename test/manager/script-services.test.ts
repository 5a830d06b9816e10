/**
 * The manager's script-service registry: dispatch by service, expected refusals passed on, unexpected
 * failures hidden from the script (and reported), services nobody registered, and the deadline.
 */
import { describe, expect, it, vi } from 'vitest';
import type { ServiceCall } from '../../server/contracts/script-services.js';
import {
  ScriptServiceRegistry,
  ServiceError,
  type ServiceRequest,
  serviceOps,
} from '../../server/manager/services/script-services.js';

const APP = '0d4c6a9e-3b1f-4c6e-9a57-2f1e8c9b7d10';
const soon = () => Date.now() + 5_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function kvCall(op: string, ...args: unknown[]): ServiceCall {
  return { service: 'kv', op, args };
}

describe('dispatch', () => {
  it('hands a call to its service with the caller’s app, and answers the value', async () => {
    const seen: ServiceRequest[] = [];
    const registry = new ScriptServiceRegistry();
    registry.register('kv', (request) => {
      seen.push(request);
      return { echoed: request.args };
    });
    const deadline = soon();
    expect(await registry.call(APP, kvCall('get', 'c', 'k'), deadline)).toEqual({
      ok: true,
      value: { echoed: ['c', 'k'] },
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ appId: APP, op: 'get', args: ['c', 'k'], deadline });
    expect(seen[0].signal.aborted).toBe(false);
  });

  it('answers null for a handler that returns nothing', async () => {
    const registry = new ScriptServiceRegistry();
    registry.register('queue', async () => undefined);
    expect(await registry.call(APP, { service: 'queue', op: 'send', args: [] }, soon())).toEqual({
      ok: true,
      value: null,
    });
  });

  it('answers SERVICE_UNAVAILABLE for a service nobody registered, until someone does', async () => {
    const registry = new ScriptServiceRegistry();
    const call: ServiceCall = { service: 'secret', op: 'get', args: ['API_KEY'] };
    expect(await registry.call(APP, call, soon())).toEqual({
      ok: false,
      reason: 'SERVICE_UNAVAILABLE',
      message: 'The secret service is not available',
    });
    expect(registry.has('secret')).toBe(false);
    registry.register('secret', () => 'value');
    expect(registry.has('secret')).toBe(true);
    expect(await registry.call(APP, call, soon())).toEqual({ ok: true, value: 'value' });
  });

  it('refuses a malformed call', async () => {
    const registry = new ScriptServiceRegistry();
    registry.register('kv', () => 1);
    for (const call of [
      { service: 'kv', op: 5, args: [] },
      { service: 'kv', op: 'get', args: 'c' },
    ]) {
      expect(await registry.call(APP, call as unknown as ServiceCall, soon())).toMatchObject({
        ok: false,
        reason: 'BAD_ARGUMENTS',
      });
    }
    expect(await registry.call(APP, { op: 'get' } as unknown as ServiceCall, soon())).toMatchObject({
      ok: false,
      reason: 'SERVICE_UNAVAILABLE',
    });
  });

  it('dispatches operations with serviceOps, refusing unknown ones by name', async () => {
    const registry = new ScriptServiceRegistry();
    registry.register('kv', serviceOps('kv', { get: () => 'got', set: () => null }));
    expect(await registry.call(APP, kvCall('get'), soon())).toEqual({ ok: true, value: 'got' });
    for (const op of ['drop', 'constructor', '__proto__', 'toString']) {
      expect(await registry.call(APP, kvCall(op), soon())).toEqual({
        ok: false,
        reason: 'UNKNOWN_OPERATION',
        message: expect.stringContaining('(known: get, set)'),
      });
    }
  });
});

describe('failures', () => {
  it('passes a ServiceError on to the script as it is', async () => {
    const onError = vi.fn();
    const registry = new ScriptServiceRegistry({ onError });
    registry.register('kv', async () => {
      throw new ServiceError('KV_VALUE_TOO_LARGE', 'kv: the value is 70000 bytes');
    });
    expect(await registry.call(APP, kvCall('set'), soon())).toEqual({
      ok: false,
      reason: 'KV_VALUE_TOO_LARGE',
      message: 'kv: the value is 70000 bytes',
    });
    expect(onError).not.toHaveBeenCalled();
  });

  it.each([
    [
      'throws',
      () => {
        throw new Error('password authentication failed for user "picloud" at 10.0.0.5');
      },
    ],
    [
      'rejects',
      async () => {
        throw new TypeError('Cannot read properties of undefined (reading "rows")');
      },
    ],
  ])(
    'hides what a handler that %s unexpectedly says, and reports it without the arguments',
    async (_how, handler) => {
      const onError = vi.fn();
      const registry = new ScriptServiceRegistry({ onError });
      registry.register('kv', handler);
      const outcome = await registry.call(APP, kvCall('get', 'secret-collection', 'secret-key'), soon());
      expect(outcome).toEqual({
        ok: false,
        reason: 'INTERNAL',
        message: 'kv.get failed (internal error; see the appliance log)',
      });
      expect(onError).toHaveBeenCalledTimes(1);
      const [error, call] = onError.mock.calls[0];
      expect(error).toBeInstanceOf(Error);
      expect(call).toEqual({ appId: APP, service: 'kv', op: 'get' });
    },
  );

  it.each([
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 10.0.0.2:5433'), { code: 'ECONNREFUSED' }),
    ],
    [
      'a server shutting down',
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    ],
    ['a lost connection', new Error('Connection terminated unexpectedly')],
    ['a pool that cannot connect', new Error('timeout exceeded when trying to connect')],
    [
      'a refused role (a removed cluster member)',
      Object.assign(new Error('no pg_hba.conf entry'), { code: '28000' }),
    ],
  ])('answers DATABASE_UNAVAILABLE for %s, never INTERNAL', async (_what, cause) => {
    const onError = vi.fn();
    const registry = new ScriptServiceRegistry({ onError });
    registry.register('kv', async () => {
      throw cause;
    });
    expect(await registry.call(APP, kvCall('get'), soon())).toMatchObject({
      ok: false,
      reason: 'DATABASE_UNAVAILABLE',
    });
    expect(onError).not.toHaveBeenCalled();
  });
});

describe('the deadline', () => {
  it('answers TIMEOUT at the deadline for a handler still running, and aborts its signal', async () => {
    const onError = vi.fn();
    const registry = new ScriptServiceRegistry({ onError });
    let signal: AbortSignal | undefined;
    let finish: (() => void) | undefined;
    registry.register('http', (request) => {
      signal = request.signal;
      return new Promise((resolve, reject) => {
        finish = () => resolve('too late');
        request.signal.addEventListener('abort', () => reject(new Error('aborted')));
      });
    });
    const started = Date.now();
    const outcome = await registry.call(APP, { service: 'http', op: 'request', args: [] }, started + 150);
    const elapsed = Date.now() - started;
    expect(outcome).toEqual({
      ok: false,
      reason: 'TIMEOUT',
      message: 'http.request: the script ran out of time',
    });
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1_000);
    expect(signal?.aborted).toBe(true);
    finish?.();
    await sleep(10);
    // Stopping because of the abort is not a failure worth logging.
    expect(onError).not.toHaveBeenCalled();
  });

  it('does not call the handler when the deadline has passed', async () => {
    const handler = vi.fn(() => 1);
    const registry = new ScriptServiceRegistry();
    registry.register('kv', handler);
    expect(await registry.call(APP, kvCall('get'), Date.now() - 1)).toMatchObject({
      ok: false,
      reason: 'TIMEOUT',
    });
    expect(handler).not.toHaveBeenCalled();
  });

  it('leaves no timer behind once a call is answered', async () => {
    const registry = new ScriptServiceRegistry();
    registry.register('kv', () => 1);
    const before = process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    for (let i = 0; i < 20; i++) await registry.call(APP, kvCall('get'), Date.now() + 60_000);
    const after = process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    expect(after).toBeLessThanOrEqual(before);
  });
});
