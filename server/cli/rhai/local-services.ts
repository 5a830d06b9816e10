/**
 * The script services of a local run (`picloud rhai run`, `picloud rhai repl`), behind the same
 * contract as the appliance's (`server/contracts/script-services.ts`) and with the same handlers where
 * the behaviour can be the same:
 *
 * - `kv::` — the appliance's KV handler over {@link MemoryKvStore} (in memory, or a JSON file);
 * - `secret::` — the appliance's secret handler over the `--secret NAME=VALUE` pairs;
 * - `http::` — the appliance's outbound HTTP handler (the same host rules, with an empty allow-list:
 *   any host of the LAN or the internet, never this machine's own addresses or link-local ones);
 * - `queue::` — nothing consumes a queue locally: a message is shown (`onQueueMessage`) and gets an id.
 */
import { randomUUID } from 'node:crypto';
import { kvHandler } from '../../manager/kv/kv-service.js';
import { secretHandler } from '../../manager/secrets/secret-service.js';
import { httpHandler } from '../../manager/services/http-service.js';
import { ScriptServiceRegistry, ServiceError, serviceOps } from '../../manager/services/script-services.js';
import { MAX_PAYLOAD_BYTES, QUEUE_NAME } from '../../manager/triggers/trigger-store.js';
import type { MemoryKvStore } from './memory-kv-store.js';

/** What the local services are made of. */
export interface LocalServiceOptions {
  kv: MemoryKvStore;
  /** Secrets by name. */
  secrets: ReadonlyMap<string, string>;
  /** Outbound HTTP limits (the appliance's settings). */
  outbound: { timeoutMs: number; maxResponseBytes: number };
  /** Shows a message a script sent (`queue::send`). */
  onQueueMessage: (queue: string, payload: unknown, id: string) => void;
  /** Reports an unexpected failure of a service. */
  onError?: (error: unknown) => void;
}

/** The services of a local run. */
export function localScriptServices(options: LocalServiceOptions): ScriptServiceRegistry {
  const services = new ScriptServiceRegistry({ onError: options.onError });
  services.register('kv', kvHandler(options.kv));
  services.register(
    'secret',
    secretHandler({ read: async (_appId, name) => options.secrets.get(name) ?? null }),
  );
  services.register(
    'http',
    httpHandler(async () => [], options.outbound),
  );
  services.register(
    'queue',
    serviceOps('queue', {
      send: ({ args }) => {
        const [queue, payload] = args;
        if (typeof queue !== 'string' || !QUEUE_NAME.test(queue)) {
          throw new ServiceError(
            'QUEUE_INVALID',
            'the queue name has letters, digits, "_", "." and "-" (at most 64)',
          );
        }
        const bytes = Buffer.byteLength(JSON.stringify(payload ?? null));
        if (bytes > MAX_PAYLOAD_BYTES) {
          throw new ServiceError(
            'QUEUE_PAYLOAD_TOO_LARGE',
            `The payload is ${bytes} bytes of JSON; a message holds at most ${MAX_PAYLOAD_BYTES}`,
          );
        }
        const id = randomUUID();
        options.onQueueMessage(queue, payload, id);
        return id;
      },
    }),
  );
  return services;
}
