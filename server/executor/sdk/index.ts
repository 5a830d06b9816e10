/**
 * The script SDK's service modules — `kv::`, `secret::`, `http::`, `queue::` (SDK 1.1, see
 * docs/sdk/script-sdk.md) — installed on an engine. They reach the services of the run in progress
 * through a `ServiceBinding`, so an engine cached across runs serves each run's own services.
 */
import type { Engine, HostModule } from '../../rhai/index.js';
import { httpModule } from './http-module.js';
import { kvModule } from './kv-module.js';
import { queueModule } from './queue-module.js';
import { secretModule } from './secret-module.js';
import type { ServiceBinding } from './service-binding.js';

export { ScriptServiceError, SERVICE_CALL_OPERATIONS, ServiceBinding } from './service-binding.js';

/** Every SDK service module, by the name scripts use (`kv::get`). */
export function sdkModules(services: ServiceBinding): Record<'kv' | 'secret' | 'http' | 'queue', HostModule> {
  return {
    kv: kvModule(services),
    secret: secretModule(services),
    http: httpModule(services),
    queue: queueModule(services),
  };
}

/** Registers every SDK service module on `engine`. */
export function registerSdkModules(engine: Engine, services: ServiceBinding): void {
  for (const [name, module] of Object.entries(sdkModules(services))) engine.registerModule(name, module);
}
