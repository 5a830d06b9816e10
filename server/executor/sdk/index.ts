/**
 * The script SDK's modules (see docs/sdk/script-sdk.md), installed on an engine: the service modules
 * `kv::`, `secret::`, `http::`, `queue::` (SDK 1.1), which reach the services of the run in progress
 * through a `ServiceBinding` so an engine cached across runs serves each run's own services, and the
 * self-contained `time::`, `crypto::`, `base64::`, `hex::`, `url::` (SDK 1.2).
 */
import type { Engine, HostModule } from '../../rhai/index.js';
import { base64Module } from './base64-module.js';
import { cryptoModule } from './crypto-module.js';
import { hexModule } from './hex-module.js';
import { httpModule } from './http-module.js';
import { kvModule } from './kv-module.js';
import { queueModule } from './queue-module.js';
import { secretModule } from './secret-module.js';
import type { ServiceBinding } from './service-binding.js';
import { timeModule } from './time-module.js';
import { urlModule } from './url-module.js';

export { ScriptServiceError, SERVICE_CALL_OPERATIONS, ServiceBinding } from './service-binding.js';

/** The name a script uses for each SDK module (`kv::get`). */
export type SdkModuleName = 'kv' | 'secret' | 'http' | 'queue' | 'time' | 'crypto' | 'base64' | 'hex' | 'url';

/** Every SDK module, by the name scripts use. */
export function sdkModules(services: ServiceBinding): Record<SdkModuleName, HostModule> {
  return {
    kv: kvModule(services),
    secret: secretModule(services),
    http: httpModule(services),
    queue: queueModule(services),
    time: timeModule(),
    crypto: cryptoModule(),
    base64: base64Module(),
    hex: hexModule(),
    url: urlModule(),
  };
}

/** Registers every SDK module on `engine`. */
export function registerSdkModules(engine: Engine, services: ServiceBinding): void {
  for (const [name, module] of Object.entries(sdkModules(services))) engine.registerModule(name, module);
}
