/**
 * The `secret` script service: what answers `secret::get(name)` (see
 * `server/contracts/script-services.ts`). The app is the caller's (`request.appId`), never an
 * argument, so a script reads its own app's secrets and no other's.
 */
import { ServiceError, type ServiceHandler, serviceOps } from '../services/script-services.js';
import { SecretUnreadableError } from './secret-cipher.js';
import { SecretKeyError } from './secret-key.js';
import { isSecretName, type SecretStore } from './secret-store.js';

/**
 * The handler to register as `secret`: `get [name]` → the value, or null when the app has no such
 * secret. A secret that exists but cannot be decrypted answers `SECRET_UNREADABLE` (never null: the
 * script must not mistake a broken key for a missing secret).
 * @example services.register('secret', secretHandler(new SecretStore(db, new SecretKeyring(dataDir))));
 */
export function secretHandler(store: Pick<SecretStore, 'read'>): ServiceHandler {
  return serviceOps('secret', {
    get: async ({ appId, args }) => {
      const [name] = args;
      if (args.length !== 1 || typeof name !== 'string') {
        throw new ServiceError('BAD_ARGUMENTS', 'secret.get takes one argument: the name of the secret');
      }
      if (!isSecretName(name)) {
        throw new ServiceError(
          'BAD_ARGUMENTS',
          'the name is not a secret name (letters, digits, _ . -; at most 128)',
        );
      }
      try {
        return await store.read(appId, name);
      } catch (error) {
        if (error instanceof SecretKeyError || error instanceof SecretUnreadableError) {
          // The details name the data folder and the file's mode: for the appliance's log only.
          throw new ServiceError(
            'SECRET_UNREADABLE',
            error instanceof SecretKeyError
              ? "the secret cannot be decrypted: the appliance's secrets key is unusable (its log says why)"
              : error.message,
            error instanceof SecretKeyError ? error : undefined,
          );
        }
        throw error;
      }
    },
  });
}
