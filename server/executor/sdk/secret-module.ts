/** `secret::` — the app's secrets (API keys for the services a script calls), read-only. */
import type { HostModule } from '../../rhai/index.js';
import { fromServiceJson, sdkFunction, stringArg } from './sdk-values.js';
import type { ServiceBinding } from './service-binding.js';

/** The `secret` module, calling through `services`. */
export function secretModule(services: ServiceBinding): HostModule {
  return {
    suspends: true,
    functions: [
      // The value, or () when the app has no such secret.
      sdkFunction('secret', 'get', 1, (ctx, [name], label) =>
        services.call(
          ctx,
          label,
          { service: 'secret', op: 'get', args: [stringArg(label, 'the name', name)] },
          (value) => fromServiceJson(ctx, label, value),
        ),
      ),
    ],
  };
}
