/** `queue::` — sends messages to the app's named queues (a consumer script runs for each). */
import type { HostModule } from '../../rhai/index.js';
import { fromServiceJson, sdkFunction, stringArg, toServiceJson } from './sdk-values.js';
import type { ServiceBinding } from './service-binding.js';

/** The `queue` module, calling through `services`. */
export function queueModule(services: ServiceBinding): HostModule {
  return {
    suspends: true,
    functions: [
      // Returns the message id.
      sdkFunction('queue', 'send', 2, (ctx, [name, payload], label) => {
        const queue = stringArg(label, 'the queue name', name);
        const message = toServiceJson(label, 'payload', payload);
        return services.call(ctx, label, { service: 'queue', op: 'send', args: [queue, message] }, (id) =>
          fromServiceJson(ctx, label, id),
        );
      }),
    ],
  };
}
